"""Boundary tests for every deadline the case file computes: the answer each recorded stage is
waiting for (the record blocks' response_due). For each, the stage is recorded through the case
service, the due date is checked against an independent count (bank holidays straight from the
govuk-bank-holidays data, months by hand), and the status is checked on the day before, the day
itself and the day after."""

from __future__ import annotations

import datetime as dt

import pytest
from govuk_bank_holidays.bank_holidays import BankHolidays

from sendroute.cases.advice import concern_view
from sendroute.cases.services import concern_create, stage_event_record
from sendroute.rules import load_ruleset

pytestmark = pytest.mark.django_db

RULES = load_ruleset("norfolk")
ABOUT = {"school": "school", "council": "council", "health": "health", "send": "ehc"}
# Trigger days (all in the past: a stage cannot be recorded in the future) chosen to cross
# weekends, Christmas and New Year, a month end and the August bank holiday.
TRIGGERS = (
    dt.date(2026, 11, 27),
    dt.date(2025, 12, 19),
    dt.date(2026, 1, 30),
    dt.date(2026, 8, 28),
)
HOLIDAYS = BankHolidays(use_cached_holidays=True)


def waiting_steps():
    for route in RULES.routes:
        for step in route.steps:
            record = step.spec.record
            if record is not None and record.response_due:
                yield route.spec.id, step.spec.id, record.response_due


def rule_on(deadline_id: str, trigger: dt.date) -> tuple[int, str]:
    spec = RULES.deadlines[deadline_id].spec
    amount, method = spec.amount, spec.method
    for version in sorted(spec.versions, key=lambda v: v.effective):
        if trigger >= version.effective:
            amount, method = version.amount, version.method
    assert amount is not None
    assert method is not None
    return amount, method


def independent_due(trigger: dt.date, amount: int, method: str) -> dt.date:
    if method == "working_days_after":
        day, counted = trigger, 0
        while counted < amount:
            day += dt.timedelta(days=1)
            if HOLIDAYS.is_work_day(day, division=BankHolidays.ENGLAND_AND_WALES):
                counted += 1
        return day
    if method == "weeks_after":
        return trigger + dt.timedelta(weeks=amount)
    if method == "days_after":
        return trigger + dt.timedelta(days=amount)
    if method == "months_after":
        month = trigger.month - 1 + amount
        year, month = trigger.year + month // 12, month % 12 + 1
        for day in (trigger.day, 30, 29, 28):  # the corresponding date, or the month's last day
            try:
                return dt.date(year, month, day)
            except ValueError:
                continue
    raise AssertionError(f"no independent count for {method}")


@pytest.mark.parametrize(("route", "step", "deadline_id"), list(waiting_steps()))
@pytest.mark.parametrize("trigger", TRIGGERS, ids=str)
def test_the_answer_due_date_of_each_recorded_stage(people, route, step, deadline_id, trigger):
    owner, case = people["owner"], people["case"]
    concern = concern_create(
        case=case,
        actor=owner,
        route=route,
        facts={"concern_about": [ABOUT[route]], "child_at_risk": False},
    )
    stage_event_record(
        concern=concern, actor=owner, step=step, kind="made", date=trigger, confirmed=True
    )
    concern.refresh_from_db()
    amount, method = rule_on(deadline_id, trigger)
    due = independent_due(trigger, amount, method)

    def on(day: dt.date):
        deadlines = {d.id: d for d in concern_view(concern, on=day).deadlines}
        return deadlines[deadline_id]

    assert on(trigger).date == due
    before, last, after = on(due - dt.timedelta(days=1)), on(due), on(due + dt.timedelta(days=1))
    assert before.status == "open"
    assert before.calendar_days_left == 1
    assert last.status == "last_day"
    assert after.status in ("expired", "expired_discretion")
    assert on(trigger).explanation  # every date can be explained
