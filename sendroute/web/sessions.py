"""Signed-in sessions that end after 30 idle minutes without a database write on every page.

Django can move a session's expiry on by saving it on every request (SESSION_SAVE_EVERY_REQUEST),
but on SQLite with a durable journal each save is a commit that waits for the disk: on a case page
it doubled the commits (the page's audit row is the other). Instead the session is saved when it
changed, or when it was last saved more than SENDROUTE_SESSION_TOUCH_SECONDS ago (60 by default),
so an idle session still ends between 29 and 30 minutes after the last page, and an active one
costs one session write a minute at most.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .faults import SessionMiddleware as DiskFullSafeSessionMiddleware

TOUCHED_KEY = "_touched"


def touch_if_due(request: HttpRequest, now: float | None = None) -> bool:
    """Mark an existing, non-empty session to be saved if its last save is older than the touch
    interval. Returns whether it was marked."""
    session = getattr(request, "session", None)
    if session is None or session.session_key is None or session.is_empty():
        return False
    now = time.time() if now is None else now
    last = session.get(TOUCHED_KEY)
    interval = settings.SENDROUTE_SESSION_TOUCH_SECONDS
    if isinstance(last, int | float) and 0 <= now - last < interval:
        return False
    session[TOUCHED_KEY] = int(now)
    return True


class SessionMiddleware(DiskFullSafeSessionMiddleware):
    """The disk-full-safe session middleware, saving a session that did not change at most once
    per touch interval (see the module's docstring)."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if 200 <= response.status_code < 500:
            touch_if_due(request)
        return super().process_response(request, response)
