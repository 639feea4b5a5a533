"""Services for the advice journey: today's date, and advice for one concern's answers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from sendroute.rules import InputError, RuleSet, advise, load_ruleset, parse_facts
from sendroute.rules.advice import Advice

from .state import Concern

LONDON = ZoneInfo("Europe/London")


def journey_rules() -> RuleSet:
    """The rules of the area this app serves."""
    return load_ruleset(settings.SENDROUTE_DEFAULT_AREA)


def journey_today() -> dt.date:
    """Today in England (a fixed date can be set for tests, never in production)."""
    fixed = getattr(settings, "SENDROUTE_TODAY", None)
    if fixed:
        return dt.date.fromisoformat(fixed)
    return dt.datetime.now(tz=LONDON).date()


def concern_advice(concern: Concern, rules: RuleSet, today: dt.date) -> Advice:
    """Advice for a concern's answers. An answer that is no longer valid is left out, not fatal."""
    facts = {}
    for name, value in concern.answers.items():
        try:
            facts.update(parse_facts({name: value}, rules, today))
        except InputError:
            continue
    return advise(rules, facts, today)


def concern_next_fact(concern: Concern, advice: Advice) -> str | None:
    """The next question to ask: the most important unknown fact not already skipped."""
    return next((f for f in advice.missing_facts if f not in concern.skipped), None)
