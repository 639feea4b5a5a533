"""Small middleware of our own."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PRIVATE_NO_STORE = "no-store, private"
# Pages and API answers about a case: never kept, whoever asks (anyone else is refused anyway).
CASE_PREFIXES = ("/cases/", "/api/v1/cases")


def is_signed_in_request(request: HttpRequest) -> bool:
    """A request from someone signed in: an authenticated user, a session cookie (also half-way
    through signing in, or just signed out), or an API bearer token."""
    user = getattr(request, "user", None)
    return (
        bool(getattr(user, "is_authenticated", False))
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or "HTTP_AUTHORIZATION" in request.META
    )


class NoStoreMiddleware:
    """Nothing a family or adviser sees is kept by browsers, shared computers' caches or proxies.

    Every response to a signed-in request, and every response under a case, is sent with
    ``Cache-Control: no-store, private`` (replacing whatever the view set). Every other response
    (the advice journey, which shows a family's answers, sign-in pages, errors) gets ``no-store``
    unless its view chose a header. Static assets under /assets/ are left to WhiteNoise, which lets
    browsers cache them: they hold nothing personal.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        path = request.path
        if path.startswith(settings.STATIC_URL):
            return response
        if is_signed_in_request(request) or path.startswith(CASE_PREFIXES):
            response["Cache-Control"] = PRIVATE_NO_STORE
        elif "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


# The name it had when only the advice journey needed it.
NoStoreForJourneyMiddleware = NoStoreMiddleware
