"""Reminder emails: one per person with access, per deadline and date, from 5 working days before
the date (bank holidays left out), never for a date that has passed, and never twice however
often the job runs. A failed send is tried again on the next run."""

from __future__ import annotations

import datetime as dt
import io
import smtplib

import pytest
from django.core.mail import EmailMessage
from django.core.management import CommandError, call_command
from django.utils import timezone

from sendroute.cases.models import Case, ReminderSent, Share
from sendroute.cases.reminders import reminders_run, reminders_send
from sendroute.cases.services import concern_create

FRIDAY = dt.date(2026, 11, 27)


def council_concern(case, problem_date: str, title: str = "Transport"):
    """The usual last day to complain is 12 months after the problem date."""
    facts = {
        "concern_about": ["council"],
        "council_service": "other",
        "council_complaint_stage": "not_started",
        "council_problem_date": problem_date,
    }
    return concern_create(case=case, actor=case.owner, route="council", facts=facts, title=title)


@pytest.fixture
def due_friday(people, settings):
    """A deadline on Friday 4 December 2026: exactly 5 working days after Friday 27 November."""
    settings.SENDROUTE_REMINDER_WORKING_DAYS = 5
    settings.SENDROUTE_BASE_URL = "https://sendroute.example"
    people["concern"] = council_concern(people["case"], "2025-12-04")
    return people


def test_a_reminder_goes_to_the_owner_and_the_adviser_once_however_often_it_runs(
    due_friday, mailoutbox
):
    assert reminders_send(FRIDAY) == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["linked@example.org", "owner@example.org"]
    assert reminders_send(FRIDAY) == 0
    assert len(mailoutbox) == 2
    rows = ReminderSent.objects.filter(concern=due_friday["concern"])
    assert {(r.deadline, r.due) for r in rows} == {
        ("council-complaint-time-limit", dt.date(2026, 12, 4))
    }


def test_later_days_before_the_date_send_nothing_again(due_friday, mailoutbox):
    reminders_send(FRIDAY)
    for day in (dt.date(2026, 11, 30), dt.date(2026, 12, 3), dt.date(2026, 12, 4)):
        assert reminders_send(day) == 0
    assert len(mailoutbox) == 2


def test_nothing_is_sent_6_working_days_before(due_friday, mailoutbox):
    assert reminders_send(dt.date(2026, 11, 26)) == 0  # Thursday: 6 working days before
    assert mailoutbox == []


def test_a_missed_day_is_caught_up_once(due_friday, mailoutbox):
    # The job did not run on the Friday 5 working days before; it runs on the Tuesday.
    assert reminders_send(dt.date(2026, 12, 1)) == 2
    assert "3 working days left" in mailoutbox[0].body
    assert reminders_send(dt.date(2026, 12, 2)) == 0


def test_a_passed_date_gets_no_reminder(due_friday, mailoutbox):
    assert reminders_send(dt.date(2026, 12, 7)) == 0
    assert mailoutbox == []


def test_bank_holidays_are_left_out_when_counting_back(people, settings, mailoutbox):
    # Due Monday 4 January 2027. Friday 25 and Monday 28 December 2026 and Friday 1 January 2027
    # are bank holidays, so 5 working days before is Wednesday 23 December (not 28 December).
    settings.SENDROUTE_REMINDER_WORKING_DAYS = 5
    council_concern(people["case"], "2026-01-04")
    assert reminders_send(dt.date(2026, 12, 22)) == 0
    assert reminders_send(dt.date(2026, 12, 23)) == 2
    assert "Monday 4 January 2027: 5 working days left." in mailoutbox[0].body


def test_the_number_of_working_days_comes_from_the_settings(due_friday, settings, mailoutbox):
    settings.SENDROUTE_REMINDER_WORKING_DAYS = 2
    assert reminders_send(FRIDAY) == 0
    assert reminders_send(dt.date(2026, 12, 2)) == 2


def test_the_email_says_what_is_due_and_links_to_the_case_but_nothing_else_about_the_child(
    due_friday, mailoutbox
):
    Case.objects.filter(pk=due_friday["case"].pk).update(
        child_name="Robin", child_birth_year=2016, child_school_year="Year 5"
    )
    reminders_send(FRIDAY)
    message = next(m for m in mailoutbox if m.to == ["owner@example.org"])
    assert (
        message.subject
        == "Reminder: Usual last day to complain to the council, Friday 4 December 2026"
    )
    body = message.body
    assert 'your case "Sam at Oak School"' in body
    assert "Usual last day to complain to the council" in body
    assert "Friday 4 December 2026: 5 working days left." in body
    assert f"https://sendroute.example/cases/{due_friday['case'].public_id}/" in body
    for private in ("Robin", "2016", "Year 5", "2025"):
        assert private not in body
        assert private not in message.subject
    assert "Sam at Oak School" not in message.subject
    assert "&quot;" not in body
    assert "&#34;" not in body
    adviser = next(m for m in mailoutbox if m.to == ["linked@example.org"])
    assert "which a family shares with you" in adviser.body


def test_an_adviser_whose_share_was_revoked_gets_nothing(due_friday, mailoutbox):
    Share.objects.filter(adviser=due_friday["linked_adviser"]).update(revoked_at=timezone.now())
    assert reminders_send(FRIDAY) == 1
    assert [m.to for m in mailoutbox] == [["owner@example.org"]]


def test_a_resolved_concern_gets_no_reminder(due_friday, mailoutbox):
    concern = due_friday["concern"]
    concern.resolved_on = FRIDAY
    concern.save()
    assert reminders_send(FRIDAY) == 0


def test_a_reminder_already_claimed_by_another_run_is_not_sent_again(due_friday, mailoutbox):
    ReminderSent.objects.create(
        concern=due_friday["concern"],
        user=due_friday["owner"],
        deadline="council-complaint-time-limit",
        due=dt.date(2026, 12, 4),
    )
    assert reminders_send(FRIDAY) == 1
    assert [m.to for m in mailoutbox] == [["linked@example.org"]]


def test_a_changed_date_gets_its_own_reminder(due_friday, mailoutbox):
    reminders_send(FRIDAY)
    concern = due_friday["concern"]
    concern.facts = {**concern.facts, "council_problem_date": "2025-12-03"}
    concern.save()
    assert reminders_send(FRIDAY) == 2
    assert ReminderSent.objects.count() == 4


def test_a_failed_send_leaves_no_record_and_is_tried_again_next_run(
    due_friday, mailoutbox, monkeypatch
):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("the mail server went away")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMessage, "send", refuse)
        run = reminders_run(FRIDAY)
    assert (run.sent, run.failed) == (0, 2)
    assert ReminderSent.objects.count() == 0
    assert reminders_send(dt.date(2026, 11, 30)) == 2
    assert ReminderSent.objects.count() == 2


# -- the management command ----------------------------------------------------------------------


def test_the_command_sends_and_says_how_many(due_friday, mailoutbox):
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-11-27", stdout=out)
    assert out.getvalue().strip() == "Sent 2 reminders."
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-11-27", stdout=out)
    assert out.getvalue().strip() == "Sent 0 reminders."


def test_the_command_uses_today_without_a_date(due_friday, mailoutbox):
    out = io.StringIO()
    call_command("send_reminders", stdout=out)  # today is fixed at Friday 27 November 2026
    assert out.getvalue().strip() == "Sent 2 reminders."


@pytest.mark.parametrize("bad", ["27/11/2026", "2026-02-30", "tomorrow"])
def test_the_command_refuses_a_bad_date(db, bad):
    with pytest.raises(CommandError, match="year-month-day, like 2026-11-27"):
        call_command("send_reminders", "--date", bad, stdout=io.StringIO())


def test_the_command_fails_when_a_reminder_could_not_be_sent(due_friday, mailoutbox, monkeypatch):
    def refuse(self, fail_silently=False):
        raise OSError("no route to the mail server")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 reminders could not be sent"):
        call_command("send_reminders", "--date", "2026-11-27", stdout=out)
    assert out.getvalue().strip() == "Sent 0 reminders."
