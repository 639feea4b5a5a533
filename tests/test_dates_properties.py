"""Properties of the counting methods that must hold for every date, checked with hypothesis.

Dates that need the working-day calendar stay inside 2012-01-01..2028-11-30 and periods stay
short, so no count runs past the end of the bank-holiday list (2028-12-31).
"""

from __future__ import annotations

import calendar
import datetime as dt

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sendroute.rules.calendar import england_and_wales
from sendroute.rules.dates import add_months, count, working_days_between

FAST = settings(max_examples=200, deadline=None)

any_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
calendar_dates = st.dates(min_value=dt.date(2012, 1, 1), max_value=dt.date(2028, 11, 30))
months = st.integers(min_value=0, max_value=600)
# 15 working days never span more than about 25 calendar days, even over Christmas.
working_days = st.integers(min_value=1, max_value=15)


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _naive_working_days(after: dt.date, upto: dt.date) -> int:
    """Working days after ``after`` up to ``upto``, counted one day at a time from the raw list."""
    holidays = england_and_wales().holidays
    n = 0
    day = after + dt.timedelta(days=1)
    while day <= upto:
        if day.weekday() < 5 and day not in holidays:
            n += 1
        day += dt.timedelta(days=1)
    return n


@FAST
@given(any_dates, months)
def test_add_months_moves_exactly_that_many_months_and_clamps_the_day(day, n):
    result = add_months(day, n)
    assert _month_index(result) - _month_index(day) == n
    assert result.day == min(day.day, calendar.monthrange(result.year, result.month)[1])


@FAST
@given(any_dates, months)
def test_months_after_is_add_months(day, n):
    assert count(day, n, "months_after").date == add_months(day, n)


@FAST
@given(any_dates, st.integers(min_value=1, max_value=600))
def test_months_beginning_with_ends_the_day_before_an_existing_corresponding_date(day, n):
    corresponding = add_months(day, n)
    end = count(day, n, "months_beginning_with").date
    if corresponding.day == day.day:
        assert end == corresponding - dt.timedelta(days=1)
    else:
        # No matching date that month: the period runs to the month's last day.
        assert end == corresponding
    assert end <= count(day, n, "months_after").date


@FAST
@given(any_dates, st.integers(min_value=1, max_value=1000))
def test_days_beginning_with_ends_one_day_before_calendar_days_after(day, n):
    assert count(day, n, "days_beginning_with").date == count(
        day, n, "calendar_days_after"
    ).date - dt.timedelta(days=1)


@FAST
@given(any_dates, st.integers(min_value=0, max_value=100))
def test_weeks_after_is_seven_calendar_days_a_week(day, n):
    assert count(day, n, "weeks_after").date == count(day, 7 * n, "calendar_days_after").date


@FAST
@given(calendar_dates, working_days)
def test_working_days_after_lands_on_a_working_day(day, n):
    assert england_and_wales().is_working_day(count(day, n, "working_days_after").date)


@FAST
@given(calendar_dates, working_days)
def test_working_days_after_never_lands_on_a_weekend_or_bank_holiday(day, n):
    result = count(day, n, "working_days_after").date
    assert result.weekday() < 5
    assert result not in england_and_wales().holidays


@FAST
@given(calendar_dates, working_days, working_days)
def test_working_days_after_is_strictly_increasing_in_the_number_of_days(day, a, b):
    if a == b:
        return
    low, high = sorted((a, b))
    assert count(day, low, "working_days_after").date < count(day, high, "working_days_after").date


@FAST
@given(calendar_dates, working_days)
def test_working_days_between_the_start_and_the_result_is_the_number_counted(day, n):
    result = count(day, n, "working_days_after").date
    assert working_days_between(day, result) == n
    assert _naive_working_days(day, result) == n


@FAST
@given(calendar_dates, working_days)
def test_the_day_before_the_result_is_one_working_day_short(day, n):
    result = count(day, n, "working_days_after").date
    assert working_days_between(day, result - dt.timedelta(days=1)) == n - 1


@FAST
@given(calendar_dates, calendar_dates)
def test_working_days_between_is_antisymmetric(a, b):
    assert working_days_between(a, b) == -working_days_between(b, a)


@FAST
@given(calendar_dates, st.integers(min_value=0, max_value=60))
def test_working_days_between_matches_a_day_by_day_count(a, span):
    b = a + dt.timedelta(days=span)
    assume(b <= dt.date(2028, 12, 31))  # inside the known bank holidays
    assert working_days_between(a, b) == _naive_working_days(a, b)
