"""The shape of a rules pack: facts, citations, bodies, routes and their steps, deadlines, warnings.

These are plain data checked with pydantic when a pack loads. Conditions arrive here as raw YAML
and are parsed into :mod:`sendroute.rules.conditions` trees by the pack loader, which knows the
facts they must refer to.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "Body",
    "Citation",
    "Contact",
    "DeadlineSpec",
    "DeadlineVersion",
    "Fact",
    "FactValue",
    "PackMeta",
    "Period",
    "Reason",
    "Route",
    "Step",
    "StepRecord",
    "WarningSpec",
]

ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$|^R-[A-Z]+-[0-9]{2}$"
FactType = Literal["bool", "choice", "multichoice", "date", "number", "text"]
How = Literal["in_writing", "verbally", "in_person", "online", "by_phone", "by_email"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackMeta(_Strict):
    """``pack.yaml``: who a pack is, which version, and what it builds on."""

    id: str = Field(pattern=ID_PATTERN)
    name: str
    version: str
    kind: Literal["national", "area"]
    extends: str | None = None
    description: str = ""
    area_name: str | None = None


class Citation(_Strict):
    """Where a rule comes from: a verbatim sentence of the source document, or a public source."""

    id: str = Field(pattern=ID_PATTERN)
    kind: Literal["source_document", "domain_rule"]
    quote: str | None = None
    title: str | None = None
    source: str | None = None
    url: str | None = None
    status: str | None = None

    @field_validator("quote")
    @classmethod
    def _quote_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("a quote cannot be empty")
        return value


class FactValue(_Strict):
    """One allowed answer of a choice fact."""

    value: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str
    hint: str | None = None


class Fact(_Strict):
    """Something we may need to know about the family's situation, with the question that asks it."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FactType
    question: str
    hint: str | None = None
    why: str
    values: tuple[FactValue, ...] = ()
    priority: int = 100
    past_only: bool = True
    minimum: float | None = None
    maximum: float | None = None
    cite: tuple[str, ...] = ()


class Contact(_Strict):
    """How to reach a body. Every field is optional; an area pack fills in local details."""

    phone: str | None = None
    email: str | None = None
    website: str | None = None
    address: str | None = None
    notes: str | None = None


class Body(_Strict):
    """An organisation a family may deal with."""

    id: str = Field(pattern=ID_PATTERN)
    name: str
    short_name: str | None = None
    explain: str | None = None
    contact: Contact = Contact()
    cite: tuple[str, ...] = ()


class Reason(_Strict):
    """A condition that, when true (exclusion) or false (requirement), keeps a step from being open."""

    when: Any
    text: str
    cite: tuple[str, ...] = Field(min_length=1)


class StepRecord(_Strict):
    """The facts a step sets when a family records that they did it, and that it was answered.

    A case file turns "I made this complaint on D" and "I got the answer and I am not happy" into
    facts with these, and the advice is worked out again. The pack loader checks every fact and
    value, and that ``response_due`` is a deadline counted from ``made_date``.
    """

    # Facts set when the family records they did this step.
    made: dict[str, Any] = {}
    # A date fact set to the day they did it.
    made_date: str | None = None
    # Facts set when they record the answer and are not satisfied with it.
    answered: dict[str, Any] = {}
    # A date fact set to the day the answer came.
    answered_date: str | None = None
    # A deadline id: the date the answer is due (its start must be ``made_date``).
    response_due: str | None = None


class Step(_Strict):
    """One thing a family can do on a route: talk to the teacher, complain to the Ombudsman, appeal."""

    id: str = Field(pattern=ID_PATTERN)
    title: str
    body: str
    action: str
    how: tuple[How, ...] = ()
    relevant: Any = None
    done: Any = None
    requires: tuple[Reason, ...] = ()
    exclusions: tuple[Reason, ...] = ()
    recommend: Any = None
    time_limit: str | None = None
    deadlines: tuple[str, ...] = ()
    urgent: bool = False
    record: StepRecord | None = None
    cite: tuple[str, ...] = Field(min_length=1)


class Route(_Strict):
    """A sequence of steps for one kind of concern (school, health, council, disagreement...)."""

    id: str = Field(pattern=ID_PATTERN)
    title: str
    summary: str
    order: int = 100
    applies: Any
    steps: tuple[Step, ...] = Field(min_length=1)
    cite: tuple[str, ...] = ()


class Period(_Strict):
    """A period counted from the date in a fact."""

    start: str
    amount: int = Field(ge=0)
    method: str
    start_label: str | None = None
    # Ask for this period's start only when this holds (a start that is known always counts).
    ask_when: Any = None


class DeadlineVersion(_Strict):
    """The period and counting in force for triggers on or after ``effective``."""

    effective: dt.date
    amount: int = Field(ge=0)
    method: str
    adjustment: str = "none"
    cite: tuple[str, ...] = ()


class DeadlineSpec(_Strict):
    """A time limit for the family, or a timescale a body must meet."""

    id: str = Field(pattern=ID_PATTERN)
    title: str
    who: Literal["you", "body"]
    applies: Any = None
    start: str | None = None
    start_label: str | None = None
    amount: int | None = Field(default=None, ge=0)
    method: str | None = None
    adjustment: str = "none"
    later_of: tuple[Period, ...] = ()
    versions: tuple[DeadlineVersion, ...] = ()
    discretion: str | None = None
    note: str | None = None
    cite: tuple[str, ...] = Field(min_length=1)


class WarningSpec(_Strict):
    """Something the family must be told when a condition holds."""

    id: str = Field(pattern=ID_PATTERN)
    when: Any
    text: str
    severity: Literal["urgent", "important", "info"] = "important"
    law_differs: bool = False
    cite: tuple[str, ...] = Field(min_length=1)
