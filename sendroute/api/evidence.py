"""Evidence files of a case: list, upload (multipart), download (as an attachment, only while the
stored file's checksum matches) and delete. Which files are accepted is decided from their
content by ``evidence_store``, exactly as on the web."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Router, Status

from sendroute.cases.access import Need, case_for
from sendroute.cases.audit import Action, audit_record
from sendroute.cases.evidence_store import (
    CHOOSE_MESSAGE,
    KINDS,
    TITLE_MAX,
    EvidenceUnavailableError,
    evidence_delete,
    evidence_download_name,
    evidence_open,
    evidence_save,
    evidence_strays_delete,
    max_bytes,
    size_text,
    too_large_message,
)
from sendroute.cases.models import Case, Concern, Entry, Evidence
from sendroute.cases.services import CaseError
from sendroute.cases.views.evidence import UploadLimit

from .auth import caller, token_auth
from .case_common import VIA, evidence_of, replayed, responses
from .case_schemas import EvidenceOut, evidence_out
from .cases import IdempotencyKey
from .idempotency import create_once
from .problems import FILE_UNAVAILABLE, problem

router = Router(auth=token_auth, tags=["evidence"])

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BINARY = {"schema": {"type": "string", "format": "binary"}}
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "A PDF, Word document, JPG or PNG image, or saved email "
                        f"(.eml or .msg), smaller than {size_text(max_bytes())}. Decided by "
                        "what the file contains, not its name.",
                    },
                    "title": {
                        "type": "string",
                        "maxLength": TITLE_MAX,
                        "description": "Default: the file's name.",
                    },
                    "concern": {
                        "type": "string",
                        "format": "uuid",
                        "description": "A concern of this case the file is about.",
                    },
                    "note": {
                        "type": "string",
                        "format": "uuid",
                        "description": "A note or letter of this case the file belongs to.",
                    },
                    "document_date": {
                        "type": "string",
                        "format": "date",
                        "description": "The date on the document, YYYY-MM-DD.",
                    },
                },
            }
        }
    },
}


def _case(request: HttpRequest, case_id: uuid.UUID, need: Need) -> Case:
    return case_for(caller(request), case_id, need)


def _uuid(raw: str, field: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise CaseError(f"{field} must be the id of {what} of this case.", field) from None


def _related(case: Case, data: Any) -> tuple[Concern | None, Entry | None]:
    concern = entry = None
    if data.get("concern"):
        concern = case.concerns.filter(
            public_id=_uuid(data["concern"], "concern", "a concern")
        ).first()
        if concern is None:
            raise CaseError("Choose a concern of this case, or leave concern out.", "concern")
    if data.get("note"):
        entry = case.entries.filter(public_id=_uuid(data["note"], "note", "a note")).first()
        if entry is None:
            raise CaseError("Choose a note or letter of this case, or leave note out.", "note")
    return concern, entry


def _document_date(raw: str) -> dt.date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CaseError(
            "The date on the document must be a real date, YYYY-MM-DD.", "document_date"
        ) from None


@router.get(
    "/cases/{case_id}/evidence",
    response=responses({200: list[EvidenceOut]}, 404, 422),
    summary="A case's files (their details, not their content)",
)
def list_evidence(request: HttpRequest, case_id: uuid.UUID) -> Any:
    case = _case(request, case_id, Need.VIEW)
    audit_record(actor=caller(request), action=Action.CASE_VIEWED, case=case, obj=case, via=VIA)
    return [evidence_out(e) for e in case.evidence.select_related("concern", "entry")]


@router.post(
    "/cases/{case_id}/evidence",
    response=responses({201: EvidenceOut, 200: EvidenceOut}, 400, 404, 409, 413, 422),
    summary="Add a file",
    description="multipart/form-data with `file`, and optionally `title`, `concern`, `note` and "
    "`document_date`. A file that is not accepted, or too large, gets 422 with field `file`.",
    openapi_extra={"requestBody": UPLOAD_BODY},
)
def upload_evidence(
    request: HttpRequest, case_id: uuid.UUID, response: HttpResponse, key: IdempotencyKey = ""
) -> Any:
    case = _case(request, case_id, Need.EDIT)
    user = caller(request)
    # The form is read here, not by ninja, so that the size limit stops a large upload early.
    limit = UploadLimit(request)
    request.upload_handlers = [limit, *request.upload_handlers]
    data, files = request.POST, request.FILES
    upload = files.get("file")
    if limit.too_large:
        raise CaseError(too_large_message(), "file")
    if upload is None:
        raise CaseError(CHOOSE_MESSAGE, "file")
    concern, entry = _related(case, data)
    document_date = _document_date(data.get("document_date", ""))
    stored: list[str] = []

    def make() -> Evidence:
        evidence = evidence_save(
            case=case,
            actor=user,
            upload=upload,
            title=data.get("title", ""),
            concern=concern,
            entry=entry,
            document_date=document_date,
            via=VIA,
        )
        stored.append(evidence.stored_name)
        return evidence

    try:
        evidence, replay = create_once(
            request,
            user,
            key,
            make,
            lambda public_id: case.evidence.filter(public_id=public_id).first(),
            lambda e: e.public_id,
        )
    except BaseException:
        evidence_strays_delete(stored)  # the row was rolled back: keep no file
        raise
    return Status(replayed(response, replay), evidence_out(evidence))


@router.get(
    "/cases/{case_id}/evidence/{evidence_id}",
    response=responses({200: EvidenceOut}, 404, 422),
    summary="One file's details",
)
def get_evidence(request: HttpRequest, case_id: uuid.UUID, evidence_id: uuid.UUID) -> Any:
    case = _case(request, case_id, Need.VIEW)
    evidence = evidence_of(case, evidence_id)
    audit_record(actor=caller(request), action=Action.CASE_VIEWED, case=case, obj=evidence, via=VIA)
    return evidence_out(evidence)


@router.get(
    "/cases/{case_id}/evidence/{evidence_id}/download",
    response=responses({200: None}, 404, 409, 410, 422),
    summary="Download a file",
    description="The file as an attachment, with its real type. 410 if the stored file is "
    "missing, 409 if it is no longer the file that was uploaded (its checksum differs).",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment.",
                "content": dict.fromkeys(KINDS, _BINARY),
            }
        }
    },
)
def download_evidence(request: HttpRequest, case_id: uuid.UUID, evidence_id: uuid.UUID) -> Any:
    case = _case(request, case_id, Need.VIEW)
    evidence = evidence_of(case, evidence_id)
    try:
        stored = evidence_open(evidence)
    except EvidenceUnavailableError as exc:
        missing = exc.reason == "missing"
        return problem(
            410 if missing else 409,
            "This file cannot be downloaded",
            "The stored file is missing."
            if missing
            else "The stored file is no longer the file that was uploaded, so it is not sent.",
            type=FILE_UNAVAILABLE,
        )
    audit_record(
        actor=caller(request), action=Action.EVIDENCE_DOWNLOADED, case=case, obj=evidence, via=VIA
    )
    download = FileResponse(
        stored,
        as_attachment=True,
        filename=evidence_download_name(evidence),
        content_type=evidence.content_type,
    )
    download["X-Content-Type-Options"] = "nosniff"
    download["Content-Security-Policy"] = "sandbox; default-src 'none'"
    download["Cache-Control"] = "no-store, private"
    return download


@router.delete(
    "/cases/{case_id}/evidence/{evidence_id}",
    response=responses({204: None}, 404, 422),
    summary="Delete a file",
)
def delete_evidence(request: HttpRequest, case_id: uuid.UUID, evidence_id: uuid.UUID) -> Any:
    case = _case(request, case_id, Need.EDIT)
    evidence_delete(evidence_of(case, evidence_id), caller(request), via=VIA)
    return Status(204, None)
