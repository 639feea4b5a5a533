"""Date arithmetic for time limits: each way of counting is a named, cited function.

Every function returns the last day on which something is in time, together with the steps that
explain how that day was reached, so that any date sendroute shows can be explained to the person
who has to act on it.

Counting rules (domain.md):
- R-TIME-03: "within N working days of X" counts X as day 0 and ends on the Nth working day;
  "N calendar days" is X + N; "N months after X" ends on the corresponding date, or on the last day
  of the month when that date does not exist (Dodds v Walker).
- R-TIME-04: "12 months beginning with" a day ends the day *before* the anniversary (LGSCO,
  LGA 1974 s.26B); "not later than 12 months after" includes the anniversary (NHS reg 12, PHSO).
- R-EHC-03: weeks are 7-day weeks from day 0; "N days beginning with" counts the first day as day 1.
- R-TRIB-02: the Tribunal's rule 12 moves deadlines out of 25 December to 1 January and out of
  August, and off non-working days.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from .calendar import WorkingCalendar, england_and_wales

__all__ = [
    "METHODS",
    "Counted",
    "Method",
    "add_months",
    "apply_adjustment",
    "count",
    "format_date",
    "working_days_between",
]

Method = Literal[
    "months_after",
    "months_beginning_with",
    "calendar_days_after",
    "days_beginning_with",
    "weeks_after",
    "working_days_after",
]
Adjustment = Literal["none", "next_working_day", "tribunal_rule_12"]

METHODS: dict[str, str] = {
    "months_after": "calendar months after the start date, ending on the same date of the month "
    "(or the last day of the month when that date does not exist)",
    "months_beginning_with": "calendar months beginning with the start date, so the last day is "
    "the day before the same date of the month",
    "calendar_days_after": "calendar days after the start date, counting every day",
    "days_beginning_with": "days beginning with the start date, which counts as day 1",
    "weeks_after": "weeks after the start date, counting every day of the week",
    "working_days_after": "working days after the start date, leaving out Saturdays, Sundays "
    "and bank holidays in England and Wales",
}

UNITS: dict[str, tuple[str, str]] = {
    "months_after": ("calendar month", "calendar months"),
    "months_beginning_with": ("calendar month", "calendar months"),
    "calendar_days_after": ("calendar day", "calendar days"),
    "days_beginning_with": ("day", "days"),
    "weeks_after": ("week", "weeks"),
    "working_days_after": ("working day", "working days"),
}


def format_date(day: dt.date) -> str:
    """A date as people read it: 'Monday 6 May 2025'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def plural(amount: int, method: str) -> str:
    """'1 working day', '12 calendar months'."""
    one, many = UNITS[method]
    return f"{amount} {one if amount == 1 else many}"


@dataclass(frozen=True)
class Counted:
    """The last day in time, and the steps that explain it."""

    date: dt.date
    steps: tuple[str, ...] = field(default_factory=tuple)


def _last_day_of_month(year: int, month: int) -> int:
    return _cal.monthrange(year, month)[1]


def _shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding date ``months`` calendar months later, or that month's last day (R-TIME-03)."""
    year, month = _shift_month(day.year, day.month, months)
    return dt.date(year, month, min(day.day, _last_day_of_month(year, month)))


def _months_after(start: dt.date, amount: int, _: WorkingCalendar) -> Counted:
    end = add_months(start, amount)
    if end.day != start.day:
        note = (
            f"{format_date(start)} has no matching date {plural(amount, 'months_after')} later, "
            f"so the period ends on the last day of that month, {format_date(end)}."
        )
    else:
        note = f"{plural(amount, 'months_after')} after {format_date(start)} is {format_date(end)}."
    return Counted(end, (note,))


def _months_beginning_with(start: dt.date, amount: int, _: WorkingCalendar) -> Counted:
    year, month = _shift_month(start.year, start.month, amount)
    if start.day <= _last_day_of_month(year, month):
        anniversary = dt.date(year, month, start.day)
        end = anniversary - dt.timedelta(days=1)
        note = (
            f"A period of {plural(amount, 'months_beginning_with')} beginning with "
            f"{format_date(start)} includes that day, so it ends the day before "
            f"{format_date(anniversary)}: {format_date(end)}."
        )
    else:
        end = dt.date(year, month, _last_day_of_month(year, month))
        note = (
            f"A period of {plural(amount, 'months_beginning_with')} beginning with "
            f"{format_date(start)} ends on the last day of the month, {format_date(end)}, "
            "because that month has no matching date."
        )
    return Counted(end, (note,))


def _calendar_days_after(start: dt.date, amount: int, _: WorkingCalendar) -> Counted:
    end = start + dt.timedelta(days=amount)
    return Counted(
        end,
        (
            f"{plural(amount, 'calendar_days_after')} after {format_date(start)} is {format_date(end)}.",
        ),
    )


def _days_beginning_with(start: dt.date, amount: int, _: WorkingCalendar) -> Counted:
    end = start + dt.timedelta(days=amount - 1)
    return Counted(
        end,
        (
            f"{format_date(start)} is day 1 of {plural(amount, 'days_beginning_with')}, "
            f"so day {amount} is {format_date(end)}.",
        ),
    )


def _weeks_after(start: dt.date, amount: int, _: WorkingCalendar) -> Counted:
    end = start + dt.timedelta(weeks=amount)
    return Counted(
        end,
        (f"{plural(amount, 'weeks_after')} after {format_date(start)} is {format_date(end)}.",),
    )


def _working_days_after(start: dt.date, amount: int, cal: WorkingCalendar) -> Counted:
    cal.check(start)
    day = cal.nth_working_day_after(start, amount) if amount > 0 else start
    skipped = [
        f"{format_date(d)} ({name})"
        for d, name in cal.holidays_between(start, day)
        if d.weekday() < 5
    ]
    steps = [
        f"Counting {format_date(start)} as day 0, working day {amount} is {format_date(day)}.",
    ]
    if skipped:
        steps.append("Bank holidays left out: " + "; ".join(skipped) + ".")
    return Counted(day, tuple(steps))


_COUNTERS: dict[str, Callable[[dt.date, int, WorkingCalendar], Counted]] = {
    "months_after": _months_after,
    "months_beginning_with": _months_beginning_with,
    "calendar_days_after": _calendar_days_after,
    "days_beginning_with": _days_beginning_with,
    "weeks_after": _weeks_after,
    "working_days_after": _working_days_after,
}


def count(start: dt.date, amount: int, method: str, cal: WorkingCalendar | None = None) -> Counted:
    """The last day of a period of ``amount`` units counted by ``method`` from ``start``."""
    if method not in _COUNTERS:
        raise ValueError(f"unknown counting method {method!r}; use one of {sorted(_COUNTERS)}")
    if amount < 0:
        raise ValueError("a period cannot be negative")
    return _COUNTERS[method](start, amount, cal or england_and_wales())


def _next_working_day(day: dt.date, cal: WorkingCalendar) -> dt.date:
    while not cal.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def apply_adjustment(
    counted: Counted, adjustment: str, cal: WorkingCalendar | None = None
) -> Counted:
    """Move a last day under a named rule: none, next_working_day or tribunal_rule_12 (R-TRIB-02)."""
    cal = cal or england_and_wales()
    day = counted.date
    steps = list(counted.steps)
    if adjustment == "none":
        return counted
    if adjustment == "tribunal_rule_12":
        christmas = (day.month == 12 and day.day >= 25) or (day.month == 1 and day.day == 1)
        if christmas:
            new_year = dt.date(day.year + (1 if day.month == 12 else 0), 1, 1)
            moved = _next_working_day(new_year + dt.timedelta(days=1), cal)
            steps.append(
                f"{format_date(day)} falls between 25 December and 1 January, so the Tribunal "
                f"treats the appeal as in time on the first working day after 1 January: "
                f"{format_date(moved)}."
            )
            return Counted(moved, tuple(steps))
        if day.month == 8:
            moved = _next_working_day(dt.date(day.year, 9, 1), cal)
            steps.append(
                f"{format_date(day)} falls in August, so the Tribunal treats the appeal as in "
                f"time on the first working day after 31 August: {format_date(moved)}."
            )
            return Counted(moved, tuple(steps))
    if adjustment in ("tribunal_rule_12", "next_working_day"):
        reason = cal.non_working_reason(day)
        if reason is not None:
            moved = _next_working_day(day, cal)
            steps.append(
                f"{format_date(day)} is not a working day ({reason}), so the last day moves to "
                f"the next working day, {format_date(moved)}."
            )
            return Counted(moved, tuple(steps))
        return counted
    raise ValueError(
        f"unknown adjustment {adjustment!r}; use none, next_working_day or tribunal_rule_12"
    )


def working_days_between(today: dt.date, end: dt.date, cal: WorkingCalendar | None = None) -> int:
    """Working days after ``today`` up to and including ``end`` (negative when ``end`` has passed)."""
    cal = cal or england_and_wales()
    if end >= today:
        return cal.working_days_in(today, end)
    return -cal.working_days_in(end, today)
