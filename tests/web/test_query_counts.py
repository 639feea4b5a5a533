"""The busiest pages make a fixed number of database queries, however much is in the case or the
caseload: each page is requested with a little data, then with much more of it, and must make
exactly the same queries. A query per entry, concern, file or case (an N+1) fails these tests.
(The load benchmark, bench/load_bench.py P2, reports the same counts on seeded data.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sendroute.accounts.models import Role, User
from sendroute.cases.models import Concern, EventKind, StageEvent
from sendroute.cases.services import (
    case_create,
    concern_create,
    entry_create,
    entry_edit,
    share_grant,
)
from sendroute.cases.timeline import case_timeline

from .conftest import sign_in_as

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)
ROUTES = (
    ("school", {"concern_about": ["school"], "school_stage": "met_head_or_senco"}),
    ("council", {"concern_about": ["council"]}),
)


def add_to_case(case, owner, *, entries: int, concerns: int, files: int) -> None:
    """Notes (every other one edited, so with several revisions), concerns with a stage event
    each, and evidence files, some attached to a note."""
    from sendroute.cases.evidence_store import evidence_save

    made = []
    for i in range(entries):
        entry = entry_create(
            case=case,
            actor=owner,
            kind="note",
            date=dt.date(2026, 10, 1 + i % 28),
            title=f"Note {i}",
            people="",
            body="What was said.",
            actions="",
        )
        if i % 2:
            entry_edit(
                entry=entry,
                actor=owner,
                version=entry.version,
                date=entry.date,
                title=f"Note {i}, corrected",
                people="",
                body="What was said, corrected.",
                actions="",
            )
        made.append(entry)
    for i in range(concerns):
        route, facts = ROUTES[i % len(ROUTES)]
        concern = concern_create(
            case=case, actor=owner, route=route, facts=facts, title=f"Concern {i}"
        )
        StageEvent.objects.create(
            concern=concern,
            step=concern.current_step or "step",
            kind=EventKind.MADE,
            date=dt.date(2026, 11, 2),
            recorded_by=owner,
        )
    for i in range(files):
        evidence_save(
            case=case,
            actor=owner,
            upload=SimpleUploadedFile(f"photo-{i}.png", PNG + bytes([i])),
            title=f"Photo {i}",
            entry=made[i % len(made)] if made else None,
        )


def queries_of(client, url: str) -> list[str]:
    client.get(url)  # the first request fills the caches (rules, content types)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [q["sql"] for q in ctx.captured_queries]


def assert_same_queries(small: list[str], large: list[str]) -> None:
    assert len(large) == len(small), (
        f"{len(small)} queries with little data but {len(large)} with more:\n" + "\n".join(large)
    )


def adviser_with_cases(people, count: int) -> User:
    """A new adviser with ``count`` cases of new families shared, each with two concerns."""
    adviser = User.objects.create_user(
        email=f"caseload-{count}@example.org", password="a long pass phrase 123", role=Role.ADVISER
    )
    for i in range(count):
        owner = User.objects.create_user(
            email=f"family-{count}-{i}@example.org",
            password="a long pass phrase 123",
            role=Role.PARENT,
        )
        case = case_create(owner=owner, title=f"Case {i}", area="norfolk")
        add_to_case(case, owner, entries=1, concerns=2, files=0)
        share_grant(
            case=case,
            actor=owner,
            adviser_email=adviser.email,
            access="edit" if i % 2 else "view",
        )
    return adviser


def test_the_case_page_makes_as_many_queries_with_many_entries_concerns_and_files_as_with_few(
    people, client
):
    owner, case = people["owner"], people["case"]
    add_to_case(case, owner, entries=2, concerns=1, files=1)
    sign_in_as(client, owner)
    url = f"/cases/{case.public_id}/"
    small = queries_of(client, url)
    add_to_case(case, owner, entries=20, concerns=3, files=4)
    assert_same_queries(small, queries_of(client, url))


def test_an_advisers_view_of_a_case_makes_a_fixed_number_of_queries(people, client):
    owner, case = people["owner"], people["case"]
    add_to_case(case, owner, entries=2, concerns=1, files=1)
    sign_in_as(client, people["linked_adviser"])
    url = f"/cases/{case.public_id}/"
    small = queries_of(client, url)
    add_to_case(case, owner, entries=20, concerns=3, files=4)
    assert_same_queries(small, queries_of(client, url))


def test_the_timeline_makes_as_many_queries_with_many_entries_as_with_few(people):
    owner, case = people["owner"], people["case"]
    add_to_case(case, owner, entries=2, concerns=1, files=1)
    with CaptureQueriesContext(connection) as small:
        few = case_timeline(case)
    add_to_case(case, owner, entries=20, concerns=3, files=4)
    with CaptureQueriesContext(connection) as large:
        many = case_timeline(case)
    assert len(many) > len(few)  # the larger timeline really is larger
    assert_same_queries(
        [q["sql"] for q in small.captured_queries], [q["sql"] for q in large.captured_queries]
    )


def test_my_cases_makes_as_many_queries_with_many_cases_as_with_one(people, client):
    owner = people["owner"]
    add_to_case(people["case"], owner, entries=1, concerns=1, files=0)
    sign_in_as(client, owner)
    small = queries_of(client, "/cases/")
    for i in range(6):
        case = case_create(owner=owner, title=f"Another case {i}", area="norfolk")
        add_to_case(case, owner, entries=1, concerns=2, files=0)
    large = queries_of(client, "/cases/")
    assert_same_queries(small, large)


def test_the_caseload_makes_as_many_queries_with_many_shared_cases_as_with_one(people, client):
    one = adviser_with_cases(people, 1)
    many = adviser_with_cases(people, 8)
    assert Concern.objects.filter(case__shares__adviser=many).count() == 16
    small = queries_of(sign_in_as(client, one), "/caseload")
    large = queries_of(sign_in_as(client, many), "/caseload")
    assert_same_queries(small, large)


def test_the_deadlines_page_makes_as_many_queries_with_many_cases_as_with_one(people, client):
    one = adviser_with_cases(people, 1)
    many = adviser_with_cases(people, 8)
    small = queries_of(sign_in_as(client, one), "/deadlines")
    large = queries_of(sign_in_as(client, many), "/deadlines")
    assert_same_queries(small, large)
