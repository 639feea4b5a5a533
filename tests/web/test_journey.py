"""The advice journey in Django's test client: one question per page, errors, check, advice."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def answer(client: Client, response, data: dict) -> object:
    """Post ``data`` to the question page the last response redirected to."""
    return client.post(response["Location"], data)


def walk(client: Client, answers: list[tuple[str, dict]]):
    """Start the journey and answer questions in order, checking each is the expected one."""
    response = client.get("/concern/0/next")
    for fact, data in answers:
        assert response.status_code == 302, response
        assert response["Location"] == f"/concern/0/question/{fact}", (fact, response["Location"])
        response = client.post(response["Location"], data)
    return response


PARENT_AT_START = [
    ("child_at_risk", {"child_at_risk": "no"}),
    ("abuse_allegation", {"abuse_allegation": "no"}),
    ("concern_about", {"concern_about": ["school"]}),
    ("missing_education", {"missing_education": "no"}),
    ("school_stage", {"school_stage": "not_started"}),
    (
        "school_incident_date",
        {
            "school_incident_date-day": "20",
            "school_incident_date-month": "11",
            "school_incident_date-year": "2026",
        },
    ),
    ("school_blocking_procedure", {"school_blocking_procedure": "no"}),
]


def test_start_page_says_who_it_is_for_and_starts_the_journey(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<h1 class="govuk-heading-xl">Get advice about a SEND complaint or disagreement</h1>'
        in html
    )
    assert "young people aged 16 to 25" in html
    assert 'href="/concern/0/next"' in html


def test_the_first_question_is_whether_a_child_is_at_risk(client):
    response = client.get("/concern/0/next", follow=True)
    html = response.content.decode()
    assert "Is a child in danger or at risk of harm right now?" in html
    assert "Why we ask this" in html
    assert html.count("<h1") == 1


def test_a_parent_at_the_start_reaches_check_answers_then_advice(client):
    response = walk(client, PARENT_AT_START)
    assert response["Location"] == "/concern/0/check"
    check = client.get("/concern/0/check").content.decode()
    assert "Check your answers" in check
    assert "Friday 20 November 2026" in check
    advice = client.get("/advice").content.decode()
    assert (
        advice.index("What to do next")
        < advice.index("Talk to your child&#39;s teacher")
        < advice.index("Also open to you now")
    )
    assert "The first step is to talk to the teacher." in advice
    assert "Saturday 20 February 2027" in advice


def test_a_missing_answer_shows_the_error_summary_and_keeps_the_page(client):
    response = client.get("/concern/0/next", follow=True)
    response = client.post("/concern/0/question/child_at_risk", {})
    html = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error: " in html
    assert "There is a problem" in html
    assert 'href="#child_at_risk"' in html
    assert "Select yes, no or I&#39;m not sure" in html


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "field"),
    [
        ("31", "2", "2026", "The date must be a real date", "day"),
        ("1", "13", "2026", "The date must be a real date", "month"),
        ("1", "12", "2026", "The date must be today or in the past", "day"),
        ("", "", "", "Enter the date", "day"),
        ("3", "", "2026", "The date must include a month", "month"),
        ("3", "4", "26", "The year must include 4 numbers", "year"),
        ("x", "4", "2026", "written in numbers", "day"),
    ],
)
def test_date_errors_are_specific_linked_and_keep_what_was_typed(
    client, day, month, year, message, field
):
    walk(client, PARENT_AT_START[:5])
    response = client.post(
        "/concern/0/question/school_incident_date",
        {
            "school_incident_date-day": day,
            "school_incident_date-month": month,
            "school_incident_date-year": year,
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert f'href="#school_incident_date-{field}"' in html
    if day:
        assert f'value="{day}"' in html


def test_not_sure_leaves_a_fact_unknown_and_the_journey_continues(client):
    walk(client, PARENT_AT_START[:5])
    response = client.post("/concern/0/question/school_incident_date", {"not_sure": "yes"})
    assert response["Location"] == "/concern/0/question/school_blocking_procedure"
    client.post(response["Location"], {"school_blocking_procedure": "no"})
    check = client.get("/concern/0/check").content.decode()
    assert "I&#39;m not sure" in check


def test_changing_an_answer_from_check_answers_returns_there_and_the_advice_follows(client):
    walk(client, PARENT_AT_START)
    response = client.post(
        "/concern/0/question/school_stage?return=check", {"school_stage": "procedure_completed"}
    )
    assert response["Location"] == "/concern/0/check"
    advice = client.get("/advice").content.decode()
    assert (
        "Complain to the Department for Education (DfE)" in advice.split("Also open to you now")[0]
    )


def test_the_back_link_goes_to_the_previous_question(client):
    walk(client, PARENT_AT_START[:3])
    html = client.get("/concern/0/question/missing_education").content.decode()
    assert 'href="/concern/0/question/concern_about"' in html
    assert "govuk-back-link" in html


def test_the_browser_back_button_can_revisit_an_answered_question(client):
    walk(client, PARENT_AT_START)
    response = client.get("/concern/0/question/child_at_risk")
    assert response.status_code == 200
    assert 'value="no" checked' in response.content.decode()


def test_a_question_that_is_not_part_of_the_journey_redirects_to_the_right_one(client):
    response = client.get("/concern/0/question/school_stage")
    assert response.status_code == 302
    assert response["Location"] == "/concern/0/next"


def test_an_unknown_question_is_not_found(client):
    assert client.get("/concern/0/question/no_such_fact").status_code == 404
    assert client.get("/concern/5/next").status_code == 404


def test_another_concern_carries_facts_about_the_child_and_gets_its_own_advice(client):
    walk(client, PARENT_AT_START)
    response = client.post("/concern/new")
    assert response["Location"] == "/concern/1/next"
    response = client.get("/concern/1/next")
    assert response["Location"] == "/concern/1/question/abuse_allegation"
    client.post(response["Location"], {"abuse_allegation": "no"})
    response = client.post("/concern/1/question/concern_about", {"concern_about": ["school"]})
    advice_html = client.get("/advice").content.decode()
    assert "Concern 1" in advice_html
    assert "Concern 2" in advice_html


def test_clear_my_answers_asks_first_then_forgets_everything(client):
    walk(client, PARENT_AT_START)
    page = client.get("/clear")
    assert "You cannot undo this" in page.content.decode()
    response = client.post("/clear")
    assert response["Location"] == "/?cleared=1"
    assert "Your answers have been cleared" in client.get("/?cleared=1").content.decode()
    assert client.get("/advice")["Location"] == "/"


def test_forms_refuse_a_post_without_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.get("/concern/0/next")
    response = client.post("/concern/0/question/child_at_risk", {"child_at_risk": "no"})
    assert response.status_code == 403
    assert "Sorry, we could not save that" in response.content.decode()


def test_nothing_about_the_child_is_stored_on_the_server(client, django_db_blocker):
    from django.contrib.sessions.models import Session

    walk(client, PARENT_AT_START)
    assert Session.objects.count() == 0
