"""Errors as RFC 9457 problem details: what is wrong, where, and how to fix it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

PROBLEM_TYPE = "application/problem+json"

# Problem types with more to say than their status code: each is described, with what to do, on
# the API documentation page (the type is a reference to its section there).
PROBLEM_DOCS = "/api/v1/docs#problem-"
NOT_SIGNED_IN = PROBLEM_DOCS + "not-signed-in"
VERSION_CONFLICT = PROBLEM_DOCS + "version-conflict"
STAGE_NEEDS_CONFIRMATION = PROBLEM_DOCS + "stage-needs-confirmation"
IDEMPOTENCY_KEY_USED = PROBLEM_DOCS + "idempotency-key-used"
FILE_UNAVAILABLE = PROBLEM_DOCS + "file-unavailable"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    field: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    type: str = "about:blank",
    **extensions: Any,
) -> JsonResponse:
    """A problem+json response. ``extensions`` are extra members, such as ``current_version``."""
    body: dict[str, Any] = {
        "type": type,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = errors
    body.update(extensions)
    return JsonResponse(body, status=status, content_type=PROBLEM_TYPE)


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem(
        404, "Not found", "There is nothing at this address. See /api/v1/docs for the API."
    )
