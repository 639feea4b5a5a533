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
    """Everything that happened in a case, oldest first, in a fixed number of queries: the stage
    events, the entries with their current revisions, and the files attached to entries (two
    queries when the caller passes the case's concerns and files, as the case page does; three
    otherwise, the concerns then joined to the events and entries).

    Rows are matched to their concern, current revision and files here, in Python, rather than
    through Django's related managers: a page of a few hundred entries would otherwise build a
    queryset per entry for each of them."""
    by_concern: dict[int | None, Concern] | None = (
        None if concerns is None else {c.pk: c for c in concerns}
    )
    files: dict[int, list[Evidence]] = {}
    attached = (
        Evidence.objects.filter(case=case, entry__isnull=False) if evidence is None else evidence
    )
    for f in attached:
        if f.entry_id is not None:
            files.setdefault(f.entry_id, []).append(f)

    def concern_of(row: StageEvent | Entry) -> Concern | None:
        if by_concern is None:
            return row.concern  # joined by select_related
        return by_concern.get(row.concern_id)

    items: list[TimelineItem] = []
    events = StageEvent.objects.filter(concern__case=case)
    if by_concern is None:
        events = events.select_related("concern")
    for event in events:
        items.append(
            TimelineItem(event.date, "event", event.get_kind_display(), concern_of(event), event)
        )
    latest = EntryRevision.objects.filter(entry=OuterRef("entry")).order_by("-number")
    revisions = EntryRevision.objects.filter(
        entry__case=case, number=Subquery(latest.values("number")[:1])
    )
    revisions = revisions.select_related(
        *(["entry"] if by_concern is not None else ["entry", "entry__concern"])
    ).order_by("entry__date", "entry__created_at", "entry__id")  # as Entry's own ordering
    for revision in revisions:
        entry = revision.entry
        items.append(
            TimelineItem(
                entry.date,
                entry.kind,
                revision.title,
                concern_of(entry),
                entry,
                revision,
                tuple(files.get(entry.pk, ())),
            )
        )
    items.sort(key=lambda i: i.sort_key)
    return items[-limit:] if limit else items
