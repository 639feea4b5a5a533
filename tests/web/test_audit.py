"""The audit: every view and change of a case, and every sign-in, is recorded and can only be
added to. The owner sees who has seen their case; nobody else can."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from sendroute.accounts.models import SignInAttempt, TwoFactorAttempt
from sendroute.cases.audit import Action, audit_record
from sendroute.cases.audit_guard import GUARDED_TABLES
from sendroute.cases.models import AuditEvent, AuditIsAppendOnly
from tests.web.conftest import sign_in_as

pytestmark = pytest.mark.django_db


def seen_url(case):
    return f"/cases/{case.public_id}/seen"


def test_the_owner_sees_that_the_adviser_looked_at_the_case(client, people):
    case, adviser = people["case"], people["linked_adviser"]
    adviser_client = sign_in_as(client.__class__(), adviser)
    assert adviser_client.get(f"/cases/{case.public_id}/").status_code == 200
    viewed = AuditEvent.objects.filter(
        case_id=case.pk, actor_id=adviser.pk, action=Action.CASE_VIEWED
    )
    assert viewed.count() == 1
    assert viewed.get().actor_role == "adviser"

    sign_in_as(client, people["owner"])
    page = client.get(seen_url(case))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Who has seen this case" in text
    assert "linked@example.org" in text
    assert "Looked at the case" in text
    assert "Shared the case" in text
    assert "Created the case" in text
    assert "On the website" in text


def test_times_are_shown_in_uk_time_as_gov_uk_writes_them(client, people):
    case, adviser = people["case"], people["linked_adviser"]
    summer = audit_record(actor=adviser, action=Action.CASE_VIEWED, case=case, obj=case, via="api")
    winter = audit_record(actor=adviser, action=Action.ENTRY_VIEWED, case=case, obj=case)
    # Set the times with the guard lifted, as the rows cannot be changed otherwise.
    from sendroute.cases.audit_guard import create_guards, drop_guards

    drop_guards(connection)
    AuditEvent.objects.filter(pk=summer.pk).update(at=dt.datetime(2026, 7, 1, 13, 5, tzinfo=dt.UTC))
    AuditEvent.objects.filter(pk=winter.pk).update(
        at=dt.datetime(2026, 11, 27, 0, 30, tzinfo=dt.UTC)
    )
    create_guards(connection)

    sign_in_as(client, people["owner"])
    text = client.get(seen_url(case)).content.decode()
    assert "1 July 2026 at 2:05pm" in text  # British Summer Time
    assert "27 November 2026 at 12:30am" in text
    assert "Through the API" in text


def test_an_account_that_has_gone_is_named_as_deleted(client, people):
    case, adviser = people["case"], people["linked_adviser"]
    audit_record(actor=adviser, action=Action.CASE_VIEWED, case=case, obj=case)
    adviser.delete()
    sign_in_as(client, people["owner"])
    text = client.get(seen_url(case)).content.decode()
    assert "An account that has been deleted" in text
    assert "linked@example.org" not in text


@pytest.mark.parametrize(
    "who", ["other_family", "linked_adviser", "unlinked_adviser", "staff", "administrator"]
)
def test_nobody_but_the_owner_sees_who_has_seen_the_case(client, people, who):
    sign_in_as(client, people[who])
    assert client.get(seen_url(people["case"])).status_code == 404


def test_each_view_and_change_of_a_case_is_recorded(client, people):
    case, owner = people["case"], people["owner"]
    sign_in_as(client, owner)
    before = AuditEvent.objects.filter(case_id=case.pk).count()
    client.get(f"/cases/{case.public_id}/")
    client.post(
        f"/cases/{case.public_id}/sharing", {"email": "unlinked@example.org", "access": "view"}
    )
    actions = list(AuditEvent.objects.filter(case_id=case.pk).values_list("action", flat=True)[:2])
    assert AuditEvent.objects.filter(case_id=case.pk).count() == before + 2
    assert set(actions) == {Action.CASE_VIEWED, Action.SHARE_GRANTED}


def test_a_refused_look_is_not_recorded_as_seeing_the_case(client, people):
    other, case = people["other_family"], people["case"]
    sign_in_as(client, other)
    assert client.get(f"/cases/{case.public_id}/").status_code == 404
    assert not AuditEvent.objects.filter(
        case_id=case.pk, action=Action.CASE_VIEWED, actor_id=other.pk
    ).exists()


def test_sign_ins_and_failed_sign_ins_are_recorded(client, people):
    client.post(
        "/account/sign-in", {"email": "owner@example.org", "password": "wrong password here"}
    )
    client.post(
        "/account/sign-in", {"email": "owner@example.org", "password": "a long pass phrase 123"}
    )
    attempts = list(SignInAttempt.objects.filter(email="owner@example.org").order_by("at", "id"))
    assert [a.succeeded for a in attempts] == [False, True]


# -- append only ---------------------------------------------------------------------------------


def test_an_audit_row_cannot_be_changed_or_deleted_through_the_models(people):
    row = AuditEvent.objects.filter(case_id=people["case"].pk).first()
    row.action = "case.nothing"
    with pytest.raises(AuditIsAppendOnly):
        row.save()
    with pytest.raises(AuditIsAppendOnly):
        row.delete()
    row.refresh_from_db()
    assert row.action != "case.nothing"


def test_the_database_refuses_bulk_updates_and_deletes_of_audit_rows(people):
    rows = AuditEvent.objects.filter(case_id=people["case"].pk)
    count = rows.count()
    with pytest.raises(DatabaseError), transaction.atomic():
        rows.update(action="case.nothing")
    with pytest.raises(DatabaseError), transaction.atomic():
        rows.delete()
    assert rows.count() == count
    assert not rows.filter(action="case.nothing").exists()


@pytest.mark.parametrize("table", GUARDED_TABLES)
def test_the_database_refuses_raw_sql_updates_and_deletes(people, table):
    SignInAttempt.objects.create(email="owner@example.org", ip_hash="x" * 64, succeeded=False)
    TwoFactorAttempt.objects.create(email="owner@example.org", ip_hash="x" * 64, succeeded=False)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed table names
        count = cursor.fetchone()[0]
    assert count > 0
    column = "action" if table == "cases_auditevent" else "email"
    with (
        pytest.raises(DatabaseError, match="append only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET {column} = 'changed'")  # noqa: S608
    with (
        pytest.raises(DatabaseError, match="append only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
        assert cursor.fetchone()[0] == count
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = 'changed'")  # noqa: S608
        assert cursor.fetchone()[0] == 0
