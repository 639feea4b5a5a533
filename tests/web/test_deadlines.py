"""The deadlines page: every dated deadline across a person's cases, grouped into overdue, due in
the next 7 days and later, with working days left and how each date was worked out. Only the
cases a person may see are included. Today is fixed at Friday 27 November 2026."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sendroute.cases.deadlines import (
    deadlines_for,
    deadlines_grouped,
    time_left_text,
)
from sendroute.cases.models import Share
from sendroute.cases.services import case_create, concern_create
from tests.web.conftest import sign_in_as

TODAY = dt.date(2026, 11, 27)  # a Friday


def not_started(problem_date: str) -> dict:
    """A council concern not yet complained about: the usual last day to complain is 12 months
    after the problem (so problem 2025-12-01 gives Tuesday 1 December 2026)."""
    return {
        "concern_about": ["council"],
        "council_service": "other",
        "council_complaint_stage": "not_started",
        "council_problem_date": problem_date,
    }


def complained(complaint_date: str) -> dict:
    """A council complaint waiting for an answer: the council has 15 working days (stage 1) and
    the LGSCO gives it about 12 weeks in all."""
    return {
        "concern_about": ["council"],
        "council_service": "other",
        "council_complaint_stage": "complaint_made",
        "council_complaint_date": complaint_date,
    }


def add_concern(case, facts, title=""):
    return concern_create(case=case, actor=case.owner, route="council", facts=facts, title=title)


@pytest.fixture
def dated(people):
    """The owner's case with three concerns: one due in 2 working days, one overdue, one later."""
    case = people["case"]
    people["soon"] = add_concern(case, not_started("2025-12-01"), "Complain about transport")
    people["overdue"] = add_concern(case, complained("2026-10-01"), "Waiting for the council")
    people["later"] = add_concern(case, complained("2026-11-20"), "Second complaint")
    return people


def by_key(rows):
    return {(r.concern.title, r.deadline.id): r for r in rows}


def test_deadlines_are_grouped_around_today_with_working_days_left(dated):
    rows = by_key(deadlines_for(dated["owner"], TODAY))
    soon = rows[("Complain about transport", "council-complaint-time-limit")]
    assert soon.date == dt.date(2026, 12, 1)
    assert soon.working_days_left == 2
    assert soon.group == "soon"
    assert soon.time_left == "2 working days left"

    overdue = rows[("Waiting for the council", "council-stage1-response")]
    assert overdue.date == dt.date(2026, 10, 22)
    assert overdue.group == "overdue"
    assert overdue.time_left == "26 working days overdue"
    assert rows[("Waiting for the council", "council-12-weeks")].group == "later"

    later = rows[("Second complaint", "council-stage1-response")]
    assert later.date == dt.date(2026, 12, 11)
    assert (later.group, later.working_days_left) == ("later", 10)


def test_rows_come_soonest_first_and_groups_keep_that_order(dated):
    rows = deadlines_for(dated["owner"], TODAY)
    assert [r.date for r in rows] == sorted(r.date for r in rows)
    groups = deadlines_grouped(rows)
    assert [r.date for r in groups.overdue] == [dt.date(2026, 10, 22)]
    assert [r.date for r in groups.soon] == [dt.date(2026, 12, 1)]
    assert all(r.date > TODAY + dt.timedelta(days=7) for r in groups.later)


def test_due_in_the_next_7_days_includes_the_same_day_next_week_but_not_the_day_after(people):
    case = people["case"]
    add_concern(case, not_started("2025-12-04"), "A week away")
    add_concern(case, not_started("2025-12-05"), "Eight days away")
    groups = {r.concern.title: r.group for r in deadlines_for(people["owner"], TODAY)}
    assert groups == {"A week away": "soon", "Eight days away": "later"}


def test_a_deadline_today_is_due_today_not_overdue(people):
    add_concern(people["case"], not_started("2025-11-27"))
    (row,) = deadlines_for(people["owner"], TODAY)
    assert (row.group, row.time_left) == ("soon", "Due today")


@pytest.mark.parametrize(
    ("date", "on", "working", "text"),
    [
        (dt.date(2026, 11, 30), TODAY, 1, "1 working day left"),
        (dt.date(2026, 12, 4), TODAY, 5, "5 working days left"),
        (dt.date(2026, 11, 28), TODAY, 0, "No working days left"),  # due on a Saturday
        (dt.date(2026, 11, 26), TODAY, -1, "1 working day overdue"),
        (
            dt.date(2026, 11, 28),
            dt.date(2026, 11, 29),
            0,
            "1 day overdue",
        ),  # Saturday, seen on Sunday
        (dt.date(2030, 1, 7), TODAY, None, "1137 days left"),  # beyond the known bank holidays
    ],
)
def test_time_left_is_said_in_plain_words(date, on, working, text):
    assert time_left_text(date, on, working) == text


def test_resolved_concerns_and_undated_deadlines_are_left_out(people):
    case = people["case"]
    resolved = add_concern(case, not_started("2025-12-01"), "Resolved")
    resolved.resolved_on = TODAY
    resolved.save()
    # Complained, but the date of the complaint is not known yet: nothing can be dated.
    add_concern(
        case,
        {
            "concern_about": ["council"],
            "council_service": "other",
            "council_complaint_stage": "complaint_made",
        },
        "No date yet",
    )
    assert deadlines_for(people["owner"], TODAY) == []


def test_an_adviser_sees_the_deadlines_of_cases_shared_with_them_only(dated):
    adviser = dated["linked_adviser"]
    elsewhere = case_create(owner=dated["other_family"], title="Another family", area="norfolk")
    add_concern(elsewhere, not_started("2025-12-02"), "Not shared")
    shared = {r.case.pk for r in deadlines_for(adviser, TODAY)}
    assert shared == {dated["case"].pk}
    assert deadlines_for(dated["unlinked_adviser"], TODAY) == []

    Share.objects.filter(adviser=adviser).update(revoked_at=timezone.now())
    assert deadlines_for(adviser, TODAY) == []


def test_other_families_deadlines_never_appear(dated):
    other = dated["other_family"]
    theirs = case_create(owner=other, title="Their case", area="norfolk")
    add_concern(theirs, not_started("2025-12-02"), "Theirs")
    assert {r.case.pk for r in deadlines_for(other, TODAY)} == {theirs.pk}
    assert theirs.pk not in {r.case.pk for r in deadlines_for(dated["owner"], TODAY)}
    for role in ("staff", "administrator"):
        assert deadlines_for(dated[role], TODAY) == []


def test_the_number_of_queries_does_not_grow_with_concerns(people):
    case = people["case"]
    add_concern(case, not_started("2025-12-01"))
    with CaptureQueriesContext(connection) as one:
        deadlines_for(people["owner"], TODAY)
    for day in ("2025-12-02", "2025-12-03", "2025-12-04"):
        add_concern(case, not_started(day))
    with CaptureQueriesContext(connection) as four:
        assert len(deadlines_for(people["owner"], TODAY)) == 4
    assert len(four.captured_queries) == len(one.captured_queries) == 1


# -- the page ------------------------------------------------------------------------------------


def test_the_page_lists_each_group_with_dates_time_left_and_how_it_was_worked_out(client, dated):
    sign_in_as(client, dated["owner"])
    response = client.get("/deadlines")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Your deadlines",
        "Overdue",
        "Due in the next 7 days",
        "Later",
        "Tuesday 1 December 2026",
        "2 working days left",
        "26 working days overdue",
        "Usual last day to complain to the council",
        "How we worked out this date",
        "Counting Friday 20 November 2026 as day 0, working day 15 is Friday 11 December 2026.",
        "Sam at Oak School",
        "Complain about transport",
    ):
        assert text in html, text
    case_id = dated["case"].public_id
    assert f'href="/cases/{case_id}/' in html
    # The page is an overview: opening it records nothing in the audit.
    from sendroute.cases.models import AuditEvent

    assert not AuditEvent.objects.filter(action="case.viewed").exists()


def test_the_page_says_when_there_are_no_deadlines(client, people):
    sign_in_as(client, people["other_family"])
    html = client.get("/deadlines").content.decode()
    assert "You have no deadlines at the moment." in html
    assert "Sam at Oak School" not in html


def test_the_page_shows_an_adviser_shared_cases_only(client, dated):
    sign_in_as(client, dated["unlinked_adviser"])
    html = client.get("/deadlines").content.decode()
    assert "Sam at Oak School" not in html
    client.logout()
    sign_in_as(client, dated["linked_adviser"])
    assert "Sam at Oak School" in client.get("/deadlines").content.decode()


def test_the_page_needs_signing_in(client, dated):
    response = client.get("/deadlines")
    assert response.status_code == 302
    assert "/account/sign-in" in response["Location"]
