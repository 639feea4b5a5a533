"""An adviser's caseload: every concern of every case shared with them, with its route, its
current stage and its next deadline, and the filters an adviser uses to find what needs doing.

The rows are worked out in a fixed number of queries, however many cases there are: the cases
(with their owners and the adviser's access), then their concerns. Each concern's deadlines come
from ``advice.concern_view`` (the rules, not the database).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Subquery

from sendroute.accounts.models import User
from sendroute.rules.advice import DeadlineOut

from .access import cases_visible_to
from .advice import concern_view, rules_for, today
from .models import Case, Concern, Share

# A deadline within this many working days (today included) is "due soon".
DUE_SOON_WORKING_DAYS = 5
OVERDUE_STATUSES = frozenset({"expired", "expired_discretion"})
LIVE_STATUSES = frozenset({"open", "last_day"})

STATUS_ALL = "all"
STATUS_OVERDUE = "overdue"
STATUS_DUE_SOON = "due_soon"
STATUSES = (STATUS_ALL, STATUS_OVERDUE, STATUS_DUE_SOON)


@dataclass(frozen=True)
class CaseloadFilters:
    """What the adviser asked to see. Unknown status values mean "all"."""

    status: str = STATUS_ALL
    routes: frozenset[str] = frozenset()
    stages: frozenset[str] = frozenset()

    @classmethod
    def read(
        cls, status: str | None, routes: Iterable[str], stages: Iterable[str]
    ) -> CaseloadFilters:
        return cls(
            status=status if status in STATUSES else STATUS_ALL,
            routes=frozenset(r for r in routes if r),
            stages=frozenset(s for s in stages if s),
        )

    @property
    def any(self) -> bool:
        return self.status != STATUS_ALL or bool(self.routes) or bool(self.stages)


@dataclass(frozen=True)
class CaseloadRow:
    """One concern of a case shared with the adviser (or a case with no concerns yet)."""

    case: Case
    owner_email: str
    access: str  # the adviser's share: "view" or "edit"
    concern: Concern | None = None
    route_id: str = ""
    route_title: str = ""
    stage_id: str = ""
    stage_title: str = ""
    resolved_on: dt.date | None = None
    next_deadline: DeadlineOut | None = None
    overdue: tuple[DeadlineOut, ...] = ()
    due_soon: tuple[DeadlineOut, ...] = ()

    @property
    def is_overdue(self) -> bool:
        return bool(self.overdue)

    @property
    def is_due_soon(self) -> bool:
        return bool(self.due_soon)

    @property
    def sort_key(self) -> tuple[int, dt.date, str, str]:
        if self.is_overdue:
            rank, day = 0, min(d.date for d in self.overdue if d.date is not None)
        elif self.next_deadline is not None and self.next_deadline.date is not None:
            rank, day = 1, self.next_deadline.date
        else:
            rank, day = 2, dt.date.max
        return (rank, day, self.case.title.lower(), self.route_title)


@dataclass(frozen=True)
class Caseload:
    rows: list[CaseloadRow]
    # Every route and stage in the adviser's whole caseload (before filtering), for the filters.
    route_options: list[tuple[str, str]] = field(default_factory=list)
    stage_options: list[tuple[str, str]] = field(default_factory=list)
    total: int = 0


def _deadline_groups(
    deadlines: Iterable[DeadlineOut],
) -> tuple[DeadlineOut | None, tuple[DeadlineOut, ...], tuple[DeadlineOut, ...]]:
    """The next deadline still to come, the deadlines passed, and those due soon."""
    dated = [(d.date, d) for d in deadlines if d.date is not None]
    dated.sort(key=lambda pair: pair[0])
    overdue = tuple(d for _, d in dated if d.status in OVERDUE_STATUSES)
    live = [d for _, d in dated if d.status in LIVE_STATUSES]
    due_soon = tuple(
        d
        for d in live
        if d.working_days_left is not None and 0 <= d.working_days_left <= DUE_SOON_WORKING_DAYS
    )
    return (live[0] if live else None), overdue, due_soon


def _row(case: Case, access: str, concern: Concern | None, on: dt.date) -> CaseloadRow:
    base: dict[str, Any] = {"case": case, "owner_email": case.owner.email, "access": access}
    if concern is None:
        return CaseloadRow(**base)
    rules = rules_for(case.area)
    routes = {r.spec.id: r.spec.title for r in rules.routes}
    try:
        stage_title = rules.step(concern.current_step).spec.title if concern.current_step else ""
    except KeyError:
        stage_title = concern.current_step
    row = {
        **base,
        "concern": concern,
        "route_id": concern.route,
        "route_title": routes.get(concern.route, concern.route),
        "stage_id": concern.current_step,
        "stage_title": stage_title,
        "resolved_on": concern.resolved_on,
    }
    if concern.resolved_on is not None:
        # A resolved concern has nothing left to do: its dates are not chased.
        return CaseloadRow(**row)
    next_deadline, overdue, due_soon = _deadline_groups(concern_view(concern, rules, on).deadlines)
    return CaseloadRow(**row, next_deadline=next_deadline, overdue=overdue, due_soon=due_soon)


def _matches(row: CaseloadRow, filters: CaseloadFilters) -> bool:
    if filters.status == STATUS_OVERDUE and not row.is_overdue:
        return False
    if filters.status == STATUS_DUE_SOON and not row.is_due_soon:
        return False
    if filters.routes and row.route_id not in filters.routes:
        return False
    return not (filters.stages and row.stage_id not in filters.stages)


def caseload_cases(adviser: User) -> list[tuple[Case, str, list[Concern]]]:
    """Every case shared with the adviser (with its owner), the adviser's access to it ("view"
    or "edit") and its concerns: two queries, however many cases."""
    access = Share.objects.filter(
        case=OuterRef("pk"), adviser=adviser, revoked_at__isnull=True
    ).values("access")[:1]
    cases = list(
        cases_visible_to(adviser).select_related("owner").annotate(adviser_access=Subquery(access))
    )
    concerns: dict[int, list[Concern]] = {}
    for concern in Concern.objects.filter(case__in=[case.pk for case in cases]):
        concerns.setdefault(concern.case_id, []).append(concern)
    return [(case, case.adviser_access or "", concerns.get(case.pk, [])) for case in cases]


def caseload_for(adviser: User, filters: CaseloadFilters | None = None) -> Caseload:
    """The adviser's caseload, filtered, most urgent first."""
    filters = filters or CaseloadFilters()
    on = today()
    rows: list[CaseloadRow] = []
    for case, access, concerns in caseload_cases(adviser):
        if not concerns:
            rows.append(_row(case, access, None, on))
        rows.extend(_row(case, access, c, on) for c in concerns)
    route_options = sorted(
        {(r.route_id, r.route_title) for r in rows if r.route_id}, key=lambda o: o[1]
    )
    stage_options = sorted(
        {(r.stage_id, r.stage_title) for r in rows if r.stage_id}, key=lambda o: o[1]
    )
    chosen = sorted((r for r in rows if _matches(r, filters)), key=lambda r: r.sort_key)
    return Caseload(chosen, route_options, stage_options, total=len(rows))
