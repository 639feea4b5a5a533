"""The audit trail: who saw or changed which case, and when. Rows are only ever added.

Only ids, the action and the actor are recorded: never anything about the child.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sendroute.accounts.models import User

from .models import AuditEvent, Case


class Action:
    CASE_VIEWED = "case.viewed"
    CASE_CREATED = "case.created"
    CASE_CHANGED = "case.changed"
    CASE_DELETED = "case.deleted"
    CASE_EXPORTED = "case.exported"
    CONCERN_VIEWED = "concern.viewed"
    CONCERN_CREATED = "concern.created"
    CONCERN_CHANGED = "concern.changed"
    EVENT_RECORDED = "stage.recorded"
    ENTRY_CREATED = "entry.created"
    ENTRY_EDITED = "entry.edited"
    ENTRY_VIEWED = "entry.viewed"
    EVIDENCE_UPLOADED = "evidence.uploaded"
    EVIDENCE_DOWNLOADED = "evidence.downloaded"
    EVIDENCE_DELETED = "evidence.deleted"
    SHARE_GRANTED = "share.granted"
    SHARE_REVOKED = "share.revoked"
    ACCESS_REFUSED = "access.refused"
    ACCOUNT_DELETED = "account.deleted"


LABELS = {
    Action.CASE_VIEWED: "Looked at the case",
    Action.CASE_CREATED: "Created the case",
    Action.CASE_CHANGED: "Changed the case details",
    Action.CASE_DELETED: "Deleted the case",
    Action.CASE_EXPORTED: "Downloaded everything in the case",
    Action.CONCERN_VIEWED: "Looked at a concern",
    Action.CONCERN_CREATED: "Added a concern",
    Action.CONCERN_CHANGED: "Changed a concern's answers",
    Action.EVENT_RECORDED: "Recorded what happened at a stage",
    Action.ENTRY_CREATED: "Added a note or letter",
    Action.ENTRY_EDITED: "Edited a note or letter",
    Action.ENTRY_VIEWED: "Looked at a note or letter's history",
    Action.EVIDENCE_UPLOADED: "Added a file",
    Action.EVIDENCE_DOWNLOADED: "Downloaded a file",
    Action.EVIDENCE_DELETED: "Deleted a file",
    Action.SHARE_GRANTED: "Shared the case",
    Action.SHARE_REVOKED: "Stopped sharing the case",
    Action.ACCESS_REFUSED: "Was refused access",
    Action.ACCOUNT_DELETED: "Deleted their account",
    "letter.created": "Drafted a letter",
    "letter.edited": "Changed a letter",
    "letter.sent": "Recorded that a letter was sent",
    "letter.downloaded": "Downloaded a letter",
    "bundle.created": "Asked for a bundle",
    "letter.viewed": "Looked at a letter",
    "bundle.downloaded": "Downloaded a bundle",
}


def audit_record(
    *,
    actor: User | Any | None,
    action: str,
    case: Case | None = None,
    obj: Any = None,
    via: str = "web",
) -> AuditEvent:
    """Add one audit row."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor_id=getattr(actor, "pk", None) if authenticated else None,
        actor_role=getattr(actor, "role", "") if authenticated else "",
        action=action,
        case_id=case.pk if case is not None else None,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=str(getattr(obj, "public_id", getattr(obj, "pk", ""))) if obj is not None else "",
        via=via,
    )


def case_audit(case: Case) -> QuerySet[AuditEvent]:
    """Everything recorded about one case, newest first."""
    return AuditEvent.objects.filter(case_id=case.pk)


def who_has_seen(case: Case) -> list[dict[str, Any]]:
    """Each person who has opened or changed this case: who, their role, what, and when."""
    events = list(case_audit(case)[:500])
    people = {u.pk: u for u in User.objects.filter(pk__in={e.actor_id for e in events})}
    rows = []
    for event in events:
        person = people.get(event.actor_id) if event.actor_id else None
        rows.append(
            {
                "at": event.at,
                "who": person.email if person else "An account that has been deleted",
                "role": person.get_role_display() if person else event.actor_role,
                "is_owner": person is not None and person.pk == case.owner_id,
                "what": LABELS.get(event.action, event.action),
                "via": event.via,
            }
        )
    return rows
