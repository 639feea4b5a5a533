"""The calendar feed: an iCalendar file (RFC 5545) of a person's deadlines behind a private address,
stored only as a hash, shown once, replaced or turned off by its owner. A feed shows only what its
owner may see."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.test import Client
from icalendar import Calendar

from sendroute.cases.calendar_feed import feed_create, feed_live, feed_revoke, feed_user
from sendroute.cases.models import AuditEvent, CalendarFeed
from sendroute.cases.services import case_create, concern_create
from tests.web.conftest import sign_in_as


def council_concern(case, problem_date: str, title: str = "Transport"):
    facts = {
        "concern_about": ["council"],
        "council_service": "other",
        "council_complaint_stage": "not_started",
        "council_problem_date": problem_date,
    }
    return concern_create(case=case, actor=case.owner, route="council", facts=facts, title=title)


def waiting_concern(case, complaint_date: str, title: str = "Waiting"):
    facts = {
        "concern_about": ["council"],
        "council_service": "other",
        "council_complaint_stage": "complaint_made",
        "council_complaint_date": complaint_date,
    }
    return concern_create(case=case, actor=case.owner, route="council", facts=facts, title=title)


@pytest.fixture
def with_deadlines(people):
    people["transport"] = council_concern(people["case"], "2025-12-01")
    people["waiting"] = waiting_concern(people["case"], "2026-11-20")
    return people


def events(response) -> dict[str, dict]:
    cal = Calendar.from_ical(response.content)
    return {
        str(e["uid"]): {
            "start": e.decoded("dtstart"),
            "end": e.decoded("dtend"),
            "summary": str(e["summary"]),
            "description": str(e["description"]),
        }
        for e in cal.walk("VEVENT")
    }


def feed_path(token: str) -> str:
    return f"/calendar/{token}.ics"


def test_the_feed_has_one_all_day_event_per_deadline_with_a_stable_uid(with_deadlines):
    token, _ = feed_create(with_deadlines["owner"])
    response = Client().get(feed_path(token))  # no sign-in: the address is the key
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"VERSION:2.0" in response.content
    assert b"PRODID:" in response.content
    assert b"DTSTART;VALUE=DATE:20261201" in response.content

    found = events(response)
    transport = with_deadlines["transport"].public_id
    waiting = with_deadlines["waiting"].public_id
    assert set(found) == {
        f"{transport}-council-complaint-time-limit@sendroute",
        f"{waiting}-council-stage1-response@sendroute",
        f"{waiting}-council-12-weeks@sendroute",
    }
    event = found[f"{transport}-council-complaint-time-limit@sendroute"]
    assert event["start"] == dt.date(2026, 12, 1)
    assert event["end"] == dt.date(2026, 12, 2)
    assert event["summary"] == "Usual last day to complain to the council (Sam at Oak School)"
    assert "12 calendar months after Monday 1 December 2025" in event["description"]
    stage1 = found[f"{waiting}-council-stage1-response@sendroute"]
    assert stage1["start"] == dt.date(2026, 12, 11)

    # The same deadline keeps its UID when asked again (calendar apps update, not duplicate).
    assert set(events(Client().get(feed_path(token)))) == set(found)


def test_only_a_hash_of_the_token_is_kept(people):
    token, feed = feed_create(people["owner"])
    assert len(token) >= 43
    assert feed.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not CalendarFeed.objects.filter(key_hash=token).exists()
    assert feed_user(token) == people["owner"]


def test_unknown_and_revoked_addresses_answer_404(with_deadlines):
    token, feed = feed_create(with_deadlines["owner"])
    assert Client().get(feed_path("not-a-real-token")).status_code == 404
    feed_revoke(feed)
    assert Client().get(feed_path(token)).status_code == 404
    assert feed_user(token) is None


def test_a_new_address_turns_off_the_old_one(with_deadlines):
    owner = with_deadlines["owner"]
    old, _ = feed_create(owner)
    new, feed = feed_create(owner)
    assert Client().get(feed_path(old)).status_code == 404
    assert Client().get(feed_path(new)).status_code == 200
    assert feed_live(owner) == feed
    assert CalendarFeed.objects.filter(user=owner, revoked_at__isnull=True).count() == 1


def test_a_feed_of_someone_no_longer_active_answers_404(with_deadlines):
    owner = with_deadlines["owner"]
    token, _ = feed_create(owner)
    owner.is_active = False
    owner.save()
    assert Client().get(feed_path(token)).status_code == 404


def test_another_persons_address_never_shows_my_events(with_deadlines):
    other = with_deadlines["other_family"]
    theirs = council_concern(
        case_create(owner=other, title="Their case", area="norfolk"), "2025-12-02"
    )
    my_token, _ = feed_create(with_deadlines["owner"])
    their_token, _ = feed_create(other)
    mine = events(Client().get(feed_path(my_token)))
    their_events = events(Client().get(feed_path(their_token)))
    assert set(their_events) == {f"{theirs.public_id}-council-complaint-time-limit@sendroute"}
    assert not set(mine) & set(their_events)
    assert "Sam at Oak School" not in Client().get(feed_path(their_token)).content.decode()


def test_an_advisers_feed_has_the_shared_cases_only(with_deadlines):
    token, _ = feed_create(with_deadlines["linked_adviser"])
    assert len(events(Client().get(feed_path(token)))) == 3
    token, _ = feed_create(with_deadlines["unlinked_adviser"])
    assert events(Client().get(feed_path(token))) == {}


# -- the page --------------------------------------------------------------------------------------


def test_the_page_shows_the_address_once_and_only_the_hash_is_kept(
    client, with_deadlines, settings
):
    settings.SENDROUTE_BASE_URL = "https://sendroute.example"
    owner = with_deadlines["owner"]
    sign_in_as(client, owner)
    first = client.get("/calendar").content.decode()
    assert "Your calendar feed is off." in first
    assert "Get a calendar address" in first

    response = client.post("/calendar")
    assert response.status_code == 200
    html = response.content.decode()
    match = re.search(r"https://sendroute\.example/calendar/([A-Za-z0-9_-]+)\.ics", html)
    assert match, html
    token = match.group(1)
    assert feed_user(token) == owner
    assert f"webcal://sendroute.example/calendar/{token}.ics" in html
    assert "We will not show it again" in html
    assert 'readonly="readonly"' in html
    assert response["Cache-Control"] == "no-store, private"

    later = client.get("/calendar").content.decode()
    assert token not in later
    assert "Your calendar feed is on" in later
    assert "Get a new address" in later
    assert "Turn off the feed" in later
    assert AuditEvent.objects.filter(action="calendar.created", actor_id=owner.pk).count() == 1


def test_getting_a_new_address_on_the_page_turns_off_the_old_one(client, with_deadlines):
    owner = with_deadlines["owner"]
    old, _ = feed_create(owner)
    sign_in_as(client, owner)
    client.post("/calendar")
    assert feed_user(old) is None
    assert CalendarFeed.objects.filter(user=owner, revoked_at__isnull=True).count() == 1


def test_turning_off_the_feed_asks_first(client, with_deadlines):
    owner = with_deadlines["owner"]
    token, _ = feed_create(owner)
    sign_in_as(client, owner)
    page = client.get("/calendar/turn-off")
    assert page.status_code == 200
    assert "Are you sure you want to turn off your calendar feed?" in page.content.decode()
    assert feed_user(token) == owner  # asking changes nothing

    response = client.post("/calendar/turn-off", {"confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"] == "/calendar?off=1"
    assert feed_user(token) is None
    assert "Your calendar feed is turned off" in client.get("/calendar?off=1").content.decode()
    assert AuditEvent.objects.filter(action="calendar.revoked", actor_id=owner.pk).exists()
    # Nothing to turn off any more: back to the calendar page.
    assert client.get("/calendar/turn-off")["Location"] == "/calendar"


def test_the_calendar_page_needs_signing_in(client, people):
    assert client.get("/calendar").status_code == 302
    assert client.post("/calendar").status_code == 302
    assert not CalendarFeed.objects.exists()
