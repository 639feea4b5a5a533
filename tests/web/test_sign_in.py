"""Signing in and out: a new session key at sign-in, the session ended on the server at sign-out,
throttling after repeated failures, every attempt recorded, and an absolute session limit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from sendroute.accounts.models import SignInAttempt
from sendroute.accounts.services import user_create
from sendroute.accounts.views import SIGNED_IN_AT

pytestmark = pytest.mark.django_db
PASSWORD = "a long, memorable pass phrase"


@pytest.fixture
def parent():
    # a parent with an account
    return user_create(email="parent@example.org", role="parent", password=PASSWORD)


def sign_in(client, email="parent@example.org", password=PASSWORD):
    return client.post("/account/sign-in", {"email": email, "password": password})


def test_signing_in_starts_a_new_server_session_and_opens_the_account_page(client, parent):
    client.get("/account/sign-in")
    before = client.cookies.get("sendroute_session")
    response = sign_in(client)
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    after = client.cookies["sendroute_session"].value
    assert before is None or before.value != after
    assert Session.objects.filter(session_key=after).exists()
    assert "parent@example.org" in client.get("/account/").content.decode()
    assert SignInAttempt.objects.filter(email="parent@example.org", succeeded=True).count() == 1


def test_signing_out_deletes_the_session_on_the_server(client, parent):
    sign_in(client)
    key = client.cookies["sendroute_session"].value
    response = client.post("/account/sign-out")
    assert response["Location"] == "/?signed_out=1"
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/account/")["Location"].startswith("/account/sign-in")


def test_a_wrong_password_is_refused_and_recorded(client, parent):
    response = sign_in(client, password="not the password at all")
    assert response.status_code == 400
    assert "The email address or password is not right" in response.content.decode()
    assert SignInAttempt.objects.filter(succeeded=False).count() == 1


def test_missing_fields_are_named_in_the_error_summary(client):
    response = client.post("/account/sign-in", {"email": "", "password": ""})
    html = response.content.decode()
    assert 'href="#email"' in html
    assert 'href="#password"' in html


def test_after_five_failures_even_the_right_password_is_refused_for_a_while(
    client, parent, monkeypatch
):
    for _ in range(5):
        sign_in(client, password="wrong password guess")
    response = sign_in(client)
    assert response.status_code == 400
    assert "too many attempts" in response.content.decode()
    # Sign-in records are append only, so move the clock on rather than the records back.
    later = timezone.now() + dt.timedelta(minutes=16)
    monkeypatch.setattr("sendroute.accounts.services.timezone.now", lambda: later)
    assert sign_in(client).status_code == 302


def test_a_session_ends_after_the_absolute_limit_however_active(client, parent, settings):
    sign_in(client)
    session = client.session
    session[SIGNED_IN_AT] = (timezone.now() - dt.timedelta(hours=13)).isoformat()
    session.save()
    response = client.get("/account/")
    assert response["Location"] == "/account/sign-in?expired=1"


def test_sign_in_never_redirects_to_another_site(client, parent):
    response = client.post(
        "/account/sign-in",
        {"email": "parent@example.org", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/account/"


def test_a_parent_or_young_person_can_create_an_account_and_is_signed_in(client):
    response = client.post(
        "/account/create",
        {
            "role": "young_person",
            "email": "Me@Example.org",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert response["Location"] == "/account/"
    assert "me@example.org" in client.get("/account/").content.decode()


@pytest.mark.parametrize(
    ("data", "words", "target"),
    [
        ({"role": "adviser", "email": "a@example.org"}, "Select who the account is for", "#role"),
        ({"role": "parent", "email": ""}, "Enter your email address", "#email"),
        (
            {"role": "parent", "email": "a@example.org", "password": "short"},
            "at least 12 characters",
            "#password",
        ),
        (
            {"role": "parent", "email": "a@example.org", "password_again": "different words here"},
            "different",
            "#password_again",
        ),
        ({"role": "parent", "email": "parent@example.org"}, "already an account", "#email"),
    ],
)
def test_sign_up_explains_each_problem_and_keeps_what_was_typed(
    client, parent, data, words, target
):
    form = {"password": PASSWORD, "password_again": data.get("password", PASSWORD), **data}
    response = client.post("/account/create", form)
    html = response.content.decode()
    assert response.status_code == 400
    assert words in html
    assert f'href="{target}"' in html
    if data.get("email"):
        assert f'value="{data["email"]}"' in html


@pytest.mark.parametrize("email", ["parent@example.org\x00", "a" * 250 + "@example.org"])
def test_an_email_no_account_could_have_gets_a_format_error_not_a_failure(client, parent, email):
    response = sign_in(client, email=email)
    assert response.status_code == 400
    assert "Enter an email address in the correct format" in response.content.decode()
    assert not SignInAttempt.objects.exists()
