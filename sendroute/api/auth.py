"""Who is calling: a personal API token, sent as ``Authorization: Bearer TOKEN``.

A token acts as the person it belongs to, with exactly their access to cases (advisers see the
cases shared with them; staff and administrators see none). Unknown, revoked and missing tokens
are answered 401 with ``WWW-Authenticate: Bearer`` (see ``api.not_signed_in``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from sendroute.accounts.models import User
from sendroute.accounts.services import token_user


class TokenAuth(HttpBearer):
    """A personal API token: made on the account page, shown once, revocable there."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        token = token.strip()
        if not token:
            return None
        return token_user(token=token)


token_auth = TokenAuth()


def caller(request: HttpRequest) -> User:
    """The person whose token made this request (set by TokenAuth before any operation runs)."""
    user: Any = getattr(request, "auth", None)
    if not isinstance(user, User):  # pragma: no cover - ninja runs TokenAuth first
        raise RuntimeError("The operation ran without a token.")
    return user
