"""Every deadline across a person's cases: overdue, due in the next 7 days, and later.

The dates come from the rules (``advice.concern_view``), worked out for the day asked about, so
the working days left count Saturdays, Sundays and England and Wales bank holidays the same way
as the advice does. Concerns marked resolved, and deadlines the rules cannot date yet (a start
date is missing), are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from sendroute.rules import RuleSet
from sendroute.rules.advice import DeadlineOut
from sendroute.rules.dates import format_date

from .access import cases_visible_to
from .advice import concern_view, rules_for, today
from .models import Case, Concern

Group = Literal["overdue", "soon", "later"]

# "Due in the next 7 days": today and the 7 calendar days after it. Calendar days, not working
# days, so that the heading means what it says whatever bank holidays fall in the week.
SOON_DAYS = 7


@dataclass(frozen=True)
class DeadlineRow:
    """One dated deadline of one concern, as it stands on ``on``."""

    case: Case
    concern: Concern
    deadline: DeadlineOut
    date: dt.date
    working_days_left: int | None  # None only when the date is beyond the known bank holidays
    on: dt.date

    @property
    def days_left(self) -> int:
        """Calendar days from ``on`` to the date (negative once it has passed)."""
        return (self.date - self.on).days

    @property
    def group(self) -> Group:
        if self.date < self.on:
            return "overdue"
        if self.days_left <= SOON_DAYS:
            return "soon"
        return "later"

    @property
    def date_text(self) -> str:
        return format_date(self.date)

    @property
    def time_left(self) -> str:
        return time_left_text(self.date, self.on, self.working_days_left)

    @property
    def url(self) -> str:
        return concern_path(self.concern)


@dataclass(frozen=True)
class DeadlineGroups:
    overdue: list[DeadlineRow] = field(default_factory=list)
    soon: list[DeadlineRow] = field(default_factory=list)
    later: list[DeadlineRow] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.overdue or self.soon or self.later)


def _count(amount: int, one: str, many: str) -> str:
    return f"{amount} {one if amount == 1 else many}"


def time_left_text(date: dt.date, on: dt.date, working_days_left: int | None) -> str:
    """'Due today', '3 working days left', '2 working days overdue' and the like."""
    if date == on:
        return "Due today"
    calendar_days = (date - on).days
    if date > on:
        if working_days_left is None:
            return _count(calendar_days, "day", "days") + " left"
        if working_days_left == 0:
            # The date is a Saturday, Sunday or bank holiday with no working day before it.
            return "No working days left"
        return _count(working_days_left, "working day", "working days") + " left"
    if working_days_left is None or working_days_left == 0:
        return _count(-calendar_days, "day", "days") + " overdue"
    return _count(-working_days_left, "working day", "working days") + " overdue"


def concern_path(concern: Concern) -> str:
    """The concern's page, or its case's page where there is no concern page."""
    try:
        return reverse(
            "cases:concern",
            kwargs={"case_id": concern.case.public_id, "concern_id": concern.public_id},
        )
    except NoReverseMatch:
        return reverse("cases:case", kwargs={"case_id": concern.case.public_id})


def open_concerns() -> QuerySet[Concern]:
    """Concerns not marked resolved, with their cases (one query)."""
    return Concern.objects.filter(resolved_on__isnull=True).select_related("case")


def rows_for_concerns(concerns: Iterable[Concern], on: dt.date) -> list[DeadlineRow]:
    """The dated deadlines of these concerns on ``on``, soonest first."""
    rules: dict[str, RuleSet] = {}
    rows = []
    for concern in concerns:
        if concern.resolved_on is not None:
            continue
        area = concern.case.area
        if area not in rules:
            rules[area] = rules_for(area)
        for deadline in concern_view(concern, rules[area], on).deadlines:
            if deadline.date is None:
                continue
            rows.append(
                DeadlineRow(
                    case=concern.case,
                    concern=concern,
                    deadline=deadline,
                    date=deadline.date,
                    working_days_left=deadline.working_days_left,
                    on=on,
                )
            )
    rows.sort(key=lambda r: (r.date, r.case.title.lower(), r.concern.pk, r.deadline.id))
    return rows


def deadlines_for(user: Any, on: dt.date | None = None) -> list[DeadlineRow]:
    """Every dated deadline of every open concern in the cases this person may see."""
    on = on or today()
    concerns = open_concerns().filter(case__in=cases_visible_to(user))
    return rows_for_concerns(concerns, on)


def deadlines_grouped(rows: Iterable[DeadlineRow]) -> DeadlineGroups:
    groups = DeadlineGroups()
    for row in rows:
        getattr(groups, row.group).append(row)
    return groups
