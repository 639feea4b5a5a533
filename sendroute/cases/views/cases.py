"""Case views: my cases, start a case (or save one from the advice), the case page, change its
details, delete it."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from sendroute.journey.answers_cookie import request_answers
from sendroute.journey.services import journey_rules
from sendroute.journey.state import Journey

from ..access import FAMILY_ROLES, Need, case_for, cases_visible_to
from ..advice import concern_view, today
from ..audit import Action, audit_record
from ..models import Setting
from ..services import (
    CaseError,
    VersionConflict,
    case_create,
    case_delete,
    case_update,
    concerns_from_advice,
    submit_once,
)
from ..timeline import case_timeline
from .common import Errors, new_form_key, page, read_version, signed_in, signed_in_user

SETTINGS = [{"value": v, "text": label} for v, label in Setting.choices]
EHC = {"yes": True, "no": False, "not_sure": None}


def _child_values(data: Any) -> dict[str, Any]:
    return {
        "title": data.get("title", ""),
        "child_name": data.get("child_name", ""),
        "child_birth_year": data.get("child_birth_year", ""),
        "child_school_year": data.get("child_school_year", ""),
        "child_has_ehc_plan": EHC.get(data.get("child_has_ehc_plan", "not_sure")),
        "child_setting": data.get("child_setting", ""),
    }


def _ehc_value(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "not_sure")  # type: ignore[arg-type]


@signed_in
def case_list(request: HttpRequest) -> HttpResponse:
    if signed_in_user(request).role not in FAMILY_ROLES:
        return redirect("cases:caseload")
    cases = cases_visible_to(request.user).prefetch_related("concerns")
    return page(request, "cases/case_list.html", "Your cases", cases=cases)


def _journey_answers(request: HttpRequest) -> list[dict[str, Any]]:
    journey = Journey.load(request_answers(request))
    return [c.answers for c in journey.concerns if c.asked]


@signed_in
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    """Start a case; with ?from=advice, the advice journey's concerns are saved into it."""
    user = signed_in_user(request)
    if user.role not in FAMILY_ROLES:
        raise Http404("Only families start cases")
    from_advice = (request.POST.get("from") or request.GET.get("from")) == "advice"
    answers = _journey_answers(request) if from_advice else []
    errors = Errors()
    values: dict[str, Any] = {"child_has_ehc_plan": "not_sure"}
    if request.method == "POST":
        values = {
            k: request.POST.get(k, "")
            for k in (
                "title",
                "child_name",
                "child_birth_year",
                "child_school_year",
                "child_has_ehc_plan",
                "child_setting",
            )
        }

        def create() -> str:
            case = case_create(
                owner=user, area=journey_rules().area.id, **_child_values(request.POST)
            )
            for concern_answers in answers:
                concerns_from_advice(case=case, actor=user, answers=concern_answers)
            return reverse("cases:case", kwargs={"case_id": case.public_id}) + "?saved=1"

        try:
            return redirect(submit_once(key=request.POST.get("form_key"), user=user, do=create))
        except CaseError as exc:
            errors.add(exc.field, exc.message)
    if from_advice and not answers:
        from_advice = False
    ehc = None
    for a in answers:
        if "has_ehc_plan" in a:
            ehc = a["has_ehc_plan"]
    if request.method == "GET" and ehc is not None:
        values["child_has_ehc_plan"] = _ehc_value(ehc)
    return page(
        request,
        "cases/case_form.html",
        "Save your advice as a case" if from_advice else "Start a case",
        errors=errors,
        values=values,
        settings_choices=SETTINGS,
        from_advice=from_advice,
        concern_count=len(answers),
        form_key=request.POST.get("form_key") or new_form_key(),
        back_url=reverse("journey:advice") if from_advice else reverse("cases:list"),
    )


@signed_in
def case_page(request: HttpRequest, case_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.VIEW)
    audit_record(actor=signed_in_user(request), action=Action.CASE_VIEWED, case=case, obj=case)
    on = today()
    case_concerns = list(case.concerns.all())
    evidence = list(case.evidence.all())
    owner = case.owner_id == request.user.pk
    return page(
        request,
        "cases/case.html",
        case.title,
        case=case,
        concerns=[{"concern": c, "view": concern_view(c, on=on)} for c in case_concerns],
        timeline=case_timeline(case, concerns=case_concerns, evidence=evidence),
        evidence=evidence,
        is_owner=owner,
        can_edit=owner or _can_edit(request, case),
        saved=request.GET.get("saved"),
        today=on,
        back_url=reverse("cases:list"),
    )


def _can_edit(request: HttpRequest, case: Any) -> bool:
    from ..access import access_of, allows

    return allows(access_of(request.user, case), Need.EDIT)


@signed_in
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, case_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.OWN)
    errors = Errors()
    conflict = False
    values: dict[str, Any] = {
        "title": case.title,
        "child_name": case.child_name,
        "child_birth_year": case.child_birth_year or "",
        "child_school_year": case.child_school_year,
        "child_has_ehc_plan": _ehc_value(case.child_has_ehc_plan),
        "child_setting": case.child_setting,
    }
    version = case.version
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            case_update(
                case=case,
                actor=signed_in_user(request),
                version=read_version(request.POST),
                **_child_values(request.POST),
            )
            return redirect(reverse("cases:case", kwargs={"case_id": case.public_id}))
        except CaseError as exc:
            errors.add(exc.field, exc.message)
            version = read_version(request.POST) or case.version
        except VersionConflict as exc:
            errors.add("title", exc.args[0])
            conflict = True
            case.refresh_from_db()
            version = case.version
    return page(
        request,
        "cases/case_form.html",
        "Change the case details",
        errors=errors,
        status=409 if conflict else None,
        values=values,
        settings_choices=SETTINGS,
        case=case,
        version=version,
        form_key="",
        back_url=reverse("cases:case", kwargs={"case_id": case.public_id}),
    )


@signed_in
@require_http_methods(["GET", "POST"])
def case_remove(request: HttpRequest, case_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.OWN)
    errors = Errors()
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            errors.add("confirm", "Select yes to delete this case, or go back to keep it")
        else:
            case_delete(case=case, actor=signed_in_user(request))
            return redirect(reverse("cases:list") + "?deleted=1")
    return page(
        request,
        "cases/case_delete.html",
        "Are you sure you want to delete this case?",
        errors=errors,
        case=case,
        back_url=reverse("cases:case", kwargs={"case_id": case.public_id}),
    )


urlpatterns = [
    path("cases/", case_list, name="list"),
    path("cases/new", case_new, name="new"),
    path("cases/<str:case_id>/", case_page, name="case"),
    path("cases/<str:case_id>/details", case_edit, name="edit"),
    path("cases/<str:case_id>/delete", case_remove, name="delete"),
]
