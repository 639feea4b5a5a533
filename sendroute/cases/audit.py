"""The audit trail: who saw or changed which case, and when. Rows are only ever added.

Only ids, the action and the actor are recorded: never anything about the child.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
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
    object_type: str = "",
    object_id: str = "",
) -> AuditEvent:
    """Add one audit row. ``object_type`` and ``object_id`` name an object without loading it
    (a refusal records the id that was asked for)."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    if obj is not None:
        object_type = type(obj).__name__.lower()
        object_id = str(getattr(obj, "public_id", getattr(obj, "pk", "")))
    event = AuditEvent(
        actor_id=getattr(actor, "pk", None) if authenticated else None,
        actor_role=getattr(actor, "role", "") if authenticated else "",
        action=action,
        case_id=case.pk if case is not None else None,
        object_type=object_type,
        object_id=object_id,
        via=via,
    )
    # No savepoint when called inside another transaction (it is one unit with it): a savepoint
    # costs two statements inside the write lock, and nothing here is undone on its own.
    with transaction.atomic(savepoint=False):
        _chain_lock(event.case_id)
        previous = (
            AuditEvent.objects.filter(case_id=event.case_id)
            .order_by("-id")
            .values_list("chain", flat=True)
            .first()
        )
        event.chain = chain_hash(previous or "", event)
        event.save()
    return event


# -- the hash chain: an edit to an audit row is detected ----------------------------------------

# Each case's rows form one chain, in id order (and the rows about no case, such as refusals, one
# more): each row's chain value is the SHA-256 of the previous row's value and its own fields.
# Inserts into one chain are serialized: on PostgreSQL by a transaction-level advisory lock on the
# chain (held until the writing transaction ends), so that writes to different cases do not wait
# for each other; on SQLite every write transaction already holds the one write lock from its
# start (BEGIN IMMEDIATE).
_CHAIN_LOCK_KEY = 0x5E4DA0D


def _chain_lock(case_id: int | None) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_CHAIN_LOCK_KEY, (case_id or 0) % 2**31]
            )


def _fields(event: AuditEvent) -> list[Any]:
    at = event.at.astimezone(dt.UTC).isoformat() if event.at else ""
    return [
        at,
        event.actor_id,
        event.actor_role,
        event.action,
        event.case_id,
        event.object_type,
        event.object_id,
        event.via,
    ]


def chain_hash(previous: str, event: AuditEvent) -> str:
    """The chain value of ``event``: SHA-256 of the previous row's chain value and its fields."""
    text = json.dumps([previous, *_fields(event)], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _heads_digest(heads: dict[int | None, str]) -> str:
    text = json.dumps(sorted(([k or 0, v] for k, v in heads.items()), key=lambda kv: kv[0]))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    """What ``verify_chain`` found. ``first_broken`` is the id of the first row whose chain value
    does not follow from the row before it in its chain (it was changed, or a row before it was
    removed), or the checkpoint's id when the rows up to the checkpoint no longer end as they did;
    None when everything checks. ``unchained`` counts rows written before their chain began
    (bulk-loaded rows), which are not covered. ``checkpoint`` is (last id, digest of every chain's
    last value): kept somewhere else and given back later, it also detects the newest rows of a
    chain being removed, which a chain alone cannot."""

    checked: int
    first_broken: int | None
    unchained: int
    checkpoint: tuple[int, str] | None

    @property
    def intact(self) -> bool:
        return self.first_broken is None


def verify_chain(*, checkpoint: tuple[int, str] | None = None, batch: int = 5000) -> ChainCheck:
    """Walk the audit rows in id order and check every chain value (one pass; memory grows with
    the number of cases, one 64-character value each)."""
    heads: dict[int | None, str] = {}
    checked = unchained = 0
    first_broken: int | None = None
    last_id: int | None = None
    checkpoint_ok = checkpoint is None

    def at_checkpoint() -> None:
        nonlocal checkpoint_ok
        checkpoint_ok = checkpoint is not None and _heads_digest(heads) == checkpoint[1]

    rows = AuditEvent.objects.order_by("id").only(
        "id", "at", "actor_id", "actor_role", "action", "case_id", "object_type", "object_id",
        "via", "chain",
    )  # fmt: skip
    for event in rows.iterator(chunk_size=batch):
        if checkpoint is not None and last_id is not None and last_id <= checkpoint[0] < event.pk:
            at_checkpoint()
        last_id = event.pk
        key = event.case_id
        if event.chain is None and key not in heads:
            unchained += 1
            continue
        checked += 1
        if first_broken is None and event.chain != chain_hash(heads.get(key, ""), event):
            first_broken = event.pk
        heads[key] = event.chain or ""
    if checkpoint is not None and (last_id is None or last_id <= checkpoint[0]):
        at_checkpoint()
    if not checkpoint_ok and first_broken is None and checkpoint is not None:
        first_broken = checkpoint[0]
    mark = (last_id, _heads_digest(heads)) if last_id is not None else None
    return ChainCheck(checked, first_broken, unchained, mark)


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
