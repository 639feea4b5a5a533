"""Checking the facts a person or program gives us against the facts a rule set knows.

Any fact may be unknown: leave it out, or give ``null`` or ``unknown``. Everything else must have
the right type, and dates must be real dates that are not after "today" (for facts about the past).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from .calendar import BeyondCalendarError, england_and_wales
from .errors import InputError
from .model import Fact
from .packs import RuleSet
from .yamlfile import line_of

__all__ = ["FactValues", "parse_date", "parse_facts", "parse_today"]

FactValues = dict[str, Any]
UNKNOWN = ("unknown", "not_known", "dont_know")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date(
    value: Any, *, field: str, file: str | None = None, line: int | None = None
) -> dt.date:
    """A date from YAML (already a date) or from text in the form YYYY-MM-DD."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise InputError(
            f"must be a date written as YYYY-MM-DD, such as 2026-03-31, not {value!r}.",
            file=file,
            line=line,
            field=field,
        )
    match = _DATE.match(value.strip())
    if not match:
        raise InputError(
            f"{value!r} is not a date in the form YYYY-MM-DD, such as 2026-03-31.",
            file=file,
            line=line,
            field=field,
        )
    year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InputError(
            f"{value!r} is not a real date (check the day and month: month {month} "
            f"has no day {day}).",
            file=file,
            line=line,
            field=field,
        ) from None


def parse_today(value: Any, *, field: str) -> dt.date:
    """The date to treat as today: a real date inside the known bank holidays."""
    day = parse_date(value, field=field)
    try:
        england_and_wales().check(day)
    except BeyondCalendarError as exc:
        raise InputError(str(exc), field=field) from None
    return day


def _parse_one(fact: Fact, value: Any, today: dt.date, where: dict[str, Any]) -> Any:
    field = f'fact "{fact.id}"'
    if fact.type == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("yes", "no", "true", "false"):
            return value.lower() in ("yes", "true")
        raise InputError(f"must be yes or no (true or false), not {value!r}.", field=field, **where)
    if fact.type == "choice":
        allowed = [v.value for v in fact.values]
        if value not in allowed:
            raise InputError(
                f"{value!r} is not one of the allowed answers: {', '.join(allowed)}.",
                field=field,
                **where,
            )
        return value
    if fact.type == "multichoice":
        allowed = [v.value for v in fact.values]
        items = value if isinstance(value, list) else [value]
        bad = [v for v in items if v not in allowed]
        if bad:
            raise InputError(
                f"{bad[0]!r} is not one of the allowed answers: {', '.join(allowed)}.",
                field=field,
                **where,
            )
        if not items:
            raise InputError(
                "give at least one answer, or leave the fact out if it is not known.",
                field=field,
                **where,
            )
        return frozenset(items)
    if fact.type == "date":
        day = parse_date(value, field=field, **where)
        if fact.past_only and day > today:
            raise InputError(
                f"{day.isoformat()} is after today ({today.isoformat()}); this date must be in the past or today.",
                field=field,
                **where,
            )
        return day
    if fact.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"must be a number, not {value!r}.", field=field, **where)
        if fact.minimum is not None and value < fact.minimum:
            raise InputError(f"must be at least {fact.minimum:g}.", field=field, **where)
        if fact.maximum is not None and value > fact.maximum:
            raise InputError(f"must be at most {fact.maximum:g}.", field=field, **where)
        return value
    if not isinstance(value, str):
        raise InputError(f"must be text, not {value!r}.", field=field, **where)
    return value


def parse_facts(
    raw: Mapping[str, Any] | None, rules: RuleSet, today: dt.date, *, file: str | None = None
) -> FactValues:
    """Checked, typed fact values. Unknown facts are left out. Raises :class:`InputError`."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InputError(
            "facts must be a mapping of fact names to answers.", file=file, field="facts"
        )
    values: FactValues = {}
    for name, value in raw.items():
        where: dict[str, Any] = {"file": file, "line": line_of(raw, name)}
        fact = rules.facts.get(str(name))
        if fact is None:
            close = [f for f in rules.facts if f.startswith(str(name)[:4])][:3]
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise InputError(
                f"there is no fact called {name!r}.{hint} Run 'sendroute facts' to list them.",
                field=f'fact "{name}"',
                **where,
            )
        if value is None or (isinstance(value, str) and value.lower() in UNKNOWN):
            continue
        values[fact.id] = _parse_one(fact, value, today, where)
    return values
