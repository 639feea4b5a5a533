"""Sharing views: the owner shares a case with an adviser (to view, or to view and add to it),
sees who has access, stops sharing, and sees who has seen the case. An adviser's caseload.

Only the case's owner reaches the sharing and "who has seen" pages (Need.OWN): anyone else gets
404, advisers the case is shared with included. Only advisers have a caseload.
"""

from __future__ import annotations

from typing import cast

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from sendroute.accounts.models import Role, User

from ..access import Need, case_for
from ..audit import who_has_seen
from ..caseload import STATUS_ALL, STATUS_DUE_SOON, STATUS_OVERDUE, CaseloadFilters, caseload_for
from ..models import Access, Case, Share
from ..services import CaseError, share_grant, share_revoke, submit_once
from .common import Errors, new_form_key, page, signed_in

ACCESS_CHOICES = [
    {
        "value": Access.VIEW.value,
        "text": "View the case",
        "hint": {"text": "They can read everything in the case, and download its files."},
    },
    {
        "value": Access.EDIT.value,
        "text": "View and add to the case",
        "hint": {"text": "They can also add notes, letters and files, and record what happened."},
    },
]
STATUS_CHOICES = [
    {"value": STATUS_ALL, "text": "All"},
    {"value": STATUS_OVERDUE, "text": "Overdue"},
    {"value": STATUS_DUE_SOON, "text": "Due in the next 5 working days"},
]


def _sharing_url(case: Case, **query: object) -> str:
    url = reverse("cases:sharing", kwargs={"case_id": case.public_id})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def _live_shares(case: Case) -> list[Share]:
    return list(
        case.shares.filter(revoked_at__isnull=True)
        .select_related("adviser")
        .order_by("granted_at", "id")
    )


def _notice(case: Case, request: HttpRequest) -> str:
    """What just happened, shown in a banner after a redirect (only for this case's shares)."""
    for key, said in (
        ("shared", "You have shared this case with {}."),
        ("stopped", "You have stopped sharing this case with {}."),
    ):
        raw = request.GET.get(key, "")
        if raw.isascii() and raw.isdigit() and len(raw) <= 18:  # an id, never '²' or 10**30
            share = case.shares.filter(pk=int(raw)).select_related("adviser").first()
            if share is not None:
                return said.format(share.adviser.email)
    return ""


@signed_in
@require_http_methods(["GET", "POST"])
def sharing(request: HttpRequest, case_id: str) -> HttpResponse:
    user = cast(User, request.user)
    case = case_for(user, case_id, Need.OWN)
    errors = Errors()
    values = {"email": "", "access": ""}
    if request.method == "POST":
        values = {
            "email": request.POST.get("email", "").strip(),
            "access": request.POST.get("access", ""),
        }

        def grant() -> str:
            share = share_grant(
                case=case,
                actor=user,
                adviser_email=values["email"],
                access=values["access"],
            )
            return _sharing_url(case, shared=share.pk)

        try:
            return redirect(submit_once(key=request.POST.get("form_key"), user=user, do=grant))
        except CaseError as exc:
            errors.add(exc.field, exc.message)
    return page(
        request,
        "cases/sharing.html",
        "Who can see this case",
        errors=errors,
        case=case,
        shares=_live_shares(case),
        values=values,
        access_choices=ACCESS_CHOICES,
        notice=_notice(case, request) if request.method == "GET" else "",
        form_key=new_form_key(),
        back_url=reverse("cases:case", kwargs={"case_id": case.public_id}),
    )


@signed_in
@require_http_methods(["GET", "POST"])
def share_stop(request: HttpRequest, case_id: str, share_id: int) -> HttpResponse:
    case = case_for(request.user, case_id, Need.OWN)
    share = case.shares.filter(pk=share_id).select_related("adviser").first()
    if share is None:
        raise Http404("No such share")
    if share.revoked_at is not None:
        # Already stopped (for example, the button was pressed twice): nothing more to do.
        return redirect(_sharing_url(case))
    if request.method == "POST":
        share.case = case
        share_revoke(share=share, actor=cast(User, request.user))
        return redirect(_sharing_url(case, stopped=share.pk))
    return page(
        request,
        "cases/sharing_revoke.html",
        f"Stop sharing with {share.adviser.email}?",
        case=case,
        share=share,
        back_url=_sharing_url(case),
    )


@signed_in
def seen(request: HttpRequest, case_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.OWN)
    return page(
        request,
        "cases/audit.html",
        "Who has seen this case",
        case=case,
        rows=who_has_seen(case),
        back_url=reverse("cases:case", kwargs={"case_id": case.public_id}),
    )


@signed_in
def caseload(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if user.role != Role.ADVISER:
        raise Http404("Only advisers have a caseload")
    filters = CaseloadFilters.read(
        request.GET.get("status"), request.GET.getlist("route"), request.GET.getlist("stage")
    )
    load = caseload_for(user, filters)
    return page(
        request,
        "cases/caseload.html",
        "Your caseload",
        load=load,
        filters=filters,
        status_choices=STATUS_CHOICES,
        route_choices=[{"value": v, "text": t} for v, t in load.route_options],
        stage_choices=[{"value": v, "text": t} for v, t in load.stage_options],
    )


urlpatterns = [
    path("cases/<str:case_id>/sharing", sharing, name="sharing"),
    path("cases/<str:case_id>/sharing/<int:share_id>/revoke", share_stop, name="share_revoke"),
    path("cases/<str:case_id>/seen", seen, name="audit"),
    path("caseload", caseload, name="caseload"),
]
