"""sendroute's URLs, and the Django floor page of the load benchmark (see bench_settings)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from bench.bench_settings import FLOOR_PAGE
from sendroute.web.urls import handler404, handler500
from sendroute.web.urls import urlpatterns as sendroute_urls


def django_floor(request: HttpRequest) -> HttpResponse:
    """The same middleware as every page, no template, no database."""
    return HttpResponse(FLOOR_PAGE)


urlpatterns = [path("__bench/django", django_floor), *sendroute_urls]

__all__ = ["handler404", "handler500", "urlpatterns"]
