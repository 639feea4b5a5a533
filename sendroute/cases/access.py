"""Who may see or change a case. Every view and API operation asks here, on the server.

A case is open to its owner, and to an adviser it is shared with (to view, or to view and edit),
until the owner revokes that. Nobody else sees it: not other families, not unlinked advisers,
not organisation staff, not administrators. A case someone may not see does not exist for them
(404, never 403), so that ids reveal nothing.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from sendroute.accounts.models import Role, User

from .models import Access, Case


class Need(enum.Enum):
    VIEW = "view"
    EDIT = "edit"
    OWN = "own"


FAMILY_ROLES = frozenset({Role.PARENT, Role.YOUNG_PERSON})


def cases_visible_to(user: User | Any) -> QuerySet[Case]:
    """Every case this person may see: their own, and those shared with them (advisers)."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    if user.role in FAMILY_ROLES:
        return Case.objects.filter(owner=user)
    if user.role == Role.ADVISER:
        return Case.objects.filter(
            Q(shares__adviser=user) & Q(shares__revoked_at__isnull=True)
        ).distinct()
    return Case.objects.none()


def access_of(user: User | Any, case: Case) -> Need | None:
    """The most this person may do with this case, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if case.owner_id == user.pk and user.role in FAMILY_ROLES:
        return Need.OWN
    if user.role == Role.ADVISER:
        share = case.shares.filter(adviser=user, revoked_at__isnull=True).first()
        if share is not None:
            return Need.EDIT if share.access == Access.EDIT else Need.VIEW
    return None


def allows(have: Need | None, need: Need) -> bool:
    order = {Need.VIEW: 1, Need.EDIT: 2, Need.OWN: 3}
    return have is not None and order[have] >= order[need]


def one_of(objects: QuerySet[Any], public_id: object) -> Any:
    """The object with this public id among ``objects`` (already narrowed to one case), or Http404:
    a malformed id and another case's id look the same as one that does not exist."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404("Not found") from None
    found = objects.filter(public_id=key).first()
    if found is None:
        raise Http404("Not found")
    return found


def case_for(user: User | Any, public_id: uuid.UUID | str, need: Need) -> Case:
    """The case with this id if this person may do ``need`` with it; otherwise Http404."""
    case: Case = one_of(Case.objects.select_related("owner"), public_id)
    if not allows(access_of(user, case), need):
        raise Http404("No such case")
    return case


# -- refusals are audited ------------------------------------------------------------------------

# The URL arguments that name an object. Their values (the ids asked for) are what a refusal
# records: never anything found, so that the audit row is the same whether the object exists.
_OBJECT_ARGUMENTS = {
    "evidence_id": "evidence",
    "note_id": "entry",
    "entry_id": "entry",
    "letter_id": "letter",
    "bundle_id": "bundle",
    "share_id": "share",
    "concern_id": "concern",
    "case_id": "case",
}


def refusal_record(request: HttpRequest) -> None:
    """Record that this request was refused (a 403, or a 404 for something that is not theirs or
    does not exist): who asked, which page or operation, and the id they asked for."""
    from .audit import Action, audit_record

    match = request.resolver_match
    if match is None or not match.url_name:
        return
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        user = getattr(request, "auth", None)  # the API's bearer token
    if not getattr(user, "is_authenticated", False):
        return  # nobody signed in: sent to sign in (or 401) before anything is looked up
    kwargs = match.kwargs
    api = match.view_name.startswith("api:")
    asked = next((name for name in _OBJECT_ARGUMENTS if name in kwargs), "")
    if asked:
        what = _OBJECT_ARGUMENTS[asked]  # the kind of object asked for
    elif api:  # an operation on no object: its method and path (one URL serves several methods)
        what = f"api {request.method} {match.route.removeprefix('api/v1/')}"
    else:
        what = match.view_name  # a page on no object: its name
    audit_record(
        actor=user,
        action=Action.ACCESS_REFUSED,
        object_type=what[:40],
        object_id=str(kwargs[asked])[:64] if asked else "",
        via="api" if api else "web",
    )


class RefusalAuditMiddleware:
    """Audits every refused request to a page or API operation of the site: 403s, and the 404s
    that answer a request for someone else's case, or for an id that does not exist (the two are
    answered, and recorded, alike). The response itself is not changed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in (403, 404):
            refusal_record(request)
        return response
