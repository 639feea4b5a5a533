"""A full disk is a clean 503 saying nothing was saved (sendroute.web.faults), never a 500 and
never half a write; and reminders that cannot be recorded or sent are tried again next run.

Quick tests with Django's test client (the soak test fills real disks under a real server)."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import Client

from sendroute.cases.models import Entry, Evidence, ReminderSent
from sendroute.web.faults import DISK_FULL_MESSAGE, is_disk_full
from tests.web.conftest import sign_in_as

from .soak_files import pdf

SQLITE_FULL = "database or disk is full"


@pytest.fixture(autouse=True)
def fixed_today(settings):
    settings.SENDROUTE_TODAY = "2026-11-27"


@pytest.fixture
def evidence_dir(settings, tmp_path):
    settings.SENDROUTE_EVIDENCE_DIR = tmp_path / "evidence"
    return settings.SENDROUTE_EVIDENCE_DIR


@pytest.fixture
def family(db, settings, evidence_dir):
    """A parent with a case shared (to add to) with an adviser."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from sendroute.accounts.models import Role, User
    from sendroute.cases.services import case_create, share_grant

    owner = User.objects.create_user(
        email="owner@example.invalid", password="a long pass phrase 123", role=Role.PARENT
    )
    User.objects.create_user(
        email="adviser@example.invalid", password="a long pass phrase 123", role=Role.ADVISER
    )
    case = case_create(owner=owner, title="Sam at Oak School", area="norfolk")
    share_grant(case=case, actor=owner, adviser_email="adviser@example.invalid", access="edit")
    return {"owner": owner, "case": case}


def note_form(key: str = "8d0f4c52-3c1a-4b55-9c7e-6f3f0a3c9e11") -> dict[str, str]:
    return {
        "kind": "note",
        "title": "Call with the SENCo",
        "people": "",
        "body": "",
        "actions": "",
        "concern": "",
        "date-day": "20",
        "date-month": "11",
        "date-year": "2026",
        "form_key": key,
    }


def disk_full(*args, **kwargs):
    raise OperationalError(SQLITE_FULL)


def assert_clean_503(response) -> None:
    assert response.status_code == 503
    assert DISK_FULL_MESSAGE in response.content.decode()
    assert response["Retry-After"]


def test_an_upload_when_the_evidence_disk_is_full_is_a_503_and_leaves_no_file_or_row(
    client, family, evidence_dir, monkeypatch
):
    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("sendroute.cases.evidence_store.os.fsync", no_space)
    sign_in_as(client, family["owner"])
    response = client.post(
        f"/cases/{family['case'].public_id}/evidence/new",
        {"title": "Letter", "concern": "", "file": SimpleUploadedFile("a.pdf", pdf("x"))},
    )
    assert_clean_503(response)
    assert "Sorry, the service cannot save anything at the moment" in response.content.decode()
    assert list(evidence_dir.iterdir()) == []  # the partly written upload was removed
    assert Evidence.objects.count() == 0


# Real commits, as in production: entry_create joins any outer transaction without a savepoint, so
# a failure dooms the whole of it; inside a test's own transaction the final count could not run
# (the API path, which has no savepoint of its own, failed that way).
@pytest.mark.django_db(transaction=True)
def test_a_note_when_the_database_disk_is_full_is_a_503_and_no_part_of_it_is_saved(
    client, family, monkeypatch
):
    # The entry row is written, then the disk fills while its audit event is: all rolled back.
    monkeypatch.setattr("sendroute.cases.services.audit_record", disk_full)
    sign_in_as(client, family["owner"])
    response = client.post(f"/cases/{family['case'].public_id}/timeline/new", note_form())
    assert_clean_503(response)
    assert Entry.objects.count() == 0


def test_a_page_is_still_shown_when_the_disk_is_too_full_to_move_its_session_expiry_on(
    family, monkeypatch
):
    # The session is saved after every page; Django reports that update failing as "the
    # session was deleted" (400). Nothing the page did was lost, so the page is shown.
    client = Client(raise_request_exception=False)
    sign_in_as(client, family["owner"])
    monkeypatch.setattr("django.contrib.sessions.models.Session.save", disk_full)
    response = client.get("/cases/")
    assert response.status_code == 200
    assert "Sam at Oak School" in response.content.decode()


def test_a_full_disk_in_a_middleware_after_the_view_is_a_503_not_a_500(family, monkeypatch):
    monkeypatch.setattr(
        "django.contrib.messages.middleware.MessageMiddleware.process_response", disk_full
    )
    client = Client(raise_request_exception=False)
    sign_in_as(client, family["owner"])
    assert_clean_503(client.get("/cases/"))


def test_a_deleted_session_is_still_refused_as_before(family, monkeypatch):
    from django.contrib.sessions.backends.base import UpdateError

    def deleted(*args, **kwargs):
        raise UpdateError

    client = Client(raise_request_exception=False)
    sign_in_as(client, family["owner"])
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.save", deleted)
    assert client.get("/cases/").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_a_full_disk_with_a_problem_json_503(client, family, monkeypatch):
    from sendroute.accounts.services import token_create

    token, _ = token_create(user=family["owner"])
    monkeypatch.setattr("sendroute.cases.services.audit_record", disk_full)
    response = client.post(
        f"/api/v1/cases/{family['case'].public_id}/notes",
        data=json.dumps({"kind": "note", "date": "2026-11-20", "title": "Call"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Service unavailable",
        "status": 503,
        "detail": DISK_FULL_MESSAGE,
    }
    assert Entry.objects.count() == 0


def test_other_database_errors_are_still_a_500(family, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("no such table: cases_auditevent")

    monkeypatch.setattr("sendroute.cases.services.audit_record", broken)
    client = Client(raise_request_exception=False)
    sign_in_as(client, family["owner"])
    response = client.post(f"/cases/{family['case'].public_id}/timeline/new", note_form())
    assert response.status_code == 500
    assert DISK_FULL_MESSAGE not in response.content.decode()


def test_a_full_disk_is_recognised_from_sqlite_postgresql_and_the_file_system_only():
    try:
        raise psycopg.errors.DiskFull("could not extend file: No space left on device")
    except psycopg.Error as pg:
        wrapped = OperationalError(str(pg))
        wrapped.__cause__ = pg
    assert is_disk_full(wrapped)
    assert is_disk_full(psycopg.errors.DiskFull("anything"))  # by its SQLSTATE, 53100
    assert is_disk_full(OperationalError(SQLITE_FULL))
    assert is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not is_disk_full(OperationalError("database is locked"))
    assert not is_disk_full(ValueError(SQLITE_FULL))  # words in a user's input are not a disk
    assert not is_disk_full(None)


# -- reminders ---------------------------------------------------------------------------------


@pytest.fixture
def due(family, settings):
    """A deadline 5 working days after today: one reminder each for the owner and the adviser."""
    from sendroute.cases.services import concern_create

    settings.SENDROUTE_REMINDER_WORKING_DAYS = 5
    facts = {
        "concern_about": ["council"],
        "council_service": "other",
        "council_complaint_stage": "not_started",
        "council_problem_date": "2025-12-04",
    }
    concern_create(case=family["case"], actor=family["owner"], route="council", facts=facts)
    return family


FRIDAY = dt.date(2026, 11, 27)


def test_a_reminder_whose_claim_cannot_be_written_is_counted_failed_and_sent_next_run(
    due, monkeypatch, mailoutbox
):
    from sendroute.cases.reminders import reminders_run

    real_create = ReminderSent.objects.create
    monkeypatch.setattr(ReminderSent.objects, "create", disk_full)
    run = reminders_run(FRIDAY)
    assert (run.sent, run.failed) == (0, 2)
    assert mailoutbox == []
    monkeypatch.setattr(ReminderSent.objects, "create", real_create)
    assert reminders_run(FRIDAY).sent == 2
    assert sorted(m.to[0] for m in mailoutbox) == [
        "adviser@example.invalid",
        "owner@example.invalid",
    ]


def test_the_claim_of_an_unsent_reminder_is_withdrawn_even_if_the_database_is_busy_at_first(
    due, monkeypatch, mailoutbox
):
    from django.db.models import QuerySet

    from sendroute.cases import reminders

    monkeypatch.setattr(reminders, "WITHDRAW_WAITS", (0.0, 0.0))
    busy = {"left": 2}
    real_delete = QuerySet.delete

    def delete(self):
        if self.model is ReminderSent and busy["left"]:
            busy["left"] -= 1
            raise OperationalError("database is locked")
        return real_delete(self)

    def refused(self, *args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(QuerySet, "delete", delete)
    monkeypatch.setattr("django.core.mail.EmailMessage.send", refused)
    run = reminders.reminders_run(FRIDAY)
    assert (run.sent, run.failed) == (0, 2)
    assert busy["left"] == 0  # the first withdrawal waited through two "locked" answers
    assert ReminderSent.objects.count() == 0  # both claims withdrawn: nothing is lost
    monkeypatch.undo()
    assert reminders.reminders_run(FRIDAY).sent == 2
    assert len(mailoutbox) == 2


def test_reminders_are_sent_with_a_timeout_so_a_silent_email_server_cannot_hold_the_job(
    due, settings, monkeypatch
):
    from sendroute.cases import reminders

    seen = {}

    def get_connection(**kwargs):
        seen.update(kwargs)
        from django.core.mail import get_connection as real

        return real(backend="django.core.mail.backends.locmem.EmailBackend")

    monkeypatch.setattr(reminders, "get_connection", get_connection)
    settings.EMAIL_TIMEOUT = None
    reminders.reminders_run(FRIDAY)
    assert seen["timeout"] == reminders.SEND_TIMEOUT_SECONDS
    settings.EMAIL_TIMEOUT = 7
    reminders.reminders_run(FRIDAY)
    assert seen["timeout"] == 7
