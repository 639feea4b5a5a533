"""Request and response shapes of the API, as pydantic models (they make the OpenAPI document)."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Schema
from pydantic import Field


class AdviceRequest(Schema):
    area: str | None = Field(
        default=None,
        description="An area id from GET /api/v1/areas. Default: norfolk.",
        examples=["norfolk"],
    )
    today: str | None = Field(
        default=None,
        description="The date to treat as today, YYYY-MM-DD. Default: today in England.",
        examples=["2026-11-27"],
    )
    facts: dict[str, Any] = Field(
        description="Answers by fact name (see GET /api/v1/facts). Leave out what is not known; {} for none.",
        examples=[
            {
                "child_at_risk": False,
                "abuse_allegation": False,
                "concern_about": ["school"],
                "school_stage": "not_started",
            }
        ],
    )


class Problem(Schema):
    """An RFC 9457 problem. ``type`` is about:blank, or a link to the problem's section of
    /api/v1/docs when there is more to say (such as a version conflict)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    field: str | None = Field(default=None, description="The input at fault, when there is one.")
    errors: list[dict[str, Any]] | None = None
    current_version: int | None = Field(
        default=None, description="For a version conflict: the version to read and change."
    )
    reasons: list[str] | None = Field(
        default=None,
        description="For stage-needs-confirmation: why the rules did not expect this step.",
    )


class FactValueOut(Schema):
    value: str
    label: str
    hint: str | None


class FactOut(Schema):
    name: str
    type: Literal["bool", "choice", "multichoice", "date", "number", "text"]
    question: str
    hint: str | None
    why: str
    values: list[FactValueOut]
    priority: int


class AreaOut(Schema):
    id: str
    name: str
    version: str
    extends: str | None


class RuleOut(Schema):
    id: str
    kind: Literal["step", "deadline", "warning", "source"]
    title: str
    details: dict[str, Any] = Field(description="The rule's conditions and numbers, in words.")
    citations: list[dict[str, Any]]


class CitationModel(Schema):
    id: str
    kind: Literal["source_document", "domain_rule"]
    quote: str | None = None
    title: str | None = None
    source: str | None = None
    url: str | None = None
    status: str | None = None


class ReasonModel(Schema):
    text: str
    citations: list[CitationModel]


class ContactModel(Schema):
    """Only the fields a body has are present."""

    phone: str = Field(default="", description="Present only when known.")
    email: str = Field(default="", description="Present only when known.")
    website: str = Field(default="", description="Present only when known.")
    address: str = Field(default="", description="Present only when known.")
    notes: str = Field(default="", description="Present only when known.")


class BodyModel(Schema):
    id: str
    name: str
    short_name: str | None
    explain: str | None
    contact: ContactModel


class StepModel(Schema):
    id: str
    route: str
    title: str
    status: Literal["done", "open", "open_late", "not_yet", "closed", "undecided"]
    body: BodyModel
    action: str
    how: list[str]
    urgent: bool
    reasons: list[ReasonModel]
    citations: list[CitationModel]
    deadlines: list[str]
    needs: list[str]


class ConcernModel(Schema):
    route: str
    title: str
    summary: str
    done: list[StepModel]
    next_steps: list[StepModel]
    other_options: list[StepModel]
    not_open: list[StepModel]
    undecided: list[StepModel]


class DeadlineModel(Schema):
    id: str
    title: str
    who: Literal["you", "body"]
    step: str | None
    date: str | None = Field(description="The last day in time, YYYY-MM-DD.")
    status: Literal["open", "last_day", "expired", "expired_discretion", "cannot_compute"]
    calendar_days_left: int | None
    working_days_left: int | None
    start_event: str | None
    start_date: str | None
    rule: str
    explanation: list[str]
    discretion: str | None
    note: str | None
    citations: list[CitationModel]
    error: str | None


class WarningModel(Schema):
    id: str
    severity: Literal["urgent", "important", "info"]
    text: str
    law_differs: bool
    citations: list[CitationModel]


class QuestionValueModel(Schema):
    value: str
    label: str
    hint: str | None


class QuestionModel(Schema):
    fact: str
    type: str
    question: str
    hint: str | None
    why: str
    values: list[QuestionValueModel]


class AreaRef(Schema):
    id: str
    name: str


class PackRef(Schema):
    id: str
    version: str


class AdviceModel(Schema):
    """The advice, schema sendroute.advice/1 (the same as `sendroute advise --format json`)."""

    schema_: Literal["sendroute.advice/1"] = Field(alias="schema")
    area: AreaRef
    today: str
    packs: list[PackRef]
    concerns: list[ConcernModel]
    deadlines: list[DeadlineModel]
    warnings: list[WarningModel]
    missing_facts: list[str]
    next_question: QuestionModel | None
    facts: dict[str, Any]
