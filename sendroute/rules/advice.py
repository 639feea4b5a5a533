"""What the advice engine returns: plain, frozen data with a stable JSON form.

The JSON form (``Advice.to_dict``) is the documented schema ``sendroute.advice/1`` used by the CLI
(``--format json``), the web app and the API. Fields are only ever added to it, never renamed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from .model import Fact

__all__ = [
    "Advice",
    "CitationOut",
    "ConcernAdvice",
    "DeadlineOut",
    "Question",
    "ReasonOut",
    "StepOut",
    "WarningOut",
]

SCHEMA = "sendroute.advice/1"
StepStatus = Literal["done", "open", "open_late", "not_yet", "closed", "undecided"]
DeadlineStatus = Literal["open", "last_day", "expired", "expired_discretion", "cannot_compute"]


@dataclass(frozen=True)
class CitationOut:
    id: str
    kind: str
    quote: str | None
    title: str | None
    source: str | None
    url: str | None
    status: str | None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class ReasonOut:
    text: str
    citations: tuple[CitationOut, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citations": [c.to_dict() for c in self.citations]}


@dataclass(frozen=True)
class BodyOut:
    id: str
    name: str
    short_name: str | None
    explain: str | None
    contact: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "short_name": self.short_name,
            "explain": self.explain,
            "contact": dict(self.contact),
        }


@dataclass(frozen=True)
class StepOut:
    id: str
    route: str
    title: str
    status: StepStatus
    body: BodyOut
    action: str
    how: tuple[str, ...]
    urgent: bool
    reasons: tuple[ReasonOut, ...]
    citations: tuple[CitationOut, ...]
    deadlines: tuple[str, ...]
    needs: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "route": self.route,
            "title": self.title,
            "status": self.status,
            "body": self.body.to_dict(),
            "action": self.action,
            "how": list(self.how),
            "urgent": self.urgent,
            "reasons": [r.to_dict() for r in self.reasons],
            "citations": [c.to_dict() for c in self.citations],
            "deadlines": list(self.deadlines),
            "needs": list(self.needs),
        }


@dataclass(frozen=True)
class DeadlineOut:
    id: str
    title: str
    who: str
    step: str | None
    date: dt.date | None
    status: DeadlineStatus
    calendar_days_left: int | None
    working_days_left: int | None
    start_event: str | None
    start_date: dt.date | None
    rule: str
    explanation: tuple[str, ...]
    discretion: str | None
    note: str | None
    citations: tuple[CitationOut, ...]
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "who": self.who,
            "step": self.step,
            "date": self.date.isoformat() if self.date else None,
            "status": self.status,
            "calendar_days_left": self.calendar_days_left,
            "working_days_left": self.working_days_left,
            "start_event": self.start_event,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "rule": self.rule,
            "explanation": list(self.explanation),
            "discretion": self.discretion,
            "note": self.note,
            "citations": [c.to_dict() for c in self.citations],
            "error": self.error,
        }


@dataclass(frozen=True)
class WarningOut:
    id: str
    severity: str
    text: str
    law_differs: bool
    citations: tuple[CitationOut, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "text": self.text,
            "law_differs": self.law_differs,
            "citations": [c.to_dict() for c in self.citations],
        }


@dataclass(frozen=True)
class Question:
    fact: str
    type: str
    question: str
    hint: str | None
    why: str
    values: tuple[tuple[str, str, str | None], ...]

    @classmethod
    def from_fact(cls, fact: Fact) -> Question:
        """The question that asks for ``fact``."""
        return cls(
            fact.id,
            fact.type,
            fact.question,
            fact.hint,
            fact.why,
            tuple((v.value, v.label, v.hint) for v in fact.values),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "type": self.type,
            "question": self.question,
            "hint": self.hint,
            "why": self.why,
            "values": [{"value": v, "label": label, "hint": h} for v, label, h in self.values],
        }


@dataclass(frozen=True)
class ConcernAdvice:
    route: str
    title: str
    summary: str
    next_steps: tuple[StepOut, ...]
    other_options: tuple[StepOut, ...]
    not_open: tuple[StepOut, ...]
    undecided: tuple[StepOut, ...]
    done: tuple[StepOut, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "done": [s.to_dict() for s in self.done],
            "title": self.title,
            "summary": self.summary,
            "next_steps": [s.to_dict() for s in self.next_steps],
            "other_options": [s.to_dict() for s in self.other_options],
            "not_open": [s.to_dict() for s in self.not_open],
            "undecided": [s.to_dict() for s in self.undecided],
        }


@dataclass(frozen=True)
class Advice:
    area: str
    area_name: str
    today: dt.date
    packs: tuple[tuple[str, str], ...]
    concerns: tuple[ConcernAdvice, ...]
    deadlines: tuple[DeadlineOut, ...]
    warnings: tuple[WarningOut, ...]
    missing_facts: tuple[str, ...]
    next_question: Question | None
    facts_used: dict[str, Any] = field(default_factory=dict)

    def step(self, step_id: str) -> StepOut | None:
        """Find a step anywhere in the advice."""
        for concern in self.concerns:
            for group in (
                concern.done,
                concern.next_steps,
                concern.other_options,
                concern.not_open,
                concern.undecided,
            ):
                for step in group:
                    if step.id == step_id:
                        return step
        return None

    def deadline(self, deadline_id: str) -> DeadlineOut | None:
        """Find a deadline by id."""
        return next((d for d in self.deadlines if d.id == deadline_id), None)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form, schema ``sendroute.advice/1``."""
        return {
            "schema": SCHEMA,
            "area": {"id": self.area, "name": self.area_name},
            "today": self.today.isoformat(),
            "packs": [{"id": p, "version": v} for p, v in self.packs],
            "concerns": [c.to_dict() for c in self.concerns],
            "deadlines": [d.to_dict() for d in self.deadlines],
            "warnings": [w.to_dict() for w in self.warnings],
            "missing_facts": list(self.missing_facts),
            "next_question": self.next_question.to_dict() if self.next_question else None,
            "facts": {k: _jsonable(v) for k, v in self.facts_used.items()},
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(value)
    return value
