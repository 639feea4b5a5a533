"""The case's one chronological view: stage events, notes and letters across its concerns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .models import Case, Entry, StageEvent


@dataclass(frozen=True)
class TimelineItem:
    date: dt.date
    kind: str  # "event" or an EntryKind
    title: str
    concern: Any
    item: Any  # the StageEvent, or the Entry
    revision: Any = None  # an entry's current revision

    @property
    def sort_key(self) -> tuple[dt.date, Any]:
        at = getattr(self.item, "recorded_at", None) or getattr(self.item, "created_at", None)
        return (self.date, at)


def case_timeline(case: Case, limit: int | None = None) -> list[TimelineItem]:
    """Everything that happened in a case, oldest first (a fixed number of queries)."""
    items: list[TimelineItem] = []
    events = StageEvent.objects.filter(concern__case=case).select_related("concern")
    for event in events:
        items.append(
            TimelineItem(event.date, "event", event.get_kind_display(), event.concern, event)
        )
    entries = (
        Entry.objects.filter(case=case)
        .select_related("concern")
        .prefetch_related("revisions", "evidence")
    )
    for entry in entries:
        revision = max(entry.revisions.all(), key=lambda r: r.number)
        items.append(
            TimelineItem(entry.date, entry.kind, revision.title, entry.concern, entry, revision)
        )
    items.sort(key=lambda i: i.sort_key)
    return items[-limit:] if limit else items
