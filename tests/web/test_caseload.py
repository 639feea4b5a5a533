"""An adviser's caseload: every concern of every case shared with them, with the family's email,
the route, the current stage and the next deadline, filtered by overdue, due soon, route and
stage. Only advisers have one, and it only ever holds cases shared with them now."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sendroute.cases.advice import concern_view
from sendroute.cases.caseload import CaseloadFilters, caseload_for
from sendroute.cases.models import Share
from sendroute.cases.services import case_create, concern_create, share_grant, share_revoke
from tests.web.conftest import sign_in_as

pytestmark = pytest.mark.django_db

# Today is fixed at Friday 27 November 2026 (tests/web/conftest.py). The council should answer a
# complaint within 15 working days of getting it (the Complaint Handling Code).
COUNCIL = {
    "child_at_risk": False,
    "abuse_allegation": False,
    "missing_education": False,
    "concern_about": ["council"],
    "council_service": "send_education",
    "council_complaint_stage": "complaint_made",
    "council_problem_date": "2026-10-01",
    "lgsco_knew_date": "2026-10-01",
    "affected_personally": True,
    "affects_most_people": False,
    "personnel_matter": False,
    "legal_action_started": False,
}


def complained_on(day):
    return {**COUNCIL, "council_complaint_date": day}


@pytest.fixture
def caseload(people):
    """The linked adviser's caseload: an overdue answer, one due in 5 working days, one due in 14,
    one not yet complained about (another route stage), and another family's school concern."""
    owner, adviser = people["owner"], people["linked_adviser"]
    case = people["case"]
    made = {
        "overdue": concern_create(
            case=case,
            actor=owner,
            route="council",
            facts=complained_on("2026-10-01"),
            title="Late answer",
        ),
        "due_soon": concern_create(
            case=case,
            actor=owner,
            route="council",
            facts=complained_on("2026-11-13"),
            title="Answer due soon",
        ),
        "later": concern_create(
            case=case,
            actor=owner,
            route="council",
            facts=complained_on("2026-11-26"),
            title="Answer due later",
        ),
        "not_started": concern_create(
            case=case,
            actor=owner,
            route="council",
            facts={**COUNCIL, "council_complaint_stage": "not_started"},
            title="Not complained yet",
        ),
    }
    young = people["young_person"]
    second = case_create(owner=young, title="My college support", area="norfolk")
    made["school"] = concern_create(
        case=second, actor=young, route="school", facts={}, title="School concern"
    )
    share_grant(case=second, actor=young, adviser_email=adviser.email, access="view")
    # A case not shared with this adviser never shows.
    hidden = case_create(owner=people["other_family"], title="Not shared with you", area="norfolk")
    concern_create(
        case=hidden,
        actor=people["other_family"],
        route="council",
        facts=complained_on("2026-10-01"),
    )
    share_grant(
        case=hidden,
        actor=people["other_family"],
        adviser_email="unlinked@example.org",
        access="edit",
    )
    return made


def titles(rows):
    return {r.concern.title for r in rows if r.concern}


def test_the_deadlines_used_here_are_what_the_rules_say(caseload):
    def response(concern):
        return next(d for d in concern_view(concern).deadlines if d.id == "council-stage1-response")

    assert response(caseload["overdue"]).status == "expired"
    assert response(caseload["due_soon"]).working_days_left == 5
    assert response(caseload["later"]).working_days_left == 14


def test_the_caseload_lists_each_concern_shared_with_the_adviser(client, people, caseload):
    sign_in_as(client, people["linked_adviser"])
    page = client.get("/caseload")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Your caseload" in text
    for words in (
        "Sam at Oak School",
        "owner@example.org",
        "My college support",
        "young@example.org",
        "The council",
        "Wait for the council&#39;s answer, and keep records",
        "Raise it with the Head of Service or team manager",
        "4 December 2026",
        "5 working days left",
        "Overdue",
        "Due soon",
        "You can view and add to it",
        "You can view it",
    ):
        assert words in text, words
    assert "Not shared with you" not in text
    assert "other@example.org" not in text


def test_the_most_urgent_come_first(people, caseload):
    rows = caseload_for(people["linked_adviser"]).rows
    assert [r.concern.title for r in rows[:3]] == [
        "Late answer",
        "Answer due soon",
        "Answer due later",
    ]


def test_the_overdue_filter_shows_only_concerns_with_a_date_passed(client, people, caseload):
    load = caseload_for(people["linked_adviser"], CaseloadFilters.read("overdue", [], []))
    assert titles(load.rows) == {"Late answer"}
    assert load.rows[0].overdue[0].id == "council-stage1-response"
    sign_in_as(client, people["linked_adviser"])
    text = client.get("/caseload?status=overdue").content.decode()
    assert "Late answer" in text
    assert "Answer due soon" not in text
    assert "My college support" not in text
    assert "1 of 5 concerns, filtered" in text


def test_the_due_soon_filter_shows_dates_within_5_working_days(people, caseload):
    load = caseload_for(people["linked_adviser"], CaseloadFilters.read("due_soon", [], []))
    assert titles(load.rows) == {"Answer due soon"}
    assert load.rows[0].next_deadline.working_days_left == 5


def test_the_route_and_stage_filters(client, people, caseload):
    adviser = people["linked_adviser"]
    by_route = caseload_for(adviser, CaseloadFilters.read("all", ["school"], []))
    assert titles(by_route.rows) == {"School concern"}
    by_stage = caseload_for(adviser, CaseloadFilters.read("all", [], ["council-head-of-service"]))
    assert titles(by_stage.rows) == {"Not complained yet"}
    waiting = caseload_for(
        adviser, CaseloadFilters.read("all", ["council"], ["council-wait-stage-1"])
    )
    assert titles(waiting.rows) == {"Late answer", "Answer due soon", "Answer due later"}
    both = caseload_for(
        adviser, CaseloadFilters.read("overdue", ["council"], ["council-wait-stage-1"])
    )
    assert titles(both.rows) == {"Late answer"}
    # The filter form offers the routes and stages in the caseload, and keeps what was chosen.
    sign_in_as(client, adviser)
    text = client.get(
        "/caseload?status=all&route=council&stage=council-head-of-service"
    ).content.decode()
    assert 'name="route" type="checkbox" value="council" checked' in text
    assert 'value="school"' in text
    assert 'name="stage" type="checkbox" value="council-head-of-service" checked' in text
    assert "Clear filters" in text
    assert "1 of 5 concerns, filtered" in text


def test_unknown_filter_values_are_harmless(client, people, caseload):
    sign_in_as(client, people["linked_adviser"])
    assert client.get("/caseload?status=<script>&route=nowhere").status_code == 200
    assert caseload_for(people["linked_adviser"], CaseloadFilters.read("<script>", [], [])).rows
    assert not caseload_for(
        people["linked_adviser"], CaseloadFilters.read("all", ["nowhere"], [])
    ).rows


def test_a_case_without_concerns_is_listed_until_a_filter_is_chosen(client, people):
    adviser = people["linked_adviser"]
    rows = caseload_for(adviser).rows
    assert len(rows) == 1
    assert rows[0].concern is None
    assert rows[0].case == people["case"]
    assert not caseload_for(adviser, CaseloadFilters.read("overdue", [], [])).rows
    sign_in_as(client, adviser)
    assert "No concerns yet" in client.get("/caseload").content.decode()


def test_a_case_leaves_the_caseload_as_soon_as_sharing_stops(people, caseload):
    adviser = people["linked_adviser"]
    share_revoke(
        share=Share.objects.get(case=people["case"], adviser=adviser), actor=people["owner"]
    )
    assert {r.case.title for r in caseload_for(adviser).rows} == {"My college support"}


def test_an_adviser_with_nothing_shared_is_told_so(client, people):
    sign_in_as(client, people["unlinked_adviser"])
    text = client.get("/caseload").content.decode()
    assert "No family has shared a case with you yet" in text


@pytest.mark.parametrize("who", ["owner", "young_person", "staff", "administrator"])
def test_only_advisers_have_a_caseload(client, people, who):
    sign_in_as(client, people[who])
    assert client.get("/caseload").status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client, db):
    response = client.get("/caseload")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in")


def test_the_caseload_takes_the_same_number_of_queries_however_many_cases(people, caseload):
    adviser = people["linked_adviser"]
    with CaptureQueriesContext(connection) as small:
        caseload_for(adviser)
    for n in range(3):
        case = case_create(owner=people["owner"], title=f"Another case {n}", area="norfolk")
        concern_create(
            case=case, actor=people["owner"], route="council", facts=complained_on("2026-11-13")
        )
        share_grant(case=case, actor=people["owner"], adviser_email=adviser.email, access="view")
    with CaptureQueriesContext(connection) as large:
        load = caseload_for(adviser)
    assert len(load.rows) == 8
    assert len(large.captured_queries) == len(small.captured_queries) <= 4
