"""Where the journey's answers live: a signed, compressed cookie in the person's own browser.

Signed-in accounts use server-side sessions (so that signing out ends them), but the answers of
someone getting advice without an account must never be stored on the server. They are kept in
their own cookie, read at the start of each request and written back only when they change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

COOKIE = "sendroute_answers"
SALT = "sendroute.journey.answers"


class AnswersStore:
    """A small dict-like store with the session's interface (get, item assignment, clear)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.modified = False

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.modified = True

    def clear(self) -> None:
        self.data = {}
        self.modified = True


def _read(request: HttpRequest) -> dict[str, Any]:
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return {}
    try:
        data = signing.loads(raw, salt=SALT, max_age=settings.SENDROUTE_ANSWERS_AGE)
    except signing.BadSignature:  # tampered with, or too old: start again, never fail
        return {}
    return data if isinstance(data, dict) else {}


class AnswersCookieMiddleware:
    """Gives each request ``request.answers`` and writes the cookie back when it changed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        store = AnswersStore(_read(request))
        request.answers = store  # type: ignore[attr-defined]  # read back by request_answers()
        response = self.get_response(request)
        if store.modified:
            if store.data:
                response.set_cookie(
                    COOKIE,
                    signing.dumps(store.data, salt=SALT, compress=True),
                    max_age=settings.SENDROUTE_ANSWERS_AGE,
                    httponly=True,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
            else:
                response.delete_cookie(COOKIE, samesite="Lax")
        return response


def request_answers(request: HttpRequest) -> AnswersStore:
    """The answers store AnswersCookieMiddleware attached to this request."""
    store = getattr(request, "answers", None)
    if not isinstance(store, AnswersStore):
        raise RuntimeError("AnswersCookieMiddleware is not in MIDDLEWARE")
    return store
