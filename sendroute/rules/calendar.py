"""The working-day calendar: England and Wales bank holidays, and where our knowledge of them ends.

Bank holidays come from the Ministry of Justice package ``govuk-bank-holidays``, read from the copy
of GOV.UK's list that the package ships (``use_cached_holidays=True``), so nothing is fetched at run
time and results do not change under our feet. GOV.UK publishes whole years; the shipped list runs
from 2 January 2012 to 26 December 2028, so the calendar is known for 2012-01-01 to 2028-12-31.
A date outside that range raises :class:`BeyondCalendarError`: we never guess a bank holiday.

Sources: domain.md R-TIME-01 (what a working day is), R-TIME-02 and R-TIME-05 (the lists).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache

from govuk_bank_holidays.bank_holidays import BankHolidays

__all__ = ["BeyondCalendarError", "WorkingCalendar", "england_and_wales"]


class BeyondCalendarError(ValueError):
    """A date lies outside the years for which bank holidays are known."""

    def __init__(self, day: dt.date, first: dt.date, last: dt.date) -> None:
        super().__init__(
            f"{day.isoformat()} is outside the dates for which England and Wales bank holidays are "
            f"known ({first.isoformat()} to {last.isoformat()}), so working days cannot be counted "
            "safely. Update the govuk-bank-holidays package when GOV.UK publishes later years."
        )
        self.day = day
        self.first = first
        self.last = last


@dataclass(frozen=True)
class WorkingCalendar:
    """Weekends and a fixed set of holidays, valid between ``first`` and ``last`` inclusive."""

    holidays: dict[dt.date, str]
    first: dt.date
    last: dt.date
    source: str
    # Ordinals of every working day in range, ascending: counting becomes a binary search.
    _working: list[int] = field(init=False, repr=False, compare=False)
    _holiday_days: list[dt.date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        working = [
            n
            for n in range(self.first.toordinal(), self.last.toordinal() + 1)
            if dt.date.fromordinal(n).weekday() < 5 and dt.date.fromordinal(n) not in self.holidays
        ]
        object.__setattr__(self, "_working", working)
        object.__setattr__(self, "_holiday_days", sorted(self.holidays))

    def check(self, day: dt.date) -> None:
        """Raise :class:`BeyondCalendarError` if ``day`` is outside the known range."""
        if day < self.first or day > self.last:
            raise BeyondCalendarError(day, self.first, self.last)

    def is_working_day(self, day: dt.date) -> bool:
        """True for a Monday to Friday that is not a bank holiday (R-TIME-01)."""
        self.check(day)
        return day.weekday() < 5 and day not in self.holidays

    def nth_working_day_after(self, start: dt.date, n: int) -> dt.date:
        """The ``n``th working day after ``start`` (``start`` itself is day 0), for n >= 1."""
        self.check(start)
        index = bisect_right(self._working, start.toordinal()) + n - 1
        if index >= len(self._working):
            raise BeyondCalendarError(self.last + dt.timedelta(days=1), self.first, self.last)
        return dt.date.fromordinal(self._working[index])

    def working_days_in(self, after: dt.date, upto: dt.date) -> int:
        """How many working days fall after ``after`` and on or before ``upto``."""
        self.check(after)
        self.check(upto)
        return bisect_right(self._working, upto.toordinal()) - bisect_right(
            self._working, after.toordinal()
        )

    def holidays_between(self, after: dt.date, upto: dt.date) -> list[tuple[dt.date, str]]:
        """Bank holidays after ``after`` and on or before ``upto``, in date order."""
        low = bisect_right(self._holiday_days, after)
        high = bisect_right(self._holiday_days, upto)
        return [(d, self.holidays[d]) for d in self._holiday_days[low:high]]

    def non_working_reason(self, day: dt.date) -> str | None:
        """Why ``day`` is not a working day ("Saturday", "Good Friday" ...), or None if it is one."""
        self.check(day)
        if day.weekday() == 5:
            return "Saturday"
        if day.weekday() == 6:
            return "Sunday"
        return self.holidays.get(day)


@cache
def england_and_wales() -> WorkingCalendar:
    """The England and Wales calendar from the bank-holiday list shipped with govuk-bank-holidays."""
    data = BankHolidays(use_cached_holidays=True).get_holidays(
        division=BankHolidays.ENGLAND_AND_WALES
    )
    holidays = {entry["date"]: str(entry["title"]) for entry in data}
    first_year = min(holidays).year
    last_year = max(holidays).year
    return WorkingCalendar(
        holidays=holidays,
        first=dt.date(first_year, 1, 1),
        last=dt.date(last_year, 12, 31),
        source="GOV.UK England and Wales bank holidays, as shipped in govuk-bank-holidays 0.19",
    )
