"""Request and response shapes of the case file API, and the functions that fill the responses.

Ids are the public UUIDs used in the web addresses. Every changeable object has a ``version``:
send it back with a change (PATCH), and a change made by someone else in the meantime is
refused with 409 instead of being overwritten.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from sendroute.cases.access import Need
from sendroute.cases.advice import ConcernView
from sendroute.cases.deadlines import DeadlineRow
from sendroute.cases.models import Case, Concern, Entry, EntryRevision, Evidence, StageEvent

from .schemas import DeadlineModel, StepModel, WarningModel

SettingValue = Literal["", "early_years", "mainstream", "special", "college", "home", "other"]
EventKindValue = Literal["made", "acknowledged", "response", "outcome"]
HowValue = Literal["", "in_writing", "verbally", "in_person"]
OutcomeValue = Literal["", "resolved", "not_satisfied"]
EntryKindValue = Literal["note", "letter_sent", "letter_received"]

VERSION = Field(
    ge=1,
    description="The version you last read. If it is no longer the current one, someone else "
    "changed this in the meantime: the change is refused with 409 and nothing is overwritten.",
    examples=[1],
)


class _In(Schema):
    """Request bodies refuse fields they do not know, so that a misspelt field is not ignored."""

    model_config = ConfigDict(extra="forbid")


# -- cases -------------------------------------------------------------------------------------


class CaseIn(_In):
    title: str = Field(
        description="A name for the case, up to 120 characters, such as 'Sam at Oak School'.",
        examples=["Sam at Oak School"],
    )
    area: str = Field(
        description="The area whose rules apply: an id from GET /api/v1/areas.",
        examples=["norfolk"],
    )
    child_name: str = Field(default="", description="A first name or initials (up to 60).")
    child_birth_year: int | None = Field(default=None, description="The year of birth.")
    child_school_year: str = Field(default="", description="Such as 'Year 4' (up to 20).")
    child_has_ehc_plan: bool | None = Field(
        default=None, description="true, false, or null for not sure."
    )
    child_setting: SettingValue = Field(
        default="", description="The kind of school or setting; empty when not given."
    )


class CasePatch(_In):
    """Only the fields sent are changed. The area cannot be changed."""

    version: int = VERSION
    title: str | None = None
    child_name: str | None = None
    child_birth_year: int | None = None
    child_school_year: str | None = None
    child_has_ehc_plan: bool | None = None
    child_setting: SettingValue | None = None


class ConcernBrief(Schema):
    id: uuid.UUID
    route: str
    title: str
    current_step: str
    resolved_on: dt.date | None
    version: int


class CaseOut(Schema):
    id: uuid.UUID
    title: str
    area: str
    child_name: str
    child_birth_year: int | None
    child_school_year: str
    child_has_ehc_plan: bool | None
    child_setting: str
    version: int
    access: Literal["own", "edit", "view"] = Field(
        description="What you may do: own (everything), edit (add and change), view (read only)."
    )
    concerns: list[ConcernBrief]
    created_at: dt.datetime
    updated_at: dt.datetime


def concern_brief(concern: Concern) -> dict[str, Any]:
    return {
        "id": concern.public_id,
        "route": concern.route,
        "title": concern.title,
        "current_step": concern.current_step,
        "resolved_on": concern.resolved_on,
        "version": concern.version,
    }


def case_out(case: Case, access: Need) -> dict[str, Any]:
    return {
        "id": case.public_id,
        "title": case.title,
        "area": case.area,
        "child_name": case.child_name,
        "child_birth_year": case.child_birth_year,
        "child_school_year": case.child_school_year,
        "child_has_ehc_plan": case.child_has_ehc_plan,
        "child_setting": case.child_setting,
        "version": case.version,
        "access": access.value,
        "concerns": [concern_brief(c) for c in case.concerns.all()],
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


# -- concerns ----------------------------------------------------------------------------------


class ConcernIn(_In):
    route: str = Field(
        description="The route this concern follows, such as 'school', 'ehc', 'council' or "
        "'health' (the routes of the case's area).",
        examples=["school"],
    )
    facts: dict[str, Any] = Field(
        default_factory=dict,
        description="Answers by fact name (see GET /api/v1/facts). Answers the rules do not "
        "know are left out.",
        examples=[{"concern_about": ["school"], "school_stage": "not_started"}],
    )
    title: str = Field(default="", description="Default: the route's title.")


class ConcernPatch(_In):
    version: int = VERSION
    facts: dict[str, Any] = Field(
        description="Answers to give or change, by fact name; null takes an answer away. "
        "Answers not sent are kept.",
        examples=[{"school_stage": "met_head_or_senco"}],
    )


class ConcernAdviceOut(Schema):
    summary: str | None = Field(description="What this route is about, or null if it is closed.")
    next_step: StepModel | None = Field(description="What to do next, or null if nothing is.")
    deadlines: list[DeadlineModel]
    warnings: list[WarningModel]
    missing_facts: list[str] = Field(description="Questions that would make the advice surer.")


class ConcernOut(Schema):
    id: uuid.UUID
    case: uuid.UUID
    route: str
    title: str
    facts: dict[str, Any]
    pack_version: str
    current_step: str = Field(description="The step the advice says is next ('' when none).")
    resolved_on: dt.date | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    advice: ConcernAdviceOut
    changes: list[str] = Field(
        default_factory=list,
        description="After a change: what changed in the advice, in plain English.",
    )


def concern_out(
    concern: Concern, view: ConcernView, changes: list[str] | None = None
) -> dict[str, Any]:
    route = view.route
    next_step = route.next_steps[0].to_dict() if route and route.next_steps else None
    return {
        "id": concern.public_id,
        "case": concern.case.public_id,
        "route": concern.route,
        "title": concern.title,
        "facts": concern.facts,
        "pack_version": concern.pack_version,
        "current_step": concern.current_step,
        "resolved_on": concern.resolved_on,
        "version": concern.version,
        "created_at": concern.created_at,
        "updated_at": concern.updated_at,
        "advice": {
            "summary": route.summary if route else None,
            "next_step": next_step,
            "deadlines": [d.to_dict() for d in view.deadlines],
            "warnings": [w.to_dict() for w in view.warnings],
            "missing_facts": list(view.advice.missing_facts),
        },
        "changes": changes or [],
    }


# -- stage events ------------------------------------------------------------------------------


class EventIn(_In):
    step: str = Field(
        description="A step id of the concern's route, such as 'school-formal-complaint'.",
        examples=["school-formal-complaint"],
    )
    kind: EventKindValue = Field(description="What happened.", examples=["made"])
    date: dt.date = Field(description="When, YYYY-MM-DD; today or before.", examples=["2026-11-20"])
    how: HowValue = Field(default="", description="How a complaint was made (for 'made').")
    to_whom: str = Field(default="", description="Who it was made to (up to 200).")
    outcome: OutcomeValue = Field(
        default="", description="For a response or outcome; required for 'outcome'."
    )
    summary: str = ""
    confirm: bool = Field(
        default=False,
        description="Send true to record a step that a rule says is not open, or that skips an "
        "earlier stage, after reading the reasons in the 409 stage-needs-confirmation problem.",
    )
    version: int | None = Field(
        default=None,
        ge=1,
        description="Optional: the concern's version you last read; 409 if it has changed.",
    )


class EventOut(Schema):
    id: uuid.UUID
    concern: uuid.UUID
    step: str
    step_title: str
    kind: str
    date: dt.date
    how: str
    to_whom: str
    outcome: str
    summary: str
    recorded_at: dt.datetime


class EventRecordedOut(Schema):
    event: EventOut
    concern: ConcernOut = Field(description="The concern as it is now, with what changed.")


def event_out(event: StageEvent, concern: Concern, titles: dict[str, str]) -> dict[str, Any]:
    return {
        "id": event.public_id,
        "concern": concern.public_id,
        "step": event.step,
        "step_title": titles.get(event.step, event.step),
        "kind": event.kind,
        "date": event.date,
        "how": event.how,
        "to_whom": event.to_whom,
        "outcome": event.outcome,
        "summary": event.summary,
        "recorded_at": event.recorded_at,
    }


# -- notes (timeline entries) ------------------------------------------------------------------


class NoteIn(_In):
    kind: EntryKindValue = Field(
        description="note (of a meeting or call), letter_sent or letter_received.",
        examples=["note"],
    )
    date: dt.date = Field(description="When, YYYY-MM-DD; today or before.", examples=["2026-11-20"])
    title: str = Field(description="Up to 200 characters.", examples=["Meeting with the SENCo"])
    people: str = Field(default="", description="Who was there, or who to or from (up to 500).")
    body: str = Field(default="", description="What was said and done (up to 20,000).")
    actions: str = Field(default="", description="Actions agreed, with dates (up to 5,000).")
    concern: uuid.UUID | None = Field(default=None, description="A concern of this case.")


class NotePatch(_In):
    """A new revision: fields not sent keep their current value. Earlier revisions are kept."""

    version: int = VERSION
    date: dt.date | None = None
    title: str | None = None
    people: str | None = None
    body: str | None = None
    actions: str | None = None


class NoteOut(Schema):
    id: uuid.UUID
    kind: str
    concern: uuid.UUID | None
    date: dt.date
    title: str
    people: str
    body: str
    actions: str
    version: int
    revision: int = Field(description="The number of the current revision (1 for the first).")
    created_at: dt.datetime
    edited_at: dt.datetime


class RevisionOut(Schema):
    number: int
    date: dt.date
    title: str
    people: str
    body: str
    actions: str
    edited_at: dt.datetime


def revision_out(revision: EntryRevision) -> dict[str, Any]:
    return {
        "number": revision.number,
        "date": revision.date,
        "title": revision.title,
        "people": revision.people,
        "body": revision.body,
        "actions": revision.actions,
        "edited_at": revision.edited_at,
    }


def note_out(entry: Entry, revision: EntryRevision) -> dict[str, Any]:
    return {
        "id": entry.public_id,
        "kind": entry.kind,
        "concern": entry.concern.public_id if entry.concern else None,
        "date": revision.date,
        "title": revision.title,
        "people": revision.people,
        "body": revision.body,
        "actions": revision.actions,
        "version": entry.version,
        "revision": revision.number,
        "created_at": entry.created_at,
        "edited_at": revision.edited_at,
    }


# -- evidence ----------------------------------------------------------------------------------


class EvidenceOut(Schema):
    id: uuid.UUID
    title: str
    original_name: str
    content_type: str
    size: int = Field(description="In bytes.")
    sha256: str
    document_date: dt.date | None
    concern: uuid.UUID | None
    note: uuid.UUID | None
    uploaded_at: dt.datetime


def evidence_out(evidence: Evidence) -> dict[str, Any]:
    return {
        "id": evidence.public_id,
        "title": evidence.title,
        "original_name": evidence.original_name,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "document_date": evidence.document_date,
        "concern": evidence.concern.public_id if evidence.concern else None,
        "note": evidence.entry.public_id if evidence.entry else None,
        "uploaded_at": evidence.uploaded_at,
    }


# -- deadlines ---------------------------------------------------------------------------------


class DeadlineRowOut(Schema):
    case: uuid.UUID
    case_title: str
    concern: uuid.UUID
    concern_title: str
    id: str = Field(description="The deadline rule's id.")
    title: str
    date: dt.date = Field(description="The last day in time.")
    status: Literal["open", "last_day", "expired", "expired_discretion", "cannot_compute"]
    group: Literal["overdue", "soon", "later"] = Field(
        description="overdue, soon (today and the next 7 days) or later."
    )
    days_left: int = Field(description="Calendar days left (negative once passed).")
    working_days_left: int | None
    time_left: str = Field(description="Such as '3 working days left' or 'Due today'.")
    explanation: list[str]


def deadline_row_out(row: DeadlineRow) -> dict[str, Any]:
    return {
        "case": row.case.public_id,
        "case_title": row.case.title,
        "concern": row.concern.public_id,
        "concern_title": row.concern.title,
        "id": row.deadline.id,
        "title": row.deadline.title,
        "date": row.date,
        "status": row.deadline.status,
        "group": row.group,
        "days_left": row.days_left,
        "working_days_left": row.working_days_left,
        "time_left": row.time_left,
        "explanation": list(row.deadline.explanation),
    }
