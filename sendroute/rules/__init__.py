"""The sendroute rules core: cited rules as data, and an advice engine that explains itself.

This package never imports Django, touches the network or a database. Its public API:

- :func:`load_ruleset` (an area shipped with sendroute) and :func:`load_ruleset_from` (a folder);
- :func:`available_areas`;
- :func:`parse_facts`, which checks raw answers against the rule set's facts;
- :func:`advise`, which turns checked facts and a date into :class:`Advice`;
- :func:`advise_raw`, the three steps above in one call;
- :class:`InputError` and :class:`PackError`, raised for bad input and broken packs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from .advice import Advice
from .calendar import BeyondCalendarError
from .engine import advise
from .errors import InputError, PackError, RulesError
from .facts import parse_date, parse_facts, parse_today
from .packs import RuleSet, available_areas, load_ruleset, load_ruleset_from

__all__ = [
    "Advice",
    "BeyondCalendarError",
    "InputError",
    "PackError",
    "RuleSet",
    "RulesError",
    "advise",
    "advise_raw",
    "available_areas",
    "load_ruleset",
    "load_ruleset_from",
    "parse_date",
    "parse_facts",
    "parse_today",
]


def advise_raw(
    facts: Mapping[str, Any] | None,
    *,
    area: str = "norfolk",
    today: dt.date | None = None,
    file: str | None = None,
) -> Advice:
    """Check raw facts and advise, for ``area`` on ``today`` (default: the machine's date)."""
    rules = load_ruleset(area)
    day = parse_today(today or dt.date.today(), field="today")
    return advise(rules, parse_facts(facts, rules, day, file=file), day)
