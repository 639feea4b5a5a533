"""Download everything: a zip of every case a person owns, as ``export.json`` plus the evidence
files under ``files/``. Only cases the person owns are included, never ones shared with them.

``export.json`` holds, for each case: its details, its concerns (with the answers they were
advised on and what happened at each stage), every timeline entry with ALL its revisions,
evidence details (with each file's SHA-256, to check the file), who it was shared with, and the
audit of who saw or changed it. Exporting is itself recorded in each case's audit.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from sendroute.accounts.models import User

from .audit import Action, audit_record
from .evidence_store import EvidenceUnavailable, evidence_download_name, evidence_open
from .models import AuditEvent, Case, Entry, EntryRevision, Evidence, Share, StageEvent

FORMAT = "sendroute-export/1"
# Zips up to this size stay in memory; bigger ones go to a temporary file on disk.
IN_MEMORY_BYTES = 10 * 1024 * 1024


def safe_name(name: str) -> str:
    """A file name that is safe in a zip on any computer: no folders, no odd characters."""
    base = Path(str(name).replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")
    return base[:100] or "file"


def evidence_path_in_zip(evidence: Evidence) -> str:
    return f"files/{evidence.public_id}-{safe_name(evidence_download_name(evidence))}"


def _when(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _email(user: User | None) -> str | None:
    return user.email if user is not None else None


def _owned_cases(owner: User) -> list[Case]:
    """Every case the person owns, with everything in it, in a fixed number of queries."""
    return list(
        Case.objects.filter(owner=owner)
        .order_by("created_at", "id")
        .prefetch_related(
            "concerns",
            Prefetch("concerns__events", queryset=StageEvent.objects.select_related("recorded_by")),
            Prefetch(
                "entries",
                queryset=Entry.objects.select_related("concern", "created_by").prefetch_related(
                    Prefetch(
                        "revisions",
                        queryset=EntryRevision.objects.select_related("edited_by").order_by(
                            "number"
                        ),
                    )
                ),
            ),
            Prefetch(
                "evidence",
                queryset=Evidence.objects.select_related("concern", "entry", "uploaded_by"),
            ),
            Prefetch(
                "shares",
                queryset=Share.objects.select_related("adviser").order_by("granted_at", "id"),
            ),
        )
    )


def _case_data(case: Case, audit: list[AuditEvent], people: dict[int, User]) -> dict[str, Any]:
    def ref(obj: Any) -> str | None:
        return str(obj.public_id) if obj is not None else None

    return {
        "id": str(case.public_id),
        "title": case.title,
        "area": case.area,
        "child_name": case.child_name,
        "child_birth_year": case.child_birth_year,
        "child_school_year": case.child_school_year,
        "child_has_ehc_plan": case.child_has_ehc_plan,
        "child_setting": case.child_setting,
        "version": case.version,
        "created_at": _when(case.created_at),
        "updated_at": _when(case.updated_at),
        "concerns": [
            {
                "id": str(c.public_id),
                "route": c.route,
                "title": c.title,
                "facts": c.facts,
                "pack_version": c.pack_version,
                "current_step": c.current_step,
                "last_advice": c.last_advice,
                "resolved_on": _when(c.resolved_on),
                "version": c.version,
                "created_at": _when(c.created_at),
                "updated_at": _when(c.updated_at),
                "events": [
                    {
                        "id": str(e.public_id),
                        "step": e.step,
                        "kind": e.kind,
                        "date": _when(e.date),
                        "how": e.how,
                        "to_whom": e.to_whom,
                        "outcome": e.outcome,
                        "summary": e.summary,
                        "recorded_by": _email(e.recorded_by),
                        "recorded_at": _when(e.recorded_at),
                    }
                    for e in c.events.all()
                ],
            }
            for c in case.concerns.all()
        ],
        "timeline": [
            {
                "id": str(entry.public_id),
                "kind": entry.kind,
                "concern": ref(entry.concern),
                "date": _when(entry.date),
                "version": entry.version,
                "created_by": _email(entry.created_by),
                "created_at": _when(entry.created_at),
                "revisions": [
                    {
                        "number": r.number,
                        "date": _when(r.date),
                        "title": r.title,
                        "people": r.people,
                        "body": r.body,
                        "actions": r.actions,
                        "edited_by": _email(r.edited_by),
                        "edited_at": _when(r.edited_at),
                    }
                    for r in entry.revisions.all()
                ],
            }
            for entry in case.entries.all()
        ],
        "evidence": [
            {
                "id": str(ev.public_id),
                "title": ev.title,
                "original_name": ev.original_name,
                "content_type": ev.content_type,
                "size": ev.size,
                "sha256": ev.sha256,
                "document_date": _when(ev.document_date),
                "concern": ref(ev.concern),
                "entry": ref(ev.entry),
                "uploaded_by": _email(ev.uploaded_by),
                "uploaded_at": _when(ev.uploaded_at),
                "file": evidence_path_in_zip(ev),
            }
            for ev in case.evidence.all()
        ],
        "shares": [
            {
                "adviser": s.adviser.email,
                "access": s.access,
                "granted_at": _when(s.granted_at),
                "revoked_at": _when(s.revoked_at),
            }
            for s in case.shares.all()
        ],
        "audit": [
            {
                "at": _when(a.at),
                "who": _email(people.get(a.actor_id)) if a.actor_id else None,
                "role": a.actor_role,
                "action": a.action,
                "object_type": a.object_type,
                "object_id": a.object_id,
                "via": a.via,
            }
            for a in audit
        ],
    }


def export_zip(*, owner: User, via: str = "web") -> IO[bytes]:
    """Build the zip of everything ``owner`` owns; returns an open file, at its start.

    Each file is checked against its SHA-256 first (``evidence_store.evidence_open``). One that
    is missing, or has changed since it was uploaded, is left out of the zip and listed in
    export.json with ``"file_unavailable": "missing"`` (or ``"changed"``).
    """
    cases = _owned_cases(owner)
    with transaction.atomic():
        for case in cases:
            audit_record(actor=owner, action=Action.CASE_EXPORTED, case=case, obj=case, via=via)
    audit_rows: dict[int, list[AuditEvent]] = {case.pk: [] for case in cases}
    for event in AuditEvent.objects.filter(case_id__in=list(audit_rows)).order_by("at", "id"):
        audit_rows[event.case_id].append(event)  # type: ignore[index]
    actor_ids = {e.actor_id for rows in audit_rows.values() for e in rows if e.actor_id}
    people = {u.pk: u for u in User.objects.filter(pk__in=actor_ids)}
    cases_data = [_case_data(case, audit_rows[case.pk], people) for case in cases]
    data = {
        "format": FORMAT,
        "exported_at": _when(timezone.now()),
        "person": {"email": owner.email, "role": owner.role, "joined": _when(owner.date_joined)},
        "cases": cases_data,
    }
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115 - returned open
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for case_data, case in zip(cases_data, cases, strict=True):
            for item, evidence in zip(case_data["evidence"], case.evidence.all(), strict=True):
                try:
                    stored = evidence_open(evidence)
                except EvidenceUnavailable as exc:
                    item["file_unavailable"] = exc.reason
                    continue
                with stored, archive.open(item["file"], "w") as copy:
                    shutil.copyfileobj(stored, copy)
        archive.writestr("export.json", json.dumps(data, indent=2, ensure_ascii=False))
    out.seek(0)
    return out
