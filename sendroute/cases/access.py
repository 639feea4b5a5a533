"""Who may see or change a case. Every view and API operation asks here, on the server.

A case is open to its owner, and to an adviser it is shared with (to view, or to view and edit),
until the owner revokes that. Nobody else sees it: not other families, not unlinked advisers,
not organisation staff, not administrators. A case someone may not see does not exist for them
(404, never 403), so that ids reveal nothing.
"""

from __future__ import annotations

import enum
import uuid
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

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
