"""``Idempotency-Key``: a POST sent again with the same key (say, after a dropped connection)
gives back what the first one made, never a second copy.

The key is kept per person and per operation address, through ``services.submit_once`` (the
same table the web forms use), with the id of what was made and a fingerprint of the request.
The same key with a different request body is refused (422), as is a key whose object has since
been deleted (409): neither can be answered with what was made.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest

from sendroute.accounts.models import User
from sendroute.cases.services import submit_once

from .problems import IDEMPOTENCY_KEY_USED

T = TypeVar("T")

HEADER = "Idempotency-Key"
HEADER_DESCRIPTION = (
    "Any string up to 200 characters, new for each thing you mean to create (a UUID is ideal). "
    "Sending the same request again with the same key returns what the first one made "
    "(200, with Idempotent-Replayed: true) instead of making it twice."
)
_NAMESPACE = uuid.UUID("6f1d0c5e-4b8a-4f0e-9a57-2b1f4c3d7e90")


class IdempotencyKeyError(Exception):
    """The key cannot be replayed: ``status`` 422 (a different request) or 409 (since deleted)."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = IDEMPOTENCY_KEY_USED


def _fingerprint(request: HttpRequest) -> str:
    if (request.content_type or "").startswith("multipart/"):
        return ""  # the boundary differs on every send; the key alone decides
    return hashlib.sha256(request.body).hexdigest()[:32]


def create_once(
    request: HttpRequest,
    user: User,
    key: str | None,
    make: Callable[[], T],
    find: Callable[[uuid.UUID], T | None],
    public_id: Callable[[T], Any],
) -> tuple[T, bool]:
    """``make()`` once per key; returns (the object, whether this was a replay). Without a key,
    just makes it."""
    if not key:
        return make(), False
    scoped = uuid.uuid5(_NAMESPACE, f"{user.pk}\n{request.method} {request.path}\n{key}")
    fingerprint = _fingerprint(request)
    made: list[T] = []

    def do() -> str:
        obj = make()
        made.append(obj)
        return f"{public_id(obj)} {fingerprint}"

    result = submit_once(key=str(scoped), user=user, do=do)
    if made:
        return made[0], False
    stored_id, _, stored_fingerprint = result.partition(" ")
    if stored_fingerprint != fingerprint:
        raise IdempotencyKeyError(
            422,
            "This Idempotency-Key was used for a different request",
            f"The {HEADER} {key!r} was already used with a different request body. Use a new key "
            "for a new request.",
        )
    try:
        found = find(uuid.UUID(stored_id))
    except ValueError:
        found = None
    if found is None:
        raise IdempotencyKeyError(
            409,
            "What this Idempotency-Key made has been deleted",
            f"The request with {HEADER} {key!r} was done before, but what it made has since been "
            "deleted. Use a new key to make it again.",
        )
    return found, True
