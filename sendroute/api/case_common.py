"""What the case file operations share: their documented error responses, finding a concern,
note or file inside a case, and the responses for conflicts and for things made."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpResponse, JsonResponse

from sendroute.cases.models import Case, Concern, Entry, Evidence
from sendroute.cases.services import VersionConflict

from .problems import VERSION_CONFLICT, problem
from .schemas import Problem

VIA = "api"
REPLAYED_HEADER = "Idempotent-Replayed"


def responses(ok: dict[int, Any], *errors: int) -> dict[int, Any]:
    """An operation's responses: ``ok``, and 401 (no valid token) and ``errors`` as problems."""
    return {**ok, **dict.fromkeys(sorted({401, *errors}), Problem)}


def concern_of(case: Case, concern_id: uuid.UUID) -> Concern:
    concern = case.concerns.filter(public_id=concern_id).first()
    if concern is None:
        raise Http404("No such concern")
    return concern


def note_of(case: Case, note_id: uuid.UUID) -> Entry:
    entry = case.entries.filter(public_id=note_id).select_related("concern").first()
    if entry is None:
        raise Http404("No such note")
    return entry


def evidence_of(case: Case, evidence_id: uuid.UUID) -> Evidence:
    evidence = (
        case.evidence.filter(public_id=evidence_id).select_related("concern", "entry").first()
    )
    if evidence is None:
        raise Http404("No such file")
    return evidence


def conflict(exc: VersionConflict, current_version: int) -> JsonResponse:
    """409: someone else changed it first. Nothing was saved; read it again and redo the change."""
    return problem(
        409,
        f"This {exc.what} has changed since you read it",
        str(exc),
        type=VERSION_CONFLICT,
        field="version",
        current_version=current_version,
    )


def replayed(response: HttpResponse, replay: bool) -> int:
    """The status of a create: 201, or 200 (and Idempotent-Replayed: true) for a repeat."""
    if replay:
        response[REPLAYED_HEADER] = "true"
        return 200
    return 201
