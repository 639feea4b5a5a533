"""Case file views: evidence. Add a file (to the case, a concern or a note), download it (as an
attachment, only for people who can see the case, and only while its checksum matches), and
delete it after a confirmation."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from ..access import Need, case_for, one_of
from ..audit import Action, audit_record
from ..evidence_store import (
    CHOOSE_MESSAGE,
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
from ..models import Case, Entry, Evidence
from ..services import CaseError, submit_once
from .common import Errors, date_items, new_form_key, page, read_date, signed_in

DATE = "document_date"
ACCEPT = ".pdf,.doc,.docx,.jpg,.jpeg,.png,.eml,.msg"


class UploadLimit(FileUploadHandler):
    """Stops taking an uploaded file as soon as it passes the evidence size limit, so that no
    more of it is written to disk; the view then says it is too large."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = max_bytes()
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _evidence_of(case: Case, evidence_id: str) -> Evidence:
    evidence: Evidence = one_of(case.evidence.all(), evidence_id)
    return evidence


def _entry_of(case: Case, entry_id: str | None) -> Entry | None:
    if not entry_id:
        return None
    entry: Entry = one_of(case.entries.all(), entry_id)
    return entry


def _case_url(case: Case) -> str:
    return reverse("cases:case", kwargs={"case_id": case.public_id}) + "#evidence"


@csrf_exempt  # the CSRF check is made below, once the upload limit is in place
@signed_in
@require_http_methods(["GET", "POST"])
def evidence_new(request: HttpRequest, case_id: str) -> HttpResponse:
    limit = UploadLimit(request)
    request.upload_handlers = [limit, *request.upload_handlers]
    return _evidence_new(request, case_id, limit)


@csrf_protect
def _evidence_new(request: HttpRequest, case_id: str, limit: UploadLimit) -> HttpResponse:
    case = case_for(request.user, case_id, Need.EDIT)
    entry = _entry_of(case, request.GET.get("entry"))
    concerns = list(case.concerns.all())
    errors = Errors()
    values: dict[str, Any] = {
        "title": "",
        "concern": str(entry.concern.public_id) if entry is not None and entry.concern else "",
    }
    if request.method == "POST":
        data = request.POST
        values = {
            "title": data.get("title", ""),
            "concern": data.get("concern", ""),
            **{f"{DATE}-{p}": data.get(f"{DATE}-{p}", "") for p in ("day", "month", "year")},
        }
        upload = request.FILES.get("file")
        if limit.too_large:
            errors.add("file", too_large_message())
        elif upload is None:
            errors.add("file", CHOOSE_MESSAGE)
        document_date = None
        if any(values[f"{DATE}-{p}"].strip() for p in ("day", "month", "year")):
            document_date = read_date(data, DATE, errors, "the date on the document")
        concern = None
        if values["concern"]:
            concern = next((c for c in concerns if str(c.public_id) == values["concern"]), None)
            if concern is None:
                errors.add("concern", "Choose a concern of this case, or ‘Not about one concern’")
        if not errors:
            stored: list[str] = []

            def save() -> str:
                evidence = evidence_save(
                    case=case,
                    actor=request.user,  # type: ignore[arg-type]
                    upload=upload,
                    title=values["title"],
                    concern=concern,
                    entry=entry,
                    document_date=document_date,
                )
                stored.append(evidence.stored_name)
                return _case_url(case)

            try:
                return redirect(submit_once(key=data.get("form_key"), user=request.user, do=save))  # type: ignore[arg-type]
            except CaseError as exc:
                evidence_strays_delete(stored)
                errors.add(f"{DATE}-day" if exc.field == DATE else exc.field, exc.message)
            except BaseException:
                evidence_strays_delete(stored)  # the file's row was rolled back: keep no file
                raise
    return page(
        request,
        "cases/evidence_new.html",
        f"Add a file to ‘{entry.current.title}’" if entry is not None else "Add a file",
        errors=errors,
        case=case,
        entry=entry,
        concerns=concerns,
        values=values,
        date_boxes=date_items(values, DATE, errors),
        date_error=next(
            (
                errors.message(f)
                for f in (f"{DATE}-day", f"{DATE}-month", f"{DATE}-year")
                if errors.message(f)
            ),
            None,
        ),
        size_limit=size_text(max_bytes()),
        accept=ACCEPT,
        form_key=request.POST.get("form_key") or new_form_key(),
        back_url=_case_url(case),
    )


@signed_in
@require_GET
def evidence_download(request: HttpRequest, case_id: str, evidence_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.VIEW)
    evidence = _evidence_of(case, evidence_id)
    try:
        stored = evidence_open(evidence)
    except EvidenceUnavailableError as exc:
        return page(
            request,
            "cases/evidence_unavailable.html",
            "This file cannot be downloaded",
            status=410 if exc.reason == "missing" else 409,
            case=case,
            evidence=evidence,
            reason=exc.reason,
            back_url=_case_url(case),
        )
    audit_record(actor=request.user, action=Action.EVIDENCE_DOWNLOADED, case=case, obj=evidence)
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=evidence_download_name(evidence),
        content_type=evidence.content_type,
    )
    # Never shown in the browser, never run, never kept by a cache.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store, private"
    return response  # type: ignore[return-value]  # a streamed response, which signed_in passes on


@signed_in
@require_http_methods(["GET", "POST"])
def evidence_remove(request: HttpRequest, case_id: str, evidence_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.EDIT)
    evidence = _evidence_of(case, evidence_id)
    errors = Errors()
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            errors.add("confirm", "Select ‘Delete file’ to delete it, or go back to keep it")
        else:
            evidence_delete(evidence, request.user)  # type: ignore[arg-type]
            return redirect(_case_url(case))
    return page(
        request,
        "cases/evidence_delete.html",
        "Are you sure you want to delete this file?",
        errors=errors,
        case=case,
        evidence=evidence,
        back_url=_case_url(case),
    )


urlpatterns = [
    path("cases/<str:case_id>/evidence/new", evidence_new, name="evidence_new"),
    path(
        "cases/<str:case_id>/evidence/<str:evidence_id>/download",
        evidence_download,
        name="evidence_download",
    ),
    path(
        "cases/<str:case_id>/evidence/<str:evidence_id>/delete",
        evidence_remove,
        name="evidence_delete",
    ),
]
