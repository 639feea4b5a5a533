"""sendroute's URLs, and the floor pages of the load benchmark (see bench_settings)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from bench.bench_settings import FLOOR_PAGE
from sendroute.cases.access import Need, case_for
from sendroute.cases.audit import Action, audit_record
from sendroute.cases.views.common import signed_in, signed_in_user
from sendroute.web.urls import handler404, handler500
from sendroute.web.urls import urlpatterns as sendroute_urls


def django_floor(request: HttpRequest) -> HttpResponse:
    """The same middleware as every page, no template, no database."""
    return HttpResponse(FLOOR_PAGE)


@signed_in
def requirements_floor(request: HttpRequest, case_id: str) -> HttpResponse:
    """What any page about a child's case must do before it shows anything, and nothing else:
    the signed-in session and its person, the permission check on the case, and the audit row
    of the read, committed (the issue's "every read of a child's record is logged")."""
    case = case_for(request.user, case_id, Need.VIEW)
    audit_record(actor=signed_in_user(request), action=Action.CASE_VIEWED, case=case, obj=case)
    return HttpResponse(FLOOR_PAGE)


urlpatterns = [
    path("__bench/django", django_floor),
    path("__bench/case/<uuid:case_id>/", requirements_floor),
    *sendroute_urls,
]

__all__ = ["handler404", "handler500", "urlpatterns"]
