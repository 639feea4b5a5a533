"""Turning what a family records about a step into facts, so the advice can be worked out again.

A case file lets a family say, for a step of a route, "I did this on this day" (``made``) and "I
got the answer and I am not happy with it" (``answered``). The step's ``record`` block in the pack
says which facts each of these sets (see docs/packs.md). :func:`facts_after` applies them to the
family's facts and returns new facts, in the raw form that
:func:`sendroute.rules.facts.parse_facts` accepts (dates as ``YYYY-MM-DD`` text), ready to be
checked and given to :func:`sendroute.rules.engine.advise`.

The date of a ``made`` record is also the start of the step's ``response_due`` deadline, if it
has one: the advice then shows the date the answer is due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Literal

from .errors import InputError
from .model import StepRecord
from .packs import RuleSet

__all__ = ["RecordKind", "facts_after", "recordable"]

RecordKind = Literal["made", "answered"]
KINDS: tuple[RecordKind, ...] = ("made", "answered")


def recordable(ruleset: RuleSet, step_id: str) -> StepRecord | None:
    """The step's record block, or None if the step has none. Raises InputError for an unknown step."""
    step = ruleset.step_index.get(step_id)
    if step is None:
        raise InputError(
            f"there is no step called {step_id!r} in the rules for {ruleset.area.id}.",
            field="step",
        )
    return step.spec.record


def _raw(value: object) -> object:
    """A pack value in the form parse_facts accepts: dates as ISO text, lists copied."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_raw(v) for v in value]
    return value


def facts_after(
    ruleset: RuleSet,
    facts: Mapping[str, object],
    step_id: str,
    kind: RecordKind,
    on: dt.date,
) -> dict[str, object]:
    """New facts: ``facts`` with what recording ``kind`` for ``step_id`` on the day ``on`` sets.

    ``facts`` is not changed. The assignments of the step's record block replace any earlier
    answers to the same facts, and its date fact (``made_date`` or ``answered_date``) is set to
    ``on`` as ``YYYY-MM-DD``. Raises :class:`InputError` if the step is unknown, has no record
    block, or sets nothing for ``kind`` (for example a step whose answer cannot be recorded).
    """
    if kind not in KINDS:
        raise InputError(
            f"{kind!r} is not something a family can record; use 'made' or 'answered'.",
            field="kind",
        )
    if not isinstance(on, dt.date):
        raise InputError(f"the date must be a date, not {on!r}.", field="on")
    record = recordable(ruleset, step_id)
    title = f"step {step_id!r}"
    if record is None:
        raise InputError(
            f"{title} has nothing to record: doing it does not change any fact the advice uses.",
            field="step",
        )
    assignments = record.made if kind == "made" else record.answered
    date_fact = record.made_date if kind == "made" else record.answered_date
    if not assignments and date_fact is None:
        what = "that it was done" if kind == "made" else "its answer"
        raise InputError(
            f"{title} has no {kind!r} in its record block, so {what} cannot be recorded.",
            field="kind",
        )
    day = on.date() if isinstance(on, dt.datetime) else on
    updated: dict[str, object] = dict(facts)
    for name, value in assignments.items():
        updated[name] = _raw(value)
    if date_fact is not None:
        updated[date_fact] = day.isoformat()
    return updated
