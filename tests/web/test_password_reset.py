"""Password reset by email: the same answer whether or not an account exists, a link that works
once, the password rules applied to the new password, and the old password no longer working."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from sendroute.accounts.models import User
from sendroute.accounts.services import user_create

pytestmark = pytest.mark.django_db
OLD = "a long, memorable pass phrase"
NEW = "another quite long pass phrase"


@pytest.fixture
def parent():
    return user_create(email="parent@example.org", role="parent", password=OLD)


def ask_for_link(client, email):
    return client.post("/account/password-reset", {"email": email})


def reset_link() -> str:
    match = re.search(r"http://testserver(/account/reset/\S+)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_a_reset_link_is_emailed_and_sets_a_new_password(client, parent):
    response = ask_for_link(client, "parent@example.org")
    assert response["Location"] == "/account/password-reset/sent"
    assert mail.outbox[-1].subject == "Reset your sendroute password"
    page = client.get(reset_link(), follow=True)
    assert "Choose a new password" in page.content.decode()
    response = client.post(page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert response["Location"] == "/account/reset/done"
    user = User.objects.get(email="parent@example.org")
    assert user.check_password(NEW)
    assert not user.check_password(OLD)


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, parent):
    response = ask_for_link(client, "nobody@example.org")
    assert response["Location"] == "/account/password-reset/sent"
    assert mail.outbox == []


def test_the_new_password_must_follow_the_rules(client, parent):
    ask_for_link(client, "parent@example.org")
    page = client.get(reset_link(), follow=True)
    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "password1234", "new_password2": "password1234"},
    )
    html = response.content.decode()
    assert "too common" in html
    assert 'href="#new_password2"' in html or 'href="#new_password1"' in html
    assert User.objects.get(email="parent@example.org").check_password(OLD)


def test_a_used_or_altered_link_does_not_work(client, parent):
    ask_for_link(client, "parent@example.org")
    link = reset_link()
    page = client.get(link[:-3] + "abc", follow=True)
    assert "This link does not work any more" in page.content.decode()
    page = client.get(link, follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    again = client.get(link, follow=True)
    assert "This link does not work any more" in again.content.decode()
