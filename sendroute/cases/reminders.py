"""Reminder emails before deadlines, sent by ``manage.py send_reminders`` (run it daily from cron).

A reminder goes to each person with access to a case (its owner, and advisers it is shared with
now) for each dated deadline of an open concern that is ``SENDROUTE_REMINDER_WORKING_DAYS``
working days away or closer, and not yet past. "Or closer" means a day the job did not run is
caught up on the next run; a deadline already past gets no reminder.

Running it again sends nothing twice. Each reminder is one ``ReminderSent`` row, unique for
(concern, person, deadline, due date), and the order is:

1. claim: insert the row and commit it. If it is already there (an earlier run, or another run
   at the same time) the database refuses it and the reminder is skipped;
2. send the email;
3. if sending raises (the email server refuses, or does not answer within the timeout), delete
   the row again, so the next run tries again. A busy database is waited for before giving up.

If the claim cannot be written at all (the database is busy for too long, or its disk is full),
nothing is claimed and the reminder is counted as failed: the next run tries it again.

So a reminder is sent at most once. The one way to lose one is for the process to die between
the claim and the end of the send (killed mid-SMTP): that reminder is then not sent, and the
deadline is still on the deadlines page and in the calendar feed. We chose this over sending
inside the claiming transaction (at least once) because that would hold a database write lock
open for the whole SMTP conversation (SQLite locks the whole database) and a crash after the
send but before the commit would email the family twice.

If the deadline's date changes (new answers, a stage recorded), the new date is a new due date,
and gets its own reminder.

The email holds no data about the child beyond the case title, which the family chose.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string

from sendroute.accounts.models import Role, User

from .access import FAMILY_ROLES
from .advice import today
from .deadlines import DeadlineRow, concern_path, open_concerns, rows_for_concerns
from .models import Concern, ReminderSent, Share

logger = logging.getLogger(__name__)

# How long one email may take to send when EMAIL_TIMEOUT is not set, in seconds.
SEND_TIMEOUT_SECONDS = 60
# How long to wait before each further try at withdrawing the claim of an unsent reminder.
WITHDRAW_WAITS = (0.5, 2.0, 5.0, 15.0)


@dataclass(frozen=True)
class ReminderRun:
    sent: int = 0
    failed: int = 0  # could not be sent this time; the next run tries again


def reminder_working_days() -> int:
    return max(0, int(settings.SENDROUTE_REMINDER_WORKING_DAYS))


def is_due_for_reminder(row: DeadlineRow, working_days: int) -> bool:
    """True from ``working_days`` working days before the date up to the date itself."""
    if row.date < row.on or row.working_days_left is None:
        return False
    return row.working_days_left <= working_days


def recipients(concern: Concern) -> list[User]:
    """Everyone who may see the concern's case now: the owner and advisers with a live share.
    Expects ``case.live_shares`` prefetched (see ``_concerns``); falls back to a query."""
    case = concern.case
    people: list[User] = []
    if case.owner.is_active and case.owner.role in FAMILY_ROLES:
        people.append(case.owner)
    shares = getattr(case, "live_shares", None)
    if shares is None:
        shares = list(case.shares.filter(revoked_at__isnull=True).select_related("adviser"))
    for share in shares:
        adviser = share.adviser
        if adviser.is_active and adviser.role == Role.ADVISER and adviser not in people:
            people.append(adviser)
    return [p for p in people if p.email]


def _concerns() -> Iterable[Concern]:
    live = Share.objects.filter(revoked_at__isnull=True).select_related("adviser")
    return (
        open_concerns()
        .select_related("case__owner")
        .prefetch_related(Prefetch("case__shares", queryset=live, to_attr="live_shares"))
    )


def reminder_email(row: DeadlineRow, person: User) -> EmailMessage:
    link = settings.SENDROUTE_BASE_URL.rstrip("/") + concern_path(row.concern)
    body = render_to_string(
        "cases/reminder_email.txt",
        {
            "case_title": row.case.title,
            "is_owner": person.pk == row.case.owner_id,
            "deadline_title": row.deadline.title,
            "who": row.deadline.who,
            "date_text": row.date_text,
            "time_left": row.time_left,
            "link": link,
            "working_days": reminder_working_days(),
        },
    )
    subject = f"Reminder: {row.deadline.title}, {row.date_text}"
    return EmailMessage(subject=subject, body=body, to=[person.email])


class _ClaimFailedError(Exception):
    """The claim could not be written (the database is locked for too long, or its disk is full):
    nothing is claimed, so the next run tries this reminder again."""


def _claim(row: DeadlineRow, person: User) -> ReminderSent | None:
    """The committed claim for this reminder, or None when it was already claimed."""
    try:
        with transaction.atomic():
            return ReminderSent.objects.create(
                concern=row.concern, user=person, deadline=row.deadline.id, due=row.date
            )
    except IntegrityError:
        return None
    except DatabaseError as exc:
        raise _ClaimFailedError from exc


def _withdraw(claim: ReminderSent) -> None:
    """Delete the claim of a reminder that was not sent, so that the next run sends it. A busy
    (or briefly full) database is waited for: a claim left behind would lose the reminder."""
    for wait in (*WITHDRAW_WAITS, None):
        try:
            ReminderSent.objects.filter(pk=claim.pk).delete()
            return
        except DatabaseError:
            if wait is None:
                logger.critical(
                    "Reminder claim %s could not be withdrawn: its reminder was not sent and will "
                    "not be tried again until the row is deleted",
                    claim.pk,
                )
                raise
            time.sleep(wait)


def reminders_run(on: dt.date | None = None) -> ReminderRun:
    """Send the reminders due on ``on`` (today by default) that have not been sent yet."""
    on = on or today()
    working_days = reminder_working_days()
    rows = [r for r in rows_for_concerns(_concerns(), on) if is_due_for_reminder(r, working_days)]
    sent = failed = 0
    # One backend for the run, with a timeout, so that an email server that stops answering
    # fails these sends (to be tried again next run) instead of holding the job for ever.
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT or SEND_TIMEOUT_SECONDS)
    for row in rows:
        for person in recipients(row.concern):
            try:
                claim = _claim(row, person)
            except _ClaimFailedError as exc:
                failed += 1
                # One line with ids and the kind of error: no traceback, no addresses.
                logger.warning(
                    "Reminder for deadline %s of concern %s to user %s could not be claimed (%s)",
                    row.deadline.id,
                    row.concern.public_id,
                    person.pk,
                    type(exc.__cause__ or exc).__name__,
                )
                continue
            if claim is None:
                continue
            try:
                message = reminder_email(row, person)
                message.connection = connection
                message.send()
            except Exception as exc:
                # Withdraw the claim so that the next run tries again. Only ids and the kind of
                # error are logged (an SMTP error's text can hold email addresses).
                _withdraw(claim)
                failed += 1
                logger.warning(
                    "Reminder for deadline %s of concern %s to user %s could not be sent (%s); "
                    "it will be tried again on the next run",
                    row.deadline.id,
                    row.concern.public_id,
                    person.pk,
                    type(exc).__name__,
                )
                continue
            sent += 1
    return ReminderRun(sent=sent, failed=failed)


def reminders_send(on: dt.date | None = None) -> int:
    """Send the reminders due on ``on``; the number sent."""
    return reminders_run(on).sent
