"""The case's one chronological view: stage events, notes and letters across its concerns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Subquery

from .models import Case, Concern, Entry, EntryRevision, Evidence, StageEvent


@dataclass(frozen=True)
class TimelineItem:
    date: dt.date
    kind: str  # "event" or an EntryKind
    title: str
    concern: Any
    item: Any  # the StageEvent, or the Entry
    revision: Any = None  # an entry's current revision
    evidence: tuple[Any, ...] = field(default=())  # the files attached to an entry

    @property
    def sort_key(self) -> tuple[dt.date, Any]:
        at = getattr(self.item, "recorded_at", None) or getattr(self.item, "created_at", None)
        return (self.date, at)


def case_timeline(
    case: Case,
    limit: int | None = None,
    *,
    concerns: Iterable[Concern] | None = None,
    evidence: Iterable[Evidence] | None = None,
) -> list[TimelineItem]:
    """Everything that happened in a case, oldest first, in a fixed number of queries (3, plus
    one each for the concerns and the files when the caller has not loaded them already).

    Rows are matched to their concern, current revision and files here, in Python, rather than
    through Django's related managers: a page of a few hundred entries would otherwise build a
    queryset per entry for each of them."""
    by_concern: dict[int | None, Concern] = {
        c.pk: c for c in (Concern.objects.filter(case=case) if concerns is None else concerns)
    }
    files: dict[int, list[Evidence]] = {}
    for f in Evidence.objects.filter(case=case) if evidence is None else evidence:
        if f.entry_id is not None:
            files.setdefault(f.entry_id, []).append(f)
    items: list[TimelineItem] = []
    for event in StageEvent.objects.filter(concern__case=case):
        concern = by_concern.get(event.concern_id)
        items.append(TimelineItem(event.date, "event", event.get_kind_display(), concern, event))
    latest = EntryRevision.objects.filter(entry=OuterRef("entry")).order_by("-number")
    current = {
        r.entry_id: r
        for r in EntryRevision.objects.filter(
            entry__case=case, number=Subquery(latest.values("number")[:1])
        )
    }
    for entry in Entry.objects.filter(case=case):
        revision = current[entry.pk]
        items.append(
            TimelineItem(
                entry.date,
                entry.kind,
                revision.title,
                by_concern.get(entry.concern_id),
                entry,
                revision,
                tuple(files.get(entry.pk, ())),
            )
        )
    items.sort(key=lambda i: i.sort_key)
    return items[-limit:] if limit else items
