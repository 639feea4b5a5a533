"""Each named way of counting a time limit, at its boundaries, with the worked examples of domain.md.

Every case is written out by hand (domain.md R-TIME-03, R-TIME-04, R-TIME-05, R-EHC-03, R-TRIB-02,
R-TRANS-*), so a change to the counting code cannot silently change what a test expects.
"""

from __future__ import annotations

import datetime as dt

import pytest

from sendroute.rules.calendar import england_and_wales
from sendroute.rules.dates import (
    METHODS,
    Counted,
    add_months,
    apply_adjustment,
    count,
    working_days_between,
)

D = dt.date
NEW_YEARS_DAY = "New Year\u2019s Day"  # GOV.UK writes it with a typographic apostrophe


def _on(day: dt.date) -> Counted:
    """A last day with no explanation yet, for testing adjustments on their own."""
    return Counted(day, ())


# --- months_after: the corresponding date, or the month's last day (R-TIME-03) --------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        pytest.param(D(2025, 1, 31), 1, D(2025, 2, 28), id="31 Jan + 1 = 28 Feb"),
        pytest.param(D(2028, 1, 31), 1, D(2028, 2, 29), id="31 Jan 2028 + 1 = 29 Feb (leap)"),
        pytest.param(D(2025, 3, 31), 1, D(2025, 4, 30), id="31 Mar + 1 = 30 Apr"),
        pytest.param(D(2025, 8, 31), 1, D(2025, 9, 30), id="31 Aug + 1 = 30 Sep"),
        pytest.param(D(2025, 11, 30), 3, D(2026, 2, 28), id="30 Nov + 3 = 28 Feb"),
        pytest.param(D(2025, 12, 31), 2, D(2026, 2, 28), id="31 Dec + 2 = 28 Feb"),
        pytest.param(D(2024, 2, 29), 12, D(2025, 2, 28), id="29 Feb 2024 + 12 = 28 Feb 2025"),
        pytest.param(D(2024, 2, 29), 48, D(2028, 2, 29), id="29 Feb 2024 + 48 = 29 Feb 2028"),
        pytest.param(D(2025, 2, 28), 1, D(2025, 3, 28), id="28 Feb + 1 = 28 Mar, not 31 Mar"),
        pytest.param(D(2025, 11, 15), 3, D(2026, 2, 15), id="across a year end"),
        pytest.param(D(2025, 10, 1), 2, D(2025, 12, 1), id="IPSEA: 1 Oct + 2 = 1 Dec"),
        pytest.param(D(2025, 11, 29), 1, D(2025, 12, 29), id="IPSEA: 29 Nov + 1 = 29 Dec"),
        pytest.param(D(2025, 6, 15), 0, D(2025, 6, 15), id="0 months is the same day"),
    ],
)
def test_months_after_ends_on_the_corresponding_date_or_the_last_day_of_the_month(
    start, months, expected
):
    assert count(start, months, "months_after").date == expected
    assert add_months(start, months) == expected


def test_months_after_explains_when_the_month_has_no_matching_date():
    counted = count(D(2025, 1, 31), 1, "months_after")
    assert counted.steps == (
        "Friday 31 January 2025 has no matching date 1 calendar month later, so the period ends "
        "on the last day of that month, Friday 28 February 2025.",
    )


def test_months_after_explains_the_corresponding_date():
    counted = count(D(2025, 10, 1), 2, "months_after")
    assert counted.steps == (
        "2 calendar months after Wednesday 1 October 2025 is Monday 1 December 2025.",
    )


# --- months_beginning_with: ends the day before the corresponding date (R-TIME-04) ----------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        pytest.param(D(2024, 2, 29), 12, D(2025, 2, 28), id="29 Feb 2024, no 29 Feb 2025"),
        pytest.param(D(2025, 3, 1), 12, D(2026, 2, 28), id="1 Mar 2025 -> 28 Feb 2026"),
        pytest.param(D(2023, 3, 1), 12, D(2024, 2, 29), id="1 Mar 2023 -> 29 Feb 2024 (leap)"),
        pytest.param(D(2026, 1, 10), 3, D(2026, 4, 9), id="LGSCO: Sat 10 Jan 2026 -> Thu 9 Apr"),
        pytest.param(D(2026, 1, 10), 12, D(2027, 1, 9), id="12 months ends before anniversary"),
        pytest.param(D(2026, 1, 1), 12, D(2026, 12, 31), id="1 Jan -> 31 Dec same year"),
        pytest.param(D(2025, 3, 1), 1, D(2025, 3, 31), id="1 Mar + 1 -> 31 Mar"),
        pytest.param(D(2025, 1, 31), 1, D(2025, 2, 28), id="31 Jan + 1: no 31 Feb"),
        pytest.param(D(2025, 12, 15), 2, D(2026, 2, 14), id="across a year end"),
    ],
)
def test_months_beginning_with_ends_the_day_before_the_corresponding_date(start, months, expected):
    assert count(start, months, "months_beginning_with").date == expected


def test_lgsco_period_ends_the_day_before_the_anniversary():
    notice = D(2025, 6, 10)
    anniversary = D(2026, 6, 10)
    assert count(notice, 12, "months_beginning_with").date == anniversary - dt.timedelta(days=1)
    assert count(notice, 12, "months_after").date == anniversary


def test_months_beginning_with_explains_that_the_first_day_counts():
    (step,) = count(D(2026, 1, 10), 3, "months_beginning_with").steps
    assert "includes that day" in step
    assert "the day before Friday 10 April 2026: Thursday 9 April 2026" in step


def test_months_beginning_with_explains_a_missing_matching_date():
    (step,) = count(D(2024, 2, 29), 12, "months_beginning_with").steps
    assert "last day of the month, Friday 28 February 2025" in step
    assert "no matching date" in step


# --- calendar_days_after, days_beginning_with, weeks_after ----------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        pytest.param(D(2025, 1, 1), 28, D(2025, 1, 29), id="28 days"),
        pytest.param(D(2024, 2, 20), 10, D(2024, 3, 1), id="across 29 Feb 2024"),
        pytest.param(D(2025, 2, 20), 10, D(2025, 3, 2), id="across Feb 2025 (no 29th)"),
        pytest.param(D(2025, 12, 31), 1, D(2026, 1, 1), id="across a year end"),
        pytest.param(D(2025, 12, 20), 7, D(2025, 12, 27), id="bank holidays count too"),
        pytest.param(D(2025, 6, 15), 0, D(2025, 6, 15), id="0 days is the same day"),
    ],
)
def test_calendar_days_after_adds_every_day(start, days, expected):
    assert count(start, days, "calendar_days_after").date == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        pytest.param(D(2025, 3, 3), 15, D(2025, 3, 17), id="EHC: 15 days from Mon 3 Mar 2025"),
        pytest.param(D(2025, 3, 3), 1, D(2025, 3, 3), id="1 day is the start day itself"),
        pytest.param(D(2024, 2, 28), 2, D(2024, 2, 29), id="leap day is a day"),
        pytest.param(D(2025, 2, 28), 2, D(2025, 3, 1), id="no leap day in 2025"),
        pytest.param(D(2025, 12, 31), 2, D(2026, 1, 1), id="across a year end"),
    ],
)
def test_days_beginning_with_counts_the_start_as_day_one(start, days, expected):
    assert count(start, days, "days_beginning_with").date == expected


def test_days_beginning_with_explains_day_one():
    (step,) = count(D(2025, 3, 3), 15, "days_beginning_with").steps
    assert step == "Monday 3 March 2025 is day 1 of 15 days, so day 15 is Monday 17 March 2025."


@pytest.mark.parametrize(
    ("start", "weeks", "expected"),
    [
        pytest.param(D(2025, 1, 6), 6, D(2025, 2, 17), id="EHC: 6 weeks -> Mon 17 Feb 2025"),
        pytest.param(D(2025, 1, 6), 16, D(2025, 4, 28), id="EHC: 16 weeks -> Mon 28 Apr 2025"),
        pytest.param(D(2025, 1, 6), 20, D(2025, 5, 26), id="EHC: 20 weeks -> Mon 26 May 2025"),
        pytest.param(D(2024, 2, 22), 1, D(2024, 2, 29), id="onto a leap day"),
        pytest.param(D(2025, 12, 18), 2, D(2026, 1, 1), id="across a year end"),
        pytest.param(D(2025, 1, 6), 0, D(2025, 1, 6), id="0 weeks is the same day"),
    ],
)
def test_weeks_after_adds_seven_day_weeks(start, weeks, expected):
    assert count(start, weeks, "weeks_after").date == expected


def test_weeks_after_does_not_move_off_a_bank_holiday_by_itself():
    # 20 weeks from Mon 6 Jan 2025 is the Spring bank holiday: only an adjustment moves it.
    counted = count(D(2025, 1, 6), 20, "weeks_after")
    assert counted.date == D(2025, 5, 26)
    assert apply_adjustment(counted, "next_working_day").date == D(2025, 5, 27)


# --- working_days_after: the start is day 0; weekends and bank holidays are skipped ---------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        pytest.param(D(2027, 12, 20), 5, D(2027, 12, 29), id="5 WD after Mon 20 Dec 2027"),
        pytest.param(D(2025, 9, 1), 20, D(2025, 9, 29), id="transport: 20 WD from 1 Sep 2025"),
        pytest.param(D(2025, 11, 5), 40, D(2026, 1, 5), id="transport: 40 WD from 5 Nov 2025"),
        pytest.param(D(2026, 1, 5), 5, D(2026, 1, 12), id="transport: 5 WD after 5 Jan 2026"),
        pytest.param(D(2025, 3, 7), 1, D(2025, 3, 10), id="Friday + 1 = Monday"),
        pytest.param(D(2025, 3, 8), 1, D(2025, 3, 10), id="Saturday + 1 = Monday"),
        pytest.param(D(2025, 3, 9), 1, D(2025, 3, 10), id="Sunday + 1 = Monday"),
        pytest.param(D(2025, 3, 10), 5, D(2025, 3, 17), id="Monday + 5 = next Monday"),
        pytest.param(D(2025, 3, 10), 1, D(2025, 3, 11), id="Monday + 1 = Tuesday"),
        pytest.param(D(2025, 4, 17), 1, D(2025, 4, 22), id="Good Friday and Easter Monday 2025"),
        pytest.param(D(2024, 3, 28), 1, D(2024, 4, 2), id="Good Friday and Easter Monday 2024"),
        pytest.param(D(2026, 4, 2), 1, D(2026, 4, 7), id="Good Friday and Easter Monday 2026"),
        pytest.param(D(2025, 5, 2), 1, D(2025, 5, 6), id="Early May bank holiday"),
        pytest.param(D(2025, 5, 23), 1, D(2025, 5, 27), id="Spring bank holiday"),
        pytest.param(D(2025, 8, 22), 1, D(2025, 8, 26), id="Summer bank holiday"),
        pytest.param(D(2025, 8, 25), 1, D(2025, 8, 26), id="start on a bank holiday"),
        pytest.param(D(2025, 12, 24), 1, D(2025, 12, 29), id="Christmas and Boxing Day 2025"),
        pytest.param(D(2026, 12, 24), 1, D(2026, 12, 29), id="Boxing Day substitute 28 Dec 2026"),
        pytest.param(D(2027, 12, 24), 1, D(2027, 12, 29), id="substitutes 27 and 28 Dec 2027"),
        pytest.param(D(2027, 12, 31), 1, D(2028, 1, 4), id="New Year substitute 3 Jan 2028"),
        pytest.param(D(2023, 5, 5), 1, D(2023, 5, 9), id="one-off: the 2023 coronation"),
        pytest.param(D(2022, 9, 16), 1, D(2022, 9, 20), id="one-off: the 2022 state funeral"),
        pytest.param(D(2025, 3, 8), 0, D(2025, 3, 8), id="0 working days is the start day"),
    ],
)
def test_working_days_after_skips_weekends_and_bank_holidays(start, days, expected):
    assert count(start, days, "working_days_after").date == expected


@pytest.mark.parametrize(
    ("start", "days", "skipped"),
    [
        pytest.param(
            D(2025, 4, 17),
            1,
            ["Friday 18 April 2025 (Good Friday)", "Monday 21 April 2025 (Easter Monday)"],
            id="Easter 2025",
        ),
        pytest.param(
            D(2026, 12, 24),
            1,
            ["Friday 25 December 2026 (Christmas Day)", "Monday 28 December 2026 (Boxing Day)"],
            id="Boxing Day substitute 2026",
        ),
        pytest.param(
            D(2027, 12, 20),
            5,
            ["Monday 27 December 2027 (Christmas Day)", "Tuesday 28 December 2027 (Boxing Day)"],
            id="Christmas and Boxing Day substitutes 2027",
        ),
        pytest.param(
            D(2027, 12, 31),
            1,
            [f"Monday 3 January 2028 ({NEW_YEARS_DAY})"],
            id="New Year substitute 2028",
        ),
        pytest.param(
            D(2025, 11, 5),
            40,
            [
                "Thursday 25 December 2025 (Christmas Day)",
                "Friday 26 December 2025 (Boxing Day)",
                f"Thursday 1 January 2026 ({NEW_YEARS_DAY})",
            ],
            id="transport 40 WD over Christmas 2025",
        ),
    ],
)
def test_working_days_explanation_names_each_skipped_bank_holiday(start, days, skipped):
    steps = count(start, days, "working_days_after").steps
    assert steps[0].startswith("Counting ")
    assert "as day 0" in steps[0]
    assert steps[1] == "Bank holidays left out: " + "; ".join(skipped) + "."


def test_working_days_explanation_mentions_no_bank_holidays_when_none_are_skipped():
    steps = count(D(2025, 9, 1), 20, "working_days_after").steps
    assert steps == (
        "Counting Monday 1 September 2025 as day 0, working day 20 is Monday 29 September 2025.",
    )


def test_working_days_explanation_leaves_out_the_bank_holiday_the_count_starts_on():
    # Day 0 is not counted, so a bank holiday on day 0 is not "left out" of the count.
    steps = count(D(2025, 8, 25), 1, "working_days_after").steps
    assert len(steps) == 1


@pytest.mark.parametrize(
    ("today", "end", "expected"),
    [
        pytest.param(D(2027, 12, 20), D(2027, 12, 29), 5, id="over the 2027 substitutes"),
        pytest.param(D(2027, 12, 29), D(2027, 12, 20), -5, id="a passed day is negative"),
        pytest.param(D(2025, 3, 10), D(2025, 3, 10), 0, id="the same day"),
        pytest.param(D(2025, 3, 7), D(2025, 3, 10), 1, id="Friday to Monday"),
        pytest.param(D(2025, 3, 8), D(2025, 3, 9), 0, id="Saturday to Sunday"),
        pytest.param(D(2025, 4, 17), D(2025, 4, 22), 1, id="over Easter 2025"),
    ],
)
def test_working_days_between_counts_working_days_after_today_up_to_the_end(today, end, expected):
    assert working_days_between(today, end) == expected


# --- adjustments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(D(2025, 8, 15), D(2025, 9, 1), id="mid-August 2025 -> Mon 1 Sep"),
        pytest.param(D(2025, 8, 1), D(2025, 9, 1), id="1 August -> 1 Sep"),
        pytest.param(D(2025, 8, 31), D(2025, 9, 1), id="31 August (Sunday) -> 1 Sep"),
        pytest.param(D(2024, 8, 12), D(2024, 9, 2), id="August 2024 -> Mon 2 Sep (1 Sep Sun)"),
        pytest.param(D(2026, 8, 31), D(2026, 9, 1), id="August bank holiday 2026 -> 1 Sep"),
        pytest.param(D(2025, 12, 25), D(2026, 1, 2), id="Christmas Day 2025 -> Fri 2 Jan"),
        pytest.param(D(2025, 12, 29), D(2026, 1, 2), id="29 Dec 2025 (working) -> 2 Jan"),
        pytest.param(D(2026, 1, 1), D(2026, 1, 2), id="1 Jan 2026 -> 2 Jan"),
        pytest.param(D(2026, 12, 31), D(2027, 1, 4), id="31 Dec 2026 -> Mon 4 Jan (2 Jan Sat)"),
        pytest.param(D(2027, 12, 28), D(2028, 1, 4), id="28 Dec 2027 -> Tue 4 Jan (3 Jan hol)"),
        pytest.param(D(2028, 1, 1), D(2028, 1, 4), id="Sat 1 Jan 2028 -> Tue 4 Jan"),
        pytest.param(D(2025, 3, 15), D(2025, 3, 17), id="a Saturday -> Monday"),
        pytest.param(D(2025, 3, 16), D(2025, 3, 17), id="a Sunday -> Monday"),
        pytest.param(D(2026, 4, 3), D(2026, 4, 7), id="Good Friday -> the Tuesday"),
        pytest.param(D(2025, 12, 24), D(2025, 12, 24), id="24 Dec (working) is unchanged"),
        pytest.param(D(2026, 1, 2), D(2026, 1, 2), id="2 Jan (working) is unchanged"),
        pytest.param(D(2025, 7, 31), D(2025, 7, 31), id="31 July is unchanged"),
        pytest.param(D(2025, 9, 1), D(2025, 9, 1), id="1 September is unchanged"),
        pytest.param(D(2025, 3, 12), D(2025, 3, 12), id="a working day is unchanged"),
    ],
)
def test_tribunal_rule_12_moves_christmas_august_and_non_working_days(day, expected):
    assert apply_adjustment(_on(day), "tribunal_rule_12").date == expected


def test_tribunal_rule_12_explains_an_august_move():
    counted = apply_adjustment(_on(D(2025, 8, 15)), "tribunal_rule_12")
    assert counted.steps == (
        "Friday 15 August 2025 falls in August, so the Tribunal treats the appeal as in time on "
        "the first working day after 31 August: Monday 1 September 2025.",
    )


def test_tribunal_rule_12_explains_a_christmas_move():
    (step,) = apply_adjustment(_on(D(2026, 12, 31)), "tribunal_rule_12").steps
    assert "between 25 December and 1 January" in step
    assert "Monday 4 January 2027" in step


def test_tribunal_rule_12_leaves_a_working_day_and_its_explanation_alone():
    counted = Counted(D(2025, 3, 12), ("already explained",))
    assert apply_adjustment(counted, "tribunal_rule_12") == counted


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(D(2025, 3, 15), D(2025, 3, 17), id="Saturday -> Monday"),
        pytest.param(D(2026, 4, 3), D(2026, 4, 7), id="Good Friday -> Tuesday"),
        pytest.param(D(2026, 12, 25), D(2026, 12, 29), id="Christmas 2026 -> Tue 29 Dec"),
        pytest.param(D(2028, 1, 1), D(2028, 1, 4), id="Sat 1 Jan 2028 -> Tue 4 Jan"),
        pytest.param(D(2025, 8, 15), D(2025, 8, 15), id="August is not special here"),
        pytest.param(D(2025, 12, 29), D(2025, 12, 29), id="29 Dec (working) is unchanged"),
    ],
)
def test_next_working_day_moves_only_non_working_days(day, expected):
    assert apply_adjustment(_on(day), "next_working_day").date == expected


def test_next_working_day_names_the_bank_holiday_it_moves_off():
    (step,) = apply_adjustment(_on(D(2026, 4, 3)), "next_working_day").steps
    assert step == (
        "Friday 3 April 2026 is not a working day (Good Friday), so the last day moves to the "
        "next working day, Tuesday 7 April 2026."
    )


@pytest.mark.parametrize("day", [D(2025, 3, 15), D(2026, 12, 25), D(2025, 8, 15)])
def test_no_adjustment_never_moves_a_day(day):
    counted = _on(day)
    assert apply_adjustment(counted, "none") is counted


# --- refusals -------------------------------------------------------------------------------


def test_an_unknown_counting_method_is_refused():
    with pytest.raises(ValueError, match="unknown counting method 'fortnights'"):
        count(D(2025, 1, 1), 1, "fortnights")


@pytest.mark.parametrize("method", sorted(METHODS))
def test_a_negative_period_is_refused_by_every_method(method):
    with pytest.raises(ValueError, match="cannot be negative"):
        count(D(2025, 1, 1), -1, method)


def test_an_unknown_adjustment_is_refused():
    with pytest.raises(ValueError, match="unknown adjustment 'previous_working_day'"):
        apply_adjustment(_on(D(2025, 3, 15)), "previous_working_day")


def test_the_calendar_calls_a_weekday_bank_holiday_by_its_name():
    cal = england_and_wales()
    assert cal.non_working_reason(D(2026, 12, 28)) == "Boxing Day"
    assert cal.non_working_reason(D(2028, 1, 3)) == NEW_YEARS_DAY
    assert cal.non_working_reason(D(2025, 3, 15)) == "Saturday"
    assert cal.non_working_reason(D(2025, 3, 12)) is None
