# ruff: noqa: F811 - ``world`` is the authorization matrix's fixture, imported by name
"""The audit covers what it must: every sign-in (right or wrong, and each two-factor code), every
refused request (with who asked and the id asked for, never anything found), and every read of a
child's record, on the website and through the API. An edit to an audit row, even one made with
the database's guard lifted, is detected. And no log line carries what a family wrote about their
child: health or safeguarding text, or the child's name.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import re
import time
import uuid
from typing import Any

import pyotp
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client

from sendroute.accounts.models import SignInAttempt, TotpDevice, TwoFactorAttempt
from sendroute.accounts.services import token_create, user_create
from sendroute.cases.audit import Action, audit_record, chain_hash, verify_chain
from sendroute.cases.audit_guard import create_guards, drop_guards
from sendroute.cases.models import AuditEvent, Case

from .conftest import sign_in_as
from .test_authorization_matrix import (
    API,
    CASE_EDIT,
    CASE_OWNER,
    CASE_VIEW,
    PAGES,
    PNG,
    _api_path,
    _path,
    world,  # noqa: F401 - a fixture, used by name
)

pytestmark = pytest.mark.django_db

PASSWORD = "a long pass phrase 123"


# -- sign-ins --------------------------------------------------------------------------------------


def test_every_sign_in_attempt_is_recorded_right_wrong_unknown_or_blocked(client, people):
    attempts = [
        ("owner@example.org", "wrong password here", False),
        ("nobody@example.invalid", PASSWORD, False),
        ("owner@example.org", PASSWORD, True),
    ]
    for email, password, _ in attempts:
        Client().post("/account/sign-in", {"email": email, "password": password})
    # Five wrong passwords, then the right one is blocked: all six are recorded.
    for _ in range(5):
        Client().post("/account/sign-in", {"email": "other@example.org", "password": "wrong one"})
    blocked = Client().post(
        "/account/sign-in", {"email": "other@example.org", "password": PASSWORD}
    )
    assert blocked.status_code == 400
    recorded = [(a.email, a.succeeded) for a in SignInAttempt.objects.order_by("at", "id")]
    assert recorded == [(e, ok) for e, _, ok in attempts] + [("other@example.org", False)] * 6
    # What is kept of the address is a hash; never the password.
    for attempt in SignInAttempt.objects.all():
        assert len(attempt.ip_hash) == 64
        assert PASSWORD not in str(attempt.__dict__)


def test_each_two_factor_code_entered_is_recorded_without_the_code(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    adviser = user_create(email="adviser@example.invalid", role="adviser", password=PASSWORD)
    client = Client()
    client.post("/account/sign-in", {"email": adviser.email, "password": PASSWORD})
    assert client.get("/account/two-factor/set-up").status_code == 200
    secret = TotpDevice.objects.get(user=adviser).secret
    totp = pyotp.TOTP(secret)
    near = {totp.at(time.time(), counter_offset=offset) for offset in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in near)
    client.post("/account/two-factor/set-up", {"code": wrong})
    right = totp.now()
    assert client.post("/account/two-factor/set-up", {"code": right})["Location"] == "/account/"
    rows = list(TwoFactorAttempt.objects.filter(email=adviser.email).order_by("at", "id"))
    assert [r.succeeded for r in rows] == [False, True]
    assert all(wrong not in str(r.__dict__) and right not in str(r.__dict__) for r in rows)
    assert SignInAttempt.objects.filter(email=adviser.email, succeeded=True).count() == 1


# -- refusals --------------------------------------------------------------------------------------


def _page_text(response: Any, case_id: str) -> bytes:
    return re.sub(rb'nonce="[^"]*"', b"", response.content.replace(case_id.encode(), b""))


def _refusals_since(last: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=last, action=Action.ACCESS_REFUSED).order_by("id"))


def _last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.mark.parametrize(
    "role", ["other_family", "young_person", "unlinked_adviser", "staff", "administrator"]
)
def test_a_refused_request_is_recorded_with_who_and_which_id_and_nothing_else(client, world, role):
    sign_in_as(client, world["people"][role])
    token, _ = token_create(user=world["people"][role])
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    ids = world["ids"]
    case = Case.objects.get(public_id=ids["case_id"])
    nowhere = str(uuid.uuid4())
    last = _last_id()

    real = client.get(f"/cases/{ids['case_id']}/evidence/{ids['evidence_id']}/download")
    unknown = client.get(f"/cases/{nowhere}/evidence/{ids['evidence_id']}/download")
    api = client.get(f"/api/v1/cases/{ids['case_id']}/notes/{ids['note_id']}", **bearer)
    assert (real.status_code, unknown.status_code, api.status_code) == (404, 404, 404)
    # The answer is the same whether the case exists or not: only the id (and the page's
    # content-security nonce) differs.
    assert _page_text(real, ids["case_id"]) == _page_text(unknown, nowhere)

    rows = _refusals_since(last)
    assert [(r.object_type, r.object_id, r.via) for r in rows] == [
        ("evidence", ids["evidence_id"], "web"),
        ("evidence", ids["evidence_id"], "web"),
        ("entry", ids["note_id"], "api"),
    ]
    user = world["people"][role]
    for row in rows:
        assert (row.actor_id, row.actor_role) == (user.pk, user.role)
        # Not tied to the case: the owner's "who has seen" page does not name the asker, and an
        # existing case's row reads the same as an unknown one's.
        assert row.case_id is None
    assert not AuditEvent.objects.filter(id__gt=last, case_id=case.pk).exists()


def test_a_403_is_recorded_too(client, people):
    adviser = people["unlinked_adviser"]
    token, _ = token_create(user=adviser)
    last = _last_id()
    response = client.post(
        "/api/v1/cases",
        {"title": "x", "area": "norfolk"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code in (403, 404)
    csrf = Client(enforce_csrf_checks=True)
    sign_in_as(csrf, people["owner"])
    assert (
        csrf.post(f"/cases/{people['case'].public_id}/details", {"title": "x"}).status_code == 403
    )
    rows = _refusals_since(last)
    assert [(r.actor_id, r.object_type) for r in rows] == [
        (adviser.pk, "api POST cases"),
        (people["owner"].pk, "case"),
    ]
    assert rows[1].object_id == str(people["case"].public_id)


# -- reads of a child's record ---------------------------------------------------------------------

# Pages and operations that show a case's content, but whose reading is not itself recorded as a
# read, with the reason. Everything else that shows a case must add an audit row.
NOT_A_READ = {
    # Forms: they show the case to someone about to change it; the change is recorded.
    **{name: "a form" for name, rule in PAGES.items() if rule in (CASE_EDIT, CASE_OWNER)},
    "cases:audit": "the owner's own audit page",
    # The progress of a bundle being made, polled while it is made, by whoever asked for it: the
    # asking (bundle.created) and the download (bundle.downloaded) are recorded.
    "bundles:status": "a progress page",
}


def _read_pages() -> list[str]:
    return sorted(
        name for name, rule in PAGES.items() if rule == CASE_VIEW and name not in NOT_A_READ
    )


def _read_operations() -> list[str]:
    return sorted(t for (m, t), rule in API.items() if m == "GET" and rule == CASE_VIEW)


@pytest.mark.parametrize("role", ["owner", "viewing_adviser"])
def test_every_read_of_a_childs_record_is_recorded(client, world, role):
    user = world["people"][role]
    sign_in_as(client, user)
    token, _ = token_create(user=user)
    case = Case.objects.get(public_id=world["ids"]["case_id"])
    failures = []
    for name in _read_pages():
        last = _last_id()
        response = client.get(_path(name, world["ids"]))
        assert response.status_code == 200, name
        rows = AuditEvent.objects.filter(id__gt=last, actor_id=user.pk, case_id=case.pk)
        if not rows.exclude(object_id="").exists():
            failures.append(f"GET {name} was not recorded")
    for template in _read_operations():
        last = _last_id()
        response = client.get(
            _api_path(template, world["ids"]), HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code == 200, template
        rows = AuditEvent.objects.filter(id__gt=last, actor_id=user.pk, case_id=case.pk, via="api")
        if not rows.exclude(object_id="").exists():
            failures.append(f"GET {template} was not recorded")
    assert not failures, "\n".join(failures)


def test_downloading_everything_is_recorded_for_each_case(client, world):
    owner = world["people"]["owner"]
    sign_in_as(client, owner)
    last = _last_id()
    response = client.post("/account/download", {"confirm": "yes"})
    assert response.status_code == 200
    case = Case.objects.get(public_id=world["ids"]["case_id"])
    assert AuditEvent.objects.filter(
        id__gt=last, actor_id=owner.pk, case_id=case.pk, action=Action.CASE_EXPORTED
    ).exists()


# -- an edit to an audit row is detected -----------------------------------------------------------


def _some_rows(people: dict[str, Any], count: int = 20) -> list[AuditEvent]:
    case, adviser = people["case"], people["linked_adviser"]
    return [
        audit_record(actor=adviser, action=Action.CASE_VIEWED, case=case, obj=case)
        for _ in range(count)
    ]


def test_an_untouched_audit_trail_verifies(people):
    _some_rows(people)
    result = verify_chain()
    assert result.intact
    assert result.checked == AuditEvent.objects.count()
    # Each row's chain value follows from the row before it in its case's chain.
    rows = list(AuditEvent.objects.order_by("id"))
    for key in {r.case_id for r in rows}:
        chain = [r for r in rows if r.case_id == key]
        assert chain[0].chain == chain_hash("", chain[0])
        for before, row in itertools.pairwise(chain):
            assert row.chain == chain_hash(before.chain or "", row)


def _tamper(sql: str) -> None:
    drop_guards(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        create_guards(connection)


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE cases_auditevent SET action = 'case.nothing' WHERE id = {id}",
        "UPDATE cases_auditevent SET actor_id = actor_id + 1 WHERE id = {id}",
        "UPDATE cases_auditevent SET case_id = NULL WHERE id = {id}",
        "UPDATE cases_auditevent SET at = at WHERE id = {id} AND 0 = 1",  # no change: intact
        "DELETE FROM cases_auditevent WHERE id = {id}",
        "UPDATE cases_auditevent SET chain = NULL WHERE id = {id}",
    ],
    ids=["action", "actor", "moved-to-no-case", "nothing", "deleted", "chain-cleared"],
)
def test_an_edit_made_with_the_guard_lifted_is_detected(people, tamper):
    rows = _some_rows(people)
    target = rows[10]
    _tamper(tamper.format(id=target.pk))
    result = verify_chain()
    if "0 = 1" in tamper:
        assert result.intact
    elif tamper.startswith("DELETE"):
        assert result.first_broken == rows[11].pk  # the row after the one removed
    else:
        assert result.first_broken == target.pk


def test_removing_the_newest_rows_of_a_chain_is_detected_against_a_checkpoint(people):
    rows = _some_rows(people)
    other = audit_record(actor=people["owner"], action=Action.ACCESS_REFUSED, object_id="x")
    checkpoint = verify_chain().checkpoint
    assert checkpoint is not None
    assert checkpoint[0] == other.pk
    # Later rows do not upset an earlier checkpoint.
    for _ in range(3):
        audit_record(actor=people["owner"], action=Action.ACCESS_REFUSED, object_id="y")
    assert verify_chain(checkpoint=checkpoint).intact
    # The case's last rows before the checkpoint are removed (not the newest row of all).
    _tamper(f"DELETE FROM cases_auditevent WHERE id IN ({rows[-2].pk}, {rows[-1].pk})")  # noqa: S608
    assert verify_chain().intact  # a chain alone cannot see its end cut off...
    assert verify_chain(checkpoint=checkpoint).first_broken == checkpoint[0]  # ...a checkpoint can


def test_manage_py_verify_audit_says_whether_the_trail_is_intact(people):
    rows = _some_rows(people, 5)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()
    mark = verify_chain().checkpoint
    assert mark is not None
    assert f"Checkpoint: {mark[0]}:{mark[1]}" in out.getvalue()
    call_command("verify_audit", f"--checkpoint={mark[0]}:{mark[1]}", stdout=io.StringIO())
    _tamper(f"UPDATE cases_auditevent SET via = 'x' WHERE id = {rows[2].pk}")  # noqa: S608
    err = io.StringIO()
    with pytest.raises(SystemExit) as stopped:
        call_command("verify_audit", stdout=io.StringIO(), stderr=err)
    assert stopped.value.code == 1
    assert f"row {rows[2].pk}" in err.getvalue()


# -- nothing about the child in any log -----------------------------------------------------------

SECRETS = (
    "Zebedee-Quince",  # the child's name
    "diagnosed with ADHD",
    "safeguarding referral",
    "self-harm disclosed",
    "EHCP-SECRET-NOTE",
    "SECRET-EVIDENCE-TITLE",
    "SECRET-LETTER-BODY",
)


class Everything(logging.Handler):
    """Keeps every record, formatted as a plain log line, an access log line and with its extras."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
        lines = []
        for record in self.records:
            lines.append(formatter.format(record))
            if record.exc_info:
                lines.append(formatter.formatException(record.exc_info))
            lines.append(repr(record.args))
            lines.append(repr({k: v for k, v in record.__dict__.items() if k != "exc_info"}))
        return "\n".join(lines)


@pytest.fixture
def every_log_record():
    """Every logger at DEBUG, each record kept (including those that do not propagate)."""
    handler = Everything()
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
    ]
    for name in ("django.request", "django.server", "django.security.csrf", "gunicorn.access",
                 "gunicorn.error", "sendroute"):  # fmt: skip
        loggers.append(logging.getLogger(name))
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.addHandler(handler)
    yield handler
    for lg, level in saved:
        lg.setLevel(level)
        lg.removeHandler(handler)


def access_line(response: Any) -> str:
    """The line gunicorn's default access log would write for this request."""
    request = response.request
    query = request.get("QUERY_STRING", "")
    path = request["PATH_INFO"] + (f"?{query}" if query else "")
    return (
        f'127.0.0.1 - - [-] "{request["REQUEST_METHOD"]} {path} HTTP/1.1" '
        f'{response.status_code} - "{request.get("HTTP_REFERER", "-")}" "-"'
    )


def test_no_log_line_carries_health_or_safeguarding_text(settings, people, every_log_record):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    owner, case = people["owner"], people["case"]
    access: list[str] = []
    client = Client(raise_request_exception=False)

    def go(method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        response = getattr(client, method)(path, *args, **kwargs)
        access.append(access_line(response))
        if response.get("Location"):
            access.append(response["Location"])
        return response

    go("post", "/account/sign-in", {"email": owner.email, "password": "wrong " + SECRETS[1]})
    go("post", "/account/sign-in", {"email": owner.email, "password": PASSWORD})
    made = go(
        "post",
        "/cases/new",
        {"title": f"About {SECRETS[0]}", "area": "norfolk", "child_name": SECRETS[0]},
    )
    assert made.status_code == 302, made.content[:300]
    new = Case.objects.filter(owner=owner).exclude(pk=case.pk).get()
    assert new.child_name == SECRETS[0]
    base = f"/cases/{new.public_id}"
    note = {
        "kind": "note",
        "date-day": "2",
        "date-month": "11",
        "date-year": "2026",
        "title": SECRETS[4],
        "people": "GP",
        "body": f"{SECRETS[1]}; {SECRETS[2]}; {SECRETS[3]}",
        "actions": SECRETS[2],
    }
    assert go("post", f"{base}/timeline/new", note).status_code == 302
    bad = go("post", f"{base}/timeline/new", {**note, "date-day": "41"})  # 400: a bad form
    assert bad.status_code == 400
    upload = SimpleUploadedFile(f"{SECRETS[5]}.png", PNG, content_type="image/png")
    assert (
        go("post", f"{base}/evidence/new", {"file": upload, "title": SECRETS[5]}).status_code == 302
    )
    facts = {"concern_about": ["school"], "school_stage": "met_head_or_senco"}
    from sendroute.cases.services import concern_create
    from sendroute.letters.services import letter_create

    concern = concern_create(case=new, actor=owner, route="school", facts=facts)
    letter = letter_create(
        concern=concern, actor=owner, type_id="school-complaint", body=SECRETS[6], enclosures=[]
    )
    go("get", f"{base}/")
    go("get", f"{base}/letters/{letter.public_id}")
    go("get", f"{base}/letters/{letter.public_id}.txt")
    go("get", f"/cases/{uuid.uuid4()}/")  # 404

    # The API: a note with the same text, a 409 on a stale version, a 422 with the text in it.
    token, _ = token_create(user=owner)
    api = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    made_note = go(
        "post",
        f"/api/v1/cases/{new.public_id}/notes",
        json.dumps({"kind": "note", "date": "2026-11-02", "title": SECRETS[4], "body": SECRETS[1]}),
        content_type="application/json",
        **api,
    )
    assert made_note.status_code == 201
    note_id = made_note.json()["id"]
    patch = {"date": "2026-11-02", "title": SECRETS[2], "body": SECRETS[3], "version": 1}
    assert (
        go(
            "patch",
            f"/api/v1/cases/{new.public_id}/notes/{note_id}",
            json.dumps(patch),
            content_type="application/json",
            **api,
        ).status_code
        == 200
    )
    stale = go(
        "patch",
        f"/api/v1/cases/{new.public_id}/notes/{note_id}",
        json.dumps({**patch, "title": f"{SECRETS[3]} again"}),
        content_type="application/json",
        **api,
    )
    assert stale.status_code == 409
    invalid = go(
        "post",
        f"/api/v1/cases/{new.public_id}/notes",
        json.dumps({"kind": SECRETS[1], "date": SECRETS[2], "title": SECRETS[3]}),
        content_type="application/json",
        **api,
    )
    assert invalid.status_code == 422

    # A 500 in the middle of saving a note: the error is logged, the text is not.
    import sendroute.cases.views.timeline as timeline

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    original = timeline.entry_create
    timeline.entry_create = broken
    try:
        assert go("post", f"{base}/timeline/new", note).status_code == 500
    finally:
        timeline.entry_create = original

    text = every_log_record.text()
    assert "Internal Server Error" in text  # the logging was captured
    assert "Not Found" in text
    for secret in SECRETS:
        assert secret not in text, f"a log record carries {secret!r}"
        for line in access:
            assert secret not in line, f"an access log line carries {secret!r}: {line}"
    # No handler that would mail a technical error report (which lists a request's form fields
    # and local variables) is attached to any logger.
    from django.utils.log import AdminEmailHandler

    for name in ["", *logging.root.manager.loggerDict]:
        logger = logging.getLogger(name)
        assert not any(isinstance(h, AdminEmailHandler) for h in logger.handlers), name
