"""Failing cleanly when the server's disk is full.

When the disk holding the database or the evidence files fills up, a write fails part way: SQLite
says "database or disk is full", PostgreSQL "could not extend file" (SQLSTATE 53100, DiskFull),
and storing an uploaded file raises OSError ENOSPC. Each write is one transaction (and an evidence
file is removed again when its row is not saved), so nothing is half written; this middleware
makes sure the person is told so, with a 503 page saying nothing was saved (a problem+json 503 for
the API), instead of "there is a problem with the service" and a 500.

Its SessionMiddleware stands in for Django's in ``MIDDLEWARE``: besides errors raised by views,
it sees those raised by the middleware inside it, which Django has already turned into a 500 by
the time they get there (got_request_exception tells it the 500 was a full disk), and the
session's own save after the view.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import sys
from typing import Any, cast

from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.signals import got_request_exception
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers

log = logging.getLogger(__name__)

DISK_FULL_TITLE = "Sorry, the service cannot save anything at the moment"
DISK_FULL_MESSAGE = (
    "We could not save this because the server has run out of space. "
    "Nothing was saved. Please try again later."
)
RETRY_AFTER_SECONDS = 300
POSTGRES_DISK_FULL = "53100"
DISK_FULL_TEXTS = ("database or disk is full", "could not extend file", "no space left on device")
_MARK = "_sendroute_disk_full"


def is_disk_full(exc: BaseException | None) -> bool:
    """True when ``exc`` (or an error it was raised from) says the disk is full."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if getattr(exc, "sqlstate", None) == POSTGRES_DISK_FULL:  # psycopg's DiskFull
            return True
        if isinstance(exc, DatabaseError | sqlite3.Error):
            text = str(exc).lower()
            if any(t in text for t in DISK_FULL_TEXTS):
                return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def disk_full_response(request: HttpRequest) -> HttpResponse:
    """The 503 saying nothing was saved: problem+json for the API, a page for everyone else."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "type": "about:blank",
                "title": "Service unavailable",
                "status": 503,
                "detail": DISK_FULL_MESSAGE,
            },
            status=503,
            content_type="application/problem+json",
        )
    else:
        body: str
        try:
            body = render_to_string(
                "errors/disk_full.html",
                {"title": DISK_FULL_TITLE, "message": DISK_FULL_MESSAGE},
                request=request,
            )
        except Exception:  # the page must not fail too: plain words will do
            body = (
                f"<!DOCTYPE html><html lang='en'><head><title>{DISK_FULL_TITLE}</title></head>"
                f"<body><h1>{DISK_FULL_TITLE}</h1><p>{DISK_FULL_MESSAGE}</p></body></html>"
            )
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response["X-Frame-Options"] = (
        "DENY"  # set here too: this can bypass the clickjacking middleware
    )
    return response


def _note_disk_full(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Django sends got_request_exception while handling an error it turns into a 500: remember
    whether it was a full disk, for SessionMiddleware (below) to answer with its 503 instead."""
    if request is not None and is_disk_full(sys.exc_info()[1]):
        setattr(request, _MARK, True)


got_request_exception.connect(_note_disk_full, dispatch_uid="sendroute-disk-full")


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's SessionMiddleware (it stands in its place in ``MIDDLEWARE``), answering a full
    disk cleanly:

    - a view that raises because the disk is full (its transaction rolled back) gets the 503;
    - so does a 500 from a middleware inside this one that hit a full disk;
    - the session not being saved after a view that worked (the session is saved on every
      request, to move its expiry on) does not turn that view's answer into an error: what the
      view saved is saved, and the expiry moves on next time.
    """

    sync_capable = True
    async_capable = False

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = cast(HttpResponseBase, super().__call__(request))  # sync only: see above
        if response.status_code == 500 and getattr(request, _MARK, False):
            return disk_full_response(request)
        return response

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        try:
            return super().process_response(request, response)
        except (SessionInterrupted, DatabaseError) as exc:
            # Django reports an update that failed as "the session was deleted" (400).
            if not is_disk_full(exc):
                raise
            log.warning("Disk full: session not saved after %s %s", request.method, request.path)
            patch_vary_headers(response, ("Cookie",))
            return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_disk_full(exception):
            return None
        # The method and path only: never what was being saved.
        log.error("Disk full: nothing was saved for %s %s", request.method, request.path)
        return disk_full_response(request)
