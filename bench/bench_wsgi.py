"""The load benchmark's WSGI entry point: /__bench/bare is answered by a bare WSGI function (the
floor of the server itself); every other path goes to sendroute's Django application, in the same
gunicorn workers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bench_settings")

from django.core.wsgi import get_wsgi_application

from bench.bench_settings import FLOOR_PAGE

django_application = get_wsgi_application()
BARE_BODY = FLOOR_PAGE.encode()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == "/__bench/bare":
        start_response(
            "200 OK",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BARE_BODY)))],
        )
        return [BARE_BODY]
    return django_application(environ, start_response)
