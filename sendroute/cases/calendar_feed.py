"""A private calendar feed (iCalendar, RFC 5545) of a person's deadlines, for calendar apps.

The feed's address holds a random token. Only a SHA-256 hash of it is kept, so the address is
shown once, when it is made. Making a new one turns off the old one; it can be turned off at any
time. Each deadline is an all-day event whose UID stays the same while the deadline exists, so a
calendar app moves an event when its date changes instead of adding another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from icalendar import Alarm, Calendar, Event

from sendroute.accounts.models import User

from .advice import today
from .audit import audit_record
from .deadlines import DeadlineRow, deadlines_for
from .models import CalendarFeed

CALENDAR_CREATED = "calendar.created"
CALENDAR_REVOKED = "calendar.revoked"

PRODID = "-//sendroute//Deadlines//EN"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_create(user: User) -> tuple[str, CalendarFeed]:
    """A new feed address for ``user`` (its token is returned once); older ones stop working."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # One at a time per person (two presses at once): so one feed is left working.
        User.objects.select_for_update().filter(pk=user.pk).exists()
        for old in CalendarFeed.objects.filter(user=user, revoked_at__isnull=True):
            _revoke(old, user)
        feed = CalendarFeed.objects.create(user=user, key_hash=_hash(token))
        audit_record(actor=user, action=CALENDAR_CREATED, obj=feed)
    return token, feed


def _revoke(feed: CalendarFeed, actor: Any) -> None:
    # Only the request that really turns it off records it (not a second one sent at once).
    now = timezone.now()
    if CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(revoked_at=now):
        feed.revoked_at = now
        audit_record(actor=actor, action=CALENDAR_REVOKED, obj=feed)


def feed_revoke(feed: CalendarFeed, actor: Any = None) -> None:
    """Turn a feed off. Turning it off twice is harmless."""
    with transaction.atomic():
        _revoke(feed, actor if actor is not None else feed.user)


def feed_live(user: User) -> CalendarFeed | None:
    """The feed that works now, if there is one."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def feed_user(token: str) -> User | None:
    """The active person whose live feed this token opens, or None."""
    if not token or len(token) > 200:
        return None
    feed = (
        CalendarFeed.objects.filter(
            key_hash=_hash(token), revoked_at__isnull=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    return feed.user if feed is not None else None


def feed_url(token: str) -> str:
    """The full address of a feed, to paste into a calendar app."""
    path = reverse("cases:calendar_feed", kwargs={"token": token})
    return settings.SENDROUTE_BASE_URL.rstrip("/") + path


def _event(row: DeadlineRow, stamp: dt.datetime) -> Event:
    link = settings.SENDROUTE_BASE_URL.rstrip("/") + row.url
    event = Event()
    event.add("uid", f"{row.concern.public_id}-{row.deadline.id}@sendroute")
    event.add("dtstamp", stamp)
    event.add("dtstart", row.date)
    event.add("dtend", row.date + dt.timedelta(days=1))
    event.add("summary", f"{row.deadline.title} ({row.case.title})")
    lines = [*row.deadline.explanation]
    if row.deadline.note:
        lines += ["", " ".join(row.deadline.note.split())]
    lines += ["", f"See it in sendroute: {link}"]
    event.add("description", "\n".join(lines))
    event.add("url", link)
    event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy all day
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Tomorrow: {row.deadline.title}")
    alarm.add("trigger", dt.timedelta(hours=-15))  # 9am the day before
    event.add_component(alarm)
    return event


def calendar_ics(user: User, on: dt.date | None = None) -> bytes:
    """The person's deadlines as an iCalendar file."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "sendroute deadlines")
    cal.add("refresh-interval", dt.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    for row in deadlines_for(user, on or today()):
        cal.add_component(_event(row, stamp))
    return bytes(cal.to_ical())
