"""The journey's answers live in a signed cookie in the person's browser, never on the server."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session

from sendroute.journey.answers_cookie import COOKIE

pytestmark = pytest.mark.django_db


def answer_first_question(client):
    client.get("/concern/0/next")
    return client.post("/concern/0/question/child_at_risk", {"child_at_risk": "no"})


def test_answers_are_kept_in_a_signed_http_only_cookie(client):
    response = answer_first_question(client)
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert "child_at_risk" not in cookie.value  # compressed and signed, not plain text
    assert Session.objects.count() == 0


def test_a_tampered_cookie_starts_the_journey_again_without_an_error(client):
    answer_first_question(client)
    client.cookies[COOKIE] = client.cookies[COOKIE].value[:-4] + "AAAA"
    response = client.get("/concern/0/next")
    assert response.status_code == 302
    assert response["Location"] == "/concern/0/question/child_at_risk"


def test_clearing_answers_deletes_the_cookie(client):
    answer_first_question(client)
    response = client.post("/clear")
    assert response.cookies[COOKIE].value == ""
    assert client.get("/advice")["Location"] == "/"


def test_reading_a_page_does_not_rewrite_the_cookie(client):
    answer_first_question(client)
    response = client.get("/concern/0/question/child_at_risk")
    assert COOKIE not in response.cookies
