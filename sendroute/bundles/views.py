"""Pages for bundles: choose what to bundle and start it, watch it being made, download it."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from sendroute.cases.access import Need, case_for, one_of
from sendroute.cases.audit import audit_record
from sendroute.cases.models import Case, Concern
from sendroute.cases.services import submit_once
from sendroute.cases.views.common import Errors, new_form_key, page, signed_in, signed_in_user

from .models import Bundle, Status
from .services import (
    DOWNLOADED,
    BundleError,
    BundleUnavailableError,
    bundle_download_name,
    bundle_open,
    bundle_start,
)

WHOLE_CASE = "case"


def _bundle_of(case: Case, bundle_id: str) -> Bundle:
    bundle: Bundle = one_of(Bundle.objects.select_related("concern").filter(case=case), bundle_id)
    return bundle


def _case_url(case: Case) -> str:
    return reverse("cases:case", kwargs={"case_id": case.public_id})


@signed_in
@require_http_methods(["GET", "POST"])
def bundle_new(request: HttpRequest, case_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.EDIT)
    concerns = list(case.concerns.order_by("created_at", "id"))
    errors = Errors()
    chosen = request.POST.get("what") if request.method == "POST" else request.GET.get("concern")
    if request.method == "POST":
        concern: Concern | None = None
        if chosen != WHOLE_CASE:
            concern = next((c for c in concerns if str(c.public_id) == chosen), None)
            if concern is None:
                errors.add("what", "Select what to put in the bundle")
        if not errors:

            def start() -> str:
                bundle = bundle_start(case=case, concern=concern, actor=signed_in_user(request))
                return reverse(
                    "bundles:status",
                    kwargs={"case_id": case.public_id, "bundle_id": bundle.public_id},
                )

            try:
                # The same form sent twice (a double click, a retry) starts one bundle.
                return redirect(
                    submit_once(
                        key=request.POST.get("form_key"), user=signed_in_user(request), do=start
                    )
                )
            except BundleError as exc:
                errors.add("what", exc.message)
    items: list[dict[str, Any]] = [
        {
            "value": WHOLE_CASE,
            "text": "The whole case",
            "hint": {"text": "Every file, and everything in the timeline"},
        }
    ]
    items += [{"value": str(c.public_id), "text": c.title} for c in concerns]
    for item in items:
        item["checked"] = item["value"] == (chosen or (WHOLE_CASE if not concerns else ""))
    return page(
        request,
        "bundles/new.html",
        "Make a bundle of documents",
        errors=errors,
        case=case,
        items=items,
        form_key=request.POST.get("form_key") or new_form_key(),
        bundles=list(case.bundles.select_related("concern")[:10]),
        back_url=_case_url(case),
    )


@signed_in
@require_GET
def bundle_status(request: HttpRequest, case_id: str, bundle_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.VIEW)
    bundle = _bundle_of(case, bundle_id)
    titles = {
        Status.QUEUED: "Your bundle is waiting to be made",
        Status.RUNNING: "Your bundle is being made",
        Status.DONE: "Your bundle is ready",
        Status.FAILED: "Your bundle could not be made",
    }
    return page(
        request,
        "bundles/status.html",
        "Your bundle was not finished" if bundle.is_stuck else titles[Status(bundle.status)],
        case=case,
        bundle=bundle,
        refresh=bundle.is_working,
        back_url=_case_url(case),
    )


@signed_in
@require_GET
def bundle_download(request: HttpRequest, case_id: str, bundle_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.VIEW)
    bundle = _bundle_of(case, bundle_id)
    if bundle.status != Status.DONE:
        raise Http404("This bundle is not ready")
    try:
        stored = bundle_open(bundle)
    except BundleUnavailableError:
        return page(
            request,
            "bundles/unavailable.html",
            "This bundle cannot be downloaded",
            status=410,
            case=case,
            bundle=bundle,
            back_url=reverse("bundles:new", kwargs={"case_id": case.public_id}),
        )
    audit_record(actor=request.user, action=DOWNLOADED, case=case, obj=bundle)
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=bundle_download_name(bundle),
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store, private"
    return response  # type: ignore[return-value]
