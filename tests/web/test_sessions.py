"""A signed-in session's idle limit moves on without a database write on every page."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from sendroute.web.sessions import TOUCHED_KEY

from .conftest import sign_in_as


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def _set_touched(client, when: float) -> None:
    session = client.session
    session[TOUCHED_KEY] = when
    session.save()


@pytest.mark.django_db
def test_a_page_soon_after_the_last_save_does_not_write_the_session(client, people):
    sign_in_as(client, people["owner"])
    _set_touched(client, time.time())
    before = _expiry(client)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 200
    assert _expiry(client) == before


@pytest.mark.django_db
def test_a_page_after_the_touch_interval_moves_the_idle_limit_on(client, people, settings):
    settings.SENDROUTE_SESSION_TOUCH_SECONDS = 60
    sign_in_as(client, people["owner"])
    _set_touched(client, time.time() - 61)
    soon = timezone.now() + dt.timedelta(minutes=1)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=soon)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 200
    assert _expiry(client) > soon + dt.timedelta(minutes=20)
    assert client.session[TOUCHED_KEY] >= time.time() - 5


@pytest.mark.django_db
def test_a_session_never_touched_is_saved_on_its_next_page(client, people):
    sign_in_as(client, people["owner"])
    assert TOUCHED_KEY not in client.session
    client.get(reverse("cases:list"))
    assert TOUCHED_KEY in client.session


@pytest.mark.django_db
def test_a_visitor_without_a_session_gets_no_session_from_the_touch(client):
    response = client.get("/")
    assert response.status_code == 200
    assert Session.objects.count() == 0
