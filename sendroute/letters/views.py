"""Pages for letters: choose a letter for the concern's stage, edit the draft and save it, see
it with its downloads, edit it again, and mark it as sent."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from sendroute.cases import advice as case_advice
from sendroute.cases.access import Need, access_of, allows, case_for, one_of
from sendroute.cases.audit import audit_record
from sendroute.cases.models import Case, Concern, Evidence
from sendroute.cases.services import CaseError, VersionConflict, submit_once
from sendroute.cases.views.common import (
    Errors,
    date_items,
    new_form_key,
    page,
    read_date,
    read_version,
    signed_in,
    signed_in_user,
)

from . import compose, render
from .catalogue import letter_type
from .models import Letter, Status
from .services import Action, letter_create, letter_edit, letter_file, letter_mark_sent

logger = logging.getLogger(__name__)


def _concern_of(case: Case, concern_id: str) -> Concern:
    concern: Concern = one_of(case.concerns.all(), concern_id)
    return concern


def _letter_of(case: Case, letter_id: str) -> Letter:
    letter: Letter = one_of(Letter.objects.select_related("concern").filter(case=case), letter_id)
    return letter


def _letter_url(letter: Letter) -> str:
    return reverse(
        "letters:letter", kwargs={"case_id": letter.case.public_id, "letter_id": letter.public_id}
    )


def _concern_url(concern: Concern) -> str:
    return reverse(
        "cases:concern",
        kwargs={"case_id": concern.case.public_id, "concern_id": concern.public_id},
    )


def _chosen(request: HttpRequest, case: Case) -> list[Evidence]:
    ids = []
    for raw in request.POST.getlist("enclosures"):
        try:
            ids.append(uuid.UUID(raw))
        except ValueError:
            continue
    return list(case.evidence.filter(public_id__in=ids))


def _evidence_items(case: Case, checked: set[str]) -> list[dict[str, Any]]:
    return [
        {
            "value": str(e.public_id),
            "text": compose.enclosure_name(e),
            "checked": str(e.public_id) in checked,
        }
        for e in case.evidence.all()
    ]


@signed_in
@require_http_methods(["GET", "POST"])
def letter_new(request: HttpRequest, case_id: str, concern_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.EDIT)
    concern = _concern_of(case, concern_id)
    type_id = request.POST.get("type") or request.GET.get("type") or ""
    if not type_id:
        stages = compose.concern_stages(concern)
        from .catalogue import types_fitting

        return page(
            request,
            "letters/choose.html",
            "Choose a letter to draft",
            case=case,
            concern=concern,
            types=types_fitting(stages),
            saved=list(Letter.objects.filter(concern=concern)),
            back_url=_concern_url(concern),
        )
    kind = letter_type(type_id)
    problem = None if kind else f"There is no letter called '{type_id}'. Choose one from the list."
    made: compose.Draft | None = None
    if kind is not None:
        try:
            made = compose.draft(kind, concern)
        except compose.LetterError as exc:
            problem = exc.message
    if problem or kind is None or made is None:
        return page(
            request,
            "letters/not_fit.html",
            "This letter does not fit this stage",
            status=400,
            case=case,
            concern=concern,
            message=problem,
            choose_url=reverse(
                "letters:letter_new", kwargs={"case_id": case_id, "concern_id": concern_id}
            ),
        )
    errors = Errors()
    body = made.body
    checked = {str(e.public_id) for e in case.evidence.filter(concern=concern)}
    if request.method == "POST":
        body = request.POST.get("body", "")
        checked = set(request.POST.getlist("enclosures"))
        chosen = _chosen(request, case)
        user = signed_in_user(request)

        def create() -> str:
            return _letter_url(
                letter_create(
                    concern=concern, actor=user, type_id=kind.id, body=body, enclosures=chosen
                )
            )

        try:
            return redirect(submit_once(key=request.POST.get("form_key"), user=user, do=create))
        except compose.LetterError as exc:
            errors.add(exc.field, exc.message)
    return page(
        request,
        "letters/form.html",
        kind.title,
        errors=errors,
        case=case,
        concern=concern,
        kind=kind,
        body=body,
        respond_by=compose.long_date(made.respond_by),
        respond_rule=made.respond_rule,
        to_name=made.to_name,
        evidence=_evidence_items(case, checked),
        form_key=request.POST.get("form_key") or new_form_key(),
        version=None,
        back_url=_concern_url(concern),
    )


@signed_in
@require_GET
def letter_page(request: HttpRequest, case_id: str, letter_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.VIEW)
    letter = _letter_of(case, letter_id)
    audit_record(actor=request.user, action=Action.VIEWED, case=case, obj=letter)
    doc = letter_document_for(letter)
    return page(
        request,
        "letters/letter.html",
        letter.title,
        case=case,
        letter=letter,
        doc=doc,
        text=render.as_text(doc),
        can_edit=allows(access_of(request.user, case), Need.EDIT),
        respond_by=compose.long_date(letter.respond_by),
        sent_on=compose.long_date(letter.sent_on) if letter.sent_on else "",
        concern_url=_concern_url(letter.concern),
    )


def letter_document_for(letter: Letter) -> compose.Document:
    from .services import letter_document

    return letter_document(letter)


@signed_in
@require_http_methods(["GET", "POST"])
def letter_edit_view(request: HttpRequest, case_id: str, letter_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.EDIT)
    letter = _letter_of(case, letter_id)
    kind = letter_type(letter.letter_type)
    if letter.status == Status.SENT:
        return redirect(_letter_url(letter))
    errors = Errors()
    body = letter.body
    checked = {str(e.public_id) for e in letter.enclosures.all()}
    status = None
    if request.method == "POST":
        body = request.POST.get("body", "")
        checked = set(request.POST.getlist("enclosures"))
        try:
            letter_edit(
                letter=letter,
                actor=signed_in_user(request),
                version=read_version(request.POST),
                body=body,
                enclosures=_chosen(request, case),
            )
            return redirect(_letter_url(letter))
        except VersionConflict as exc:
            errors.add("body", str(exc))
            status = 409
            letter.refresh_from_db()
        except compose.LetterError as exc:
            errors.add(exc.field, exc.message)
    return page(
        request,
        "letters/form.html",
        f"Edit: {letter.title}",
        errors=errors,
        status=status,
        case=case,
        concern=letter.concern,
        kind=kind,
        body=body,
        respond_by=compose.long_date(letter.respond_by),
        respond_rule=letter.respond_rule,
        to_name=letter.to_name,
        evidence=_evidence_items(case, checked),
        form_key=None,
        version=letter.version,
        back_url=_letter_url(letter),
    )


@signed_in
@require_http_methods(["GET", "POST"])
def letter_sent(request: HttpRequest, case_id: str, letter_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.EDIT)
    letter = _letter_of(case, letter_id)
    if letter.status == Status.SENT:
        return redirect(_letter_url(letter))
    errors = Errors()
    data: Any = {}
    status = None
    if request.method == "POST":
        data = request.POST
        day = read_date(request.POST, "sent_on", errors, "the date you sent the letter")
        if day is not None:
            try:
                letter_mark_sent(
                    letter=letter,
                    actor=signed_in_user(request),
                    sent_on=day,
                    version=read_version(request.POST),
                )
                return redirect(_letter_url(letter))
            except VersionConflict as exc:
                errors.add("sent_on-day", str(exc))
                status = 409
            except (compose.LetterError, CaseError) as exc:
                errors.add("sent_on-day", exc.message)
    else:
        today = case_advice.today()
        data = {"sent_on-day": today.day, "sent_on-month": today.month, "sent_on-year": today.year}
    return page(
        request,
        "letters/sent.html",
        "When did you send the letter?",
        errors=errors,
        status=status,
        case=case,
        letter=letter,
        date_inputs=date_items({k: str(v) for k, v in data.items()}, "sent_on", errors),
        back_url=_letter_url(letter),
    )


@signed_in
@require_GET
def letter_download(request: HttpRequest, case_id: str, letter_id: str, fmt: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.VIEW)
    letter = _letter_of(case, letter_id)
    if fmt not in render.FORMATS:
        raise Http404("No such format")
    try:
        data = letter_file(letter, fmt, signed_in_user(request))  # built whole before it is sent
    except Exception:
        logger.exception("letter %s could not be made as %s", letter.public_id, fmt)
        return page(
            request,
            "letters/unavailable.html",
            "The letter could not be made",
            status=500,
            case=case,
            letter=letter,
            back_url=_letter_url(letter),
        )
    content_type, ext = render.FORMATS[fmt]
    response = HttpResponse(data, content_type=content_type)
    slug = "".join(c if c.isalnum() else "-" for c in letter.letter_type)
    response["Content-Disposition"] = f'attachment; filename="{slug}-{letter.public_id}.{ext}"'
    response["Content-Length"] = str(len(data))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response
