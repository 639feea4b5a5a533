"""schemathesis drives every API operation from the OpenAPI document: no server errors, and every
response matches the schema the document promises (status codes, content types, bodies).

The operations are called twice over: without a token (the case file answers 401), and the case
file's operations with a family member's token, on a case of theirs that has a concern, a note
and a file, so that generated requests reach the code behind the ids and not only the 404.

Each operation gets 100 generated requests in ``make test`` (on SQLite and on PostgreSQL), and
1000 with SENDROUTE_FULL_PROOF=1 (a quarter of that without a token, where every request stops
at the 401)."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sendroute.web.wsgi import application

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
CASE_FILE = r"^/api/v1/(cases|deadlines)"
public = schema.exclude(path_regex=CASE_FILE)
case_file = schema.include(path_regex=CASE_FILE)
EXAMPLES = 1000 if os.environ.get("SENDROUTE_FULL_PROOF") == "1" else 100
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_database_connection():
    """schemathesis calls the WSGI application directly, not through Django's test client, so
    Django would close the database connection at the end of each request, as it does in
    production. In a test, that connection holds the test's transaction (on PostgreSQL, closing it
    loses the transaction), so do what the test client does: keep it open."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@public.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_operations_never_fail_and_keep_their_promises(case):
    case.call_and_validate(checks=CHECKS)


@case_file.parametrize()
@settings(max_examples=EXAMPLES // 4, deadline=None, suppress_health_check=list(HealthCheck))
def test_case_file_operations_without_a_token_answer_401_as_promised(case):
    # Without a token every request stops at the gate, before its input is read: a quarter of
    # the examples is plenty; the 100 per operation are spent below, with a token.
    response = case.call_and_validate(checks=CHECKS)
    assert response.status_code in (401, 405)  # 405: a method the operation does not have


@pytest.fixture
def family(db):
    from sendroute.accounts.models import Role, User
    from sendroute.accounts.services import token_create

    owner = User.objects.create_user(
        email="fuzz@example.org", password="a long pass phrase 123", role=Role.PARENT
    )
    token, _ = token_create(user=owner)
    return owner, token


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _real_ids(owner) -> dict[str, str]:
    """A fresh case (each example may change or delete it) with one of everything in it."""
    from sendroute.cases.evidence_store import evidence_save
    from sendroute.cases.services import case_create, concern_create, entry_create

    made = case_create(owner=owner, title="Fuzz", area="norfolk")
    concern = concern_create(
        case=made,
        actor=owner,
        route="school",
        facts={"concern_about": ["school"], "school_stage": "met_head_or_senco"},
    )
    note = entry_create(case=made, actor=owner, kind="note", date=dt.date(2026, 11, 20), title="N")
    evidence = evidence_save(
        case=made, actor=owner, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n"), title="F"
    )
    return {
        "case_id": str(made.public_id),
        "concern_id": str(concern.public_id),
        "note_id": str(note.public_id),
        "evidence_id": str(evidence.public_id),
    }


@case_file.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_case_file_operations_with_a_token_never_fail_and_keep_their_promises(case, family):
    owner, token = family
    if case.path_parameters:
        ids = _real_ids(owner)
        for name, value in case.path_parameters.items():
            if name in ids and _is_uuid(value):  # keep the badly formed ids: they get 422
                case.path_parameters[name] = ids[name]
    case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {token}"})
