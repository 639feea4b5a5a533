"""Bank holidays are known only from 2012-01-01 to 2028-12-31: outside that, we refuse, never guess.

The engine tests use the fixture packs under tests/fixtures/packs (testland, testshire).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from sendroute.rules import (
    BeyondCalendarError,
    InputError,
    advise,
    advise_raw,
    load_ruleset_from,
    parse_facts,
)
from sendroute.rules.calendar import england_and_wales
from sendroute.rules.dates import apply_adjustment, count, working_days_between

D = dt.date
ROOT = Path(__file__).resolve().parent
FIXTURES = ROOT / "fixtures" / "packs"
SCHEMA = json.loads((ROOT.parent / "sendroute/rules/advice.schema.json").read_text())


@pytest.fixture(scope="module")
def testshire():
    return load_ruleset_from(FIXTURES / "testshire", search=())


def test_the_calendar_covers_2012_to_2028():
    cal = england_and_wales()
    assert cal.first == D(2012, 1, 1)
    assert cal.last == D(2028, 12, 31)
    cal.check(D(2012, 1, 1))
    cal.check(D(2028, 12, 31))


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(D(2029, 1, 1), id="the day after the horizon"),
        pytest.param(D(2035, 6, 1), id="years after the horizon"),
        pytest.param(D(2011, 12, 31), id="the day before 2012"),
        pytest.param(D(1999, 1, 1), id="years before 2012"),
    ],
)
def test_a_date_outside_the_known_years_raises_beyond_calendar_error(day):
    with pytest.raises(BeyondCalendarError) as caught:
        england_and_wales().is_working_day(day)
    message = str(caught.value)
    assert day.isoformat() in message
    assert "2012-01-01 to 2028-12-31" in message
    assert "cannot be counted" in message
    assert caught.value.day == day


def test_counting_working_days_across_the_horizon_raises():
    with pytest.raises(BeyondCalendarError, match="outside the dates"):
        count(D(2028, 12, 20), 20, "working_days_after")


def test_counting_working_days_from_beyond_the_horizon_raises():
    with pytest.raises(BeyondCalendarError, match="2029-01-05"):
        count(D(2029, 1, 5), 1, "working_days_after")


@pytest.mark.parametrize("adjustment", ["next_working_day", "tribunal_rule_12"])
def test_adjusting_a_day_beyond_the_horizon_raises(adjustment):
    counted = count(D(2028, 6, 15), 12, "months_after")
    with pytest.raises(BeyondCalendarError, match="2029-06-15"):
        apply_adjustment(counted, adjustment)


def test_working_days_between_across_the_horizon_raises():
    with pytest.raises(BeyondCalendarError):
        working_days_between(D(2028, 12, 1), D(2029, 1, 10))


def test_calendar_months_beyond_the_horizon_need_no_bank_holidays():
    # Months, weeks and calendar days never look at bank holidays, so they can be counted.
    assert count(D(2028, 6, 15), 12, "months_after").date == D(2029, 6, 15)
    assert count(D(2028, 12, 20), 3, "weeks_after").date == D(2029, 1, 10)


def test_a_deadline_counted_in_working_days_across_the_horizon_cannot_be_computed(testshire):
    today = D(2028, 12, 20)
    facts = parse_facts(
        {
            "concern_about": ["council"],
            "council_stage": "complained",
            "complaint_date": "2028-12-15",
        },
        testshire,
        today,
    )
    advice = advise(testshire, facts, today)
    (out,) = [d for d in advice.deadlines if d.id == "council-response"]
    assert out.status == "cannot_compute"
    assert out.date is None
    assert out.calendar_days_left is None
    assert out.working_days_left is None
    assert out.explanation == ()
    assert "outside the dates for which England and Wales bank holidays are known" in out.error
    assert "2029-01-01" in out.error
    assert out.citations  # still says where the rule comes from
    data = json.loads(json.dumps(advice.to_dict()))
    jsonschema.validate(data, SCHEMA)
    (dumped,) = [d for d in data["deadlines"] if d["id"] == "council-response"]
    assert dumped["status"] == "cannot_compute"
    assert dumped["error"] == out.error


def test_a_deadline_moved_to_a_working_day_beyond_the_horizon_cannot_be_computed(testshire):
    # 12 months after 15 Jan 2028 is 15 Jan 2029; moving it off a non-working day needs 2029.
    today = D(2028, 2, 1)
    facts = parse_facts(
        {
            "concern_about": ["council"],
            "council_stage": "not_started",
            "problem_date": "2028-01-15",
        },
        testshire,
        today,
    )
    advice = advise(testshire, facts, today)
    (out,) = [d for d in advice.deadlines if d.id == "complaint-time-limit"]
    assert out.status == "cannot_compute"
    assert out.date is None
    assert "2029-01-15" in out.error
    # A deadline that cannot be computed never closes the step it limits.
    (concern,) = advice.concerns
    assert [s.id for s in concern.next_steps] == ["council-complain"]


def test_a_deadline_beyond_the_horizon_that_needs_no_calendar_is_shown_without_working_days(
    testshire,
):
    today = D(2028, 3, 1)
    facts = parse_facts(
        {"concern_about": ["council"], "council_stage": "answered", "problem_date": "2028-01-15"},
        testshire,
        today,
    )
    advice = advise(testshire, facts, today)
    (out,) = [d for d in advice.deadlines if d.id == "ombudsman-time-limit"]
    assert out.date == D(2029, 1, 14)
    assert out.status == "open"
    assert out.calendar_days_left == (D(2029, 1, 14) - today).days
    assert out.working_days_left is None  # unknown, not guessed


@pytest.mark.parametrize(
    "today",
    [
        pytest.param(D(2029, 1, 1), id="after the horizon"),
        pytest.param(D(2011, 12, 31), id="before 2012"),
    ],
)
def test_advise_raw_with_today_outside_the_calendar_raises_input_error_naming_today(today):
    with pytest.raises(InputError) as caught:
        advise_raw({}, today=today)
    assert caught.value.field == "today"
    assert today.isoformat() in str(caught.value)
    assert str(caught.value).startswith("today: ")
