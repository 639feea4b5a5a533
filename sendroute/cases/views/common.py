"""What every case-file view shares: rendering a page, reading GOV.UK form inputs, and errors."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from sendroute.accounts.models import User


class Errors:
    """GOV.UK errors: a list for the error summary, and a message per field for the inputs."""

    def __init__(self) -> None:
        self.by_field: dict[str, str] = {}

    def add(self, field: str | None, message: str) -> None:
        self.by_field.setdefault(field or "form", message)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def summary(self) -> list[dict[str, str]]:
        return [{"text": m, "href": f"#{f}"} for f, m in self.by_field.items()]

    def message(self, field: str) -> dict[str, str] | None:
        text = self.by_field.get(field)
        return {"text": text} if text else None


def page(
    request: HttpRequest,
    template: str,
    title: str,
    *,
    errors: Errors | list[Any] | None = None,
    status: int | None = None,
    **context: Any,
) -> HttpResponse:
    has_errors = bool(errors)
    return render(
        request,
        template,
        {
            "title": title,
            "errors": errors or Errors(),
            "error_summary": has_errors,
            **context,
        },
        status=status or (400 if has_errors else 200),
    )


def signed_in_user(request: HttpRequest) -> User:
    """The person signed in (views decorated with ``signed_in`` only run for them)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first")
    return user


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only for people who are signed in (others go to sign in and come back)."""
    return wraps(view)(login_required(view))


def read_date(
    data: QueryDict, prefix: str, errors: Errors, what: str = "the date"
) -> dt.date | None:
    """A GOV.UK date input (prefix-day, prefix-month, prefix-year), with specific errors."""
    parts = {p: data.get(f"{prefix}-{p}", "").strip() for p in ("day", "month", "year")}
    if not any(parts.values()):
        errors.add(f"{prefix}-day", f"Enter {what}")
        return None
    missing = [p for p, v in parts.items() if not v]
    if missing:
        errors.add(
            f"{prefix}-{missing[0]}", f"{what[0].upper()}{what[1:]} must include a {missing[0]}"
        )
        return None
    if not all(v.isascii() and v.isdigit() for v in parts.values()) or len(parts["year"]) != 4:
        errors.add(
            f"{prefix}-day", f"{what[0].upper()}{what[1:]} must be a real date, like 27 3 2026"
        )
        return None
    try:
        return dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except (ValueError, OverflowError):
        errors.add(
            f"{prefix}-day", f"{what[0].upper()}{what[1:]} must be a real date, like 27 3 2026"
        )
        return None


def date_items(
    data: QueryDict | dict[str, str], prefix: str, errors: Errors
) -> list[dict[str, Any]]:
    """The three boxes of a GOV.UK date input, keeping what was typed."""
    wrong = any(k.startswith(f"{prefix}-") for k in errors.by_field)
    return [
        {
            "name": part,
            "label": part.capitalize(),
            "classes": f"govuk-input--width-{4 if part == 'year' else 2}"
            + (" govuk-input--error" if wrong else ""),
            "value": data.get(f"{prefix}-{part}", ""),
            "inputmode": "numeric",
        }
        for part in ("day", "month", "year")
    ]


def date_fields(day: dt.date | None, prefix: str) -> dict[str, str]:
    if day is None:
        return {}
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def new_form_key() -> str:
    """A key for one form: submitting the same form twice does its work once (services.submit_once)."""
    return str(uuid.uuid4())


def read_version(data: QueryDict) -> int | None:
    raw = data.get("version", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None
