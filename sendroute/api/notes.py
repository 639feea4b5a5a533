"""Notes and letters on a case's timeline. An edit adds a revision: earlier ones are kept and can
be read, and an edit based on an old version is refused (409) instead of overwriting."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from sendroute.cases.access import Need, case_for
from sendroute.cases.audit import Action, audit_record
from sendroute.cases.models import Case, Entry, EntryRevision
from sendroute.cases.services import CaseError, VersionConflict, entry_create, entry_edit

from .auth import caller, token_auth
from .case_common import VIA, conflict, note_of, replayed, responses
from .case_schemas import NoteIn, NoteOut, NotePatch, RevisionOut, note_out, revision_out
from .cases import IdempotencyKey
from .idempotency import create_once

router = Router(auth=token_auth, tags=["notes"])


def _case(request: HttpRequest, case_id: uuid.UUID, need: Need) -> Case:
    return case_for(caller(request), case_id, need)


def _latest(entry: Entry) -> EntryRevision:
    return max(entry.revisions.all(), key=lambda r: r.number)


@router.get(
    "/cases/{case_id}/notes",
    response=responses({200: list[NoteOut]}, 404, 422),
    summary="A case's notes and letters, oldest first",
)
def list_notes(request: HttpRequest, case_id: uuid.UUID) -> Any:
    case = _case(request, case_id, Need.VIEW)
    audit_record(actor=caller(request), action=Action.CASE_VIEWED, case=case, obj=case, via=VIA)
    entries = case.entries.select_related("concern").prefetch_related("revisions")
    return [note_out(e, _latest(e)) for e in entries]


@router.post(
    "/cases/{case_id}/notes",
    response=responses({201: NoteOut, 200: NoteOut}, 400, 404, 409, 413, 422),
    summary="Add a note of a meeting or call, or a letter sent or received",
)
def create_note(
    request: HttpRequest,
    case_id: uuid.UUID,
    payload: NoteIn,
    response: HttpResponse,
    key: IdempotencyKey = "",
) -> Any:
    case = _case(request, case_id, Need.EDIT)
    user = caller(request)
    concern = None
    if payload.concern is not None:
        concern = case.concerns.filter(public_id=payload.concern).first()
        if concern is None:
            raise CaseError("Choose a concern of this case, or leave concern out.", "concern")
    values = payload.model_dump(exclude={"kind", "concern"})

    def make() -> Entry:
        return entry_create(
            case=case, actor=user, kind=payload.kind, concern=concern, via=VIA, **values
        )

    entry, replay = create_once(
        request,
        user,
        key,
        make,
        lambda public_id: case.entries.filter(public_id=public_id).first(),
        lambda e: e.public_id,
    )
    return Status(replayed(response, replay), note_out(entry, entry.current))


@router.get(
    "/cases/{case_id}/notes/{note_id}",
    response=responses({200: NoteOut}, 404, 422),
    summary="One note or letter, as it is now",
)
def get_note(request: HttpRequest, case_id: uuid.UUID, note_id: uuid.UUID) -> Any:
    case = _case(request, case_id, Need.VIEW)
    entry = note_of(case, note_id)
    audit_record(actor=caller(request), action=Action.ENTRY_VIEWED, case=case, obj=entry, via=VIA)
    return note_out(entry, entry.current)


@router.patch(
    "/cases/{case_id}/notes/{note_id}",
    response=responses({200: NoteOut}, 400, 404, 409, 413, 422),
    summary="Edit a note or letter (adds a revision)",
    description="Send `version` and the fields to change; the others keep their current "
    "value. 409 if someone edited it since you read it.",
)
def patch_note(
    request: HttpRequest, case_id: uuid.UUID, note_id: uuid.UUID, payload: NotePatch
) -> Any:
    case = _case(request, case_id, Need.EDIT)
    entry = note_of(case, note_id)
    current = entry.current
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    values = {
        name: changes[name] if changes.get(name) is not None else getattr(current, name)
        for name in ("date", "title", "people", "body", "actions")
    }
    try:
        entry_edit(entry=entry, actor=caller(request), version=payload.version, via=VIA, **values)
    except VersionConflict as exc:
        entry.refresh_from_db()
        return conflict(exc, entry.version)
    return note_out(entry, entry.current)


@router.get(
    "/cases/{case_id}/notes/{note_id}/revisions",
    response=responses({200: list[RevisionOut]}, 404, 422),
    summary="Every revision of a note or letter, first to last",
)
def list_revisions(request: HttpRequest, case_id: uuid.UUID, note_id: uuid.UUID) -> Any:
    case = _case(request, case_id, Need.VIEW)
    entry = note_of(case, note_id)
    audit_record(actor=caller(request), action=Action.ENTRY_VIEWED, case=case, obj=entry, via=VIA)
    return [revision_out(r) for r in entry.revisions.order_by("number")]
