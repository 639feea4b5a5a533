"""An IDOR sweep: every page and API operation that names an object, asked for 100 ids that
belong to someone else (or to nobody), by every role. Nothing is shown, nothing changes.

The ids are: objects of another family's cases (made in bulk), objects of a third family's cases
that are shared with a different adviser, and random ids that exist nowhere. Objects that have a
case of their own are also asked for under the caller's own case (my case id, their concern id).
Every object carries a marker ("SECRET-<n>") that must never appear in a response, every answer
must be the same for every id (so that an answer does not tell whether an id exists), and the
database must be the same afterwards, save for the audit rows that record the refusals.

At CI size every role is swept over every endpoint and method with a sample of the ids (all three
kinds, and the mixed-case attacks); SENDROUTE_FULL_PROOF=1 sweeps all 100 ids for every role.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

from sendroute.accounts.models import Role, User
from sendroute.accounts.services import token_create
from sendroute.bundles.models import Bundle
from sendroute.cases.audit import Action
from sendroute.cases.models import (
    AuditEvent,
    Case,
    Concern,
    Entry,
    EntryRevision,
    Evidence,
    Share,
    StageEvent,
)
from sendroute.cases.services import case_create, share_grant
from sendroute.letters.models import Letter

from .conftest import sign_in_as
from .test_authorization_matrix import BODIES, PNG

pytestmark = pytest.mark.django_db

FULL = os.environ.get("SENDROUTE_FULL_PROOF") == "1"
IDS_PER_ENDPOINT = 100
# At CI size: this many of the 100 ids for each role, endpoint and method (a fixed, spread sample
# that always includes every kind of id and the mixed-case attacks).
CI_SAMPLE = 6

MARKER = "SECRET-"

ROLES = (
    "anonymous",
    "owner",  # a family with a case of their own (mixed-case attacks use it)
    "other_family",  # a family with no case
    "young_person",  # a young person with a case of their own
    "linked_adviser",  # an adviser who may edit my case, and no other
    "viewing_adviser",  # an adviser who may view my case, and no other
    "unlinked_adviser",
    "staff",
    "administrator",
)

# URL arguments that name an object, and the kind of object each names.
OBJECT_ARGUMENTS = {
    "case_id": "case",
    "concern_id": "concern",
    "entry_id": "entry",
    "note_id": "entry",
    "evidence_id": "evidence",
    "letter_id": "letter",
    "bundle_id": "bundle",
    "share_id": "share",
}
# Other URL arguments, and a valid value for each (so that only the ids are wrong).
OTHER_ARGUMENTS = {"fact": "school_stage", "fmt": "txt"}

# A body for web POSTs with every field a form here reads, so that a refusal is about access.
WEB_BODY = {
    "confirm": "yes",
    "title": "Changed",
    "email": "victim@example.invalid",
    "access": "edit",
    "version": "1",
    "body": "Changed",
    "people": "",
    "actions": "",
    "kind": "note",
    "date-day": "2",
    "date-month": "11",
    "date-year": "2026",
    "route": "school",
    "value": "met_head_or_senco",
    "school_stage": "met_head_or_senco",
    "step": "school-formal-complaint",
    "how": "in_writing",
    "type": "school-complaint",
    "to_name": "Head",
}


# -- the other families' objects -----------------------------------------------------------------


@dataclass
class Target:
    """One id to ask for: the object's kind and id, and the id of the case it is in."""

    kind: str
    object_id: str
    case_id: str
    source: str  # "foreign", "shared elsewhere" or "nowhere"


def _fill_cases(owner: User, cases: list[Case], counter: list[int]) -> None:
    """One of every kind of object in each case, each with a marker of its own."""

    def marker() -> str:
        counter[0] += 1
        return f"{MARKER}{counter[0]}"

    today = dt.date(2026, 11, 2)
    concerns = Concern.objects.bulk_create(
        Concern(
            case=c,
            route="school",
            title=marker(),
            facts={"concern_about": ["school"], "note": marker()},
            pack_version="test",
        )
        for c in cases
    )
    entries = Entry.objects.bulk_create(
        Entry(case=c, concern=k, kind="note", date=today, created_by=owner)
        for c, k in zip(cases, concerns, strict=True)
    )
    EntryRevision.objects.bulk_create(
        EntryRevision(
            entry=e,
            number=1,
            date=today,
            title=marker(),
            people=marker(),
            body=f"diagnosed with ADHD {marker()}",
            actions=marker(),
            edited_by=owner,
        )
        for e in entries
    )
    Evidence.objects.bulk_create(
        Evidence(
            case=c,
            concern=k,
            title=marker(),
            original_name=f"{marker()}.png",
            stored_name=f"{uuid.uuid4().hex}.png",
            content_type="image/png",
            size=len(PNG),
            sha256=hashlib.sha256(PNG).hexdigest(),
            uploaded_by=owner,
        )
        for c, k in zip(cases, concerns, strict=True)
    )
    StageEvent.objects.bulk_create(
        StageEvent(
            concern=k,
            step="school-formal-complaint",
            kind="made",
            date=today,
            to_whom=marker(),
            summary=marker(),
            recorded_by=owner,
        )
        for k in concerns
    )
    Letter.objects.bulk_create(
        Letter(
            case=c,
            concern=k,
            letter_type="school-complaint",
            title=marker(),
            to_name=marker(),
            body=f"safeguarding referral {marker()}",
            respond_by=today,
            created_by=owner,
        )
        for c, k in zip(cases, concerns, strict=True)
    )
    Bundle.objects.bulk_create(
        Bundle(
            case=c,
            concern=k,
            status="done",
            step=marker(),
            stored_name=f"{uuid.uuid4().hex}.pdf",
            size=10,
            sha256="0" * 64,
            pages=1,
            problems=[{"title": marker(), "note": marker()}],
            created_by=owner,
        )
        for c, k in zip(cases, concerns, strict=True)
    )


def _targets_of(cases: list[Case], source: str) -> dict[str, list[Target]]:
    ids = [c.pk for c in cases]
    public = {c.pk: str(c.public_id) for c in cases}
    found: dict[str, list[Target]] = {
        "case": [Target("case", public[c], public[c], source) for c in ids]
    }
    for kind, model in (
        ("concern", Concern),
        ("entry", Entry),
        ("evidence", Evidence),
        ("letter", Letter),
        ("bundle", Bundle),
    ):
        found[kind] = [
            Target(kind, str(pid), public[case], source)
            for pid, case in model.objects.filter(case_id__in=ids)
            .order_by("id")
            .values_list("public_id", "case_id")
        ]
    found["share"] = [
        Target("share", str(pk), public[case], source)
        for pk, case in Share.objects.filter(case_id__in=ids)
        .order_by("id")
        .values_list("pk", "case_id")
    ]
    return found


@pytest.fixture
def sweep(people, settings):
    """My case (shared with linked and viewing advisers), a young person's own case; 40 cases of
    another family and 30 of a third family shared with a fourth adviser, each with one of every
    object in it; 30 ids that exist nowhere."""
    owner, case = people["owner"], people["case"]
    make = User.objects.create_user
    viewer = make(
        email="viewer@example.invalid", password="a long pass phrase 123", role=Role.ADVISER
    )
    share_grant(case=case, actor=owner, adviser_email=viewer.email, access="view")
    people["viewing_adviser"] = viewer
    young_case = case_create(owner=people["young_person"], title="My own case", area="norfolk")

    victim = make(
        email="victim@example.invalid", password="a long pass phrase 123", role=Role.PARENT
    )
    third = make(email="third@example.invalid", password="a long pass phrase 123", role=Role.PARENT)
    elsewhere = make(
        email="elsewhere@example.invalid", password="a long pass phrase 123", role=Role.ADVISER
    )
    counter = [0]

    def cases_of(family: User, count: int) -> list[Case]:
        # bulk_create does not give back ids on every database: read them back.
        Case.objects.bulk_create(
            Case(
                owner=family,
                title=f"{MARKER}case-{family.pk}-{n}",
                area="norfolk",
                child_name=f"{MARKER}child-{family.pk}-{n}",
            )
            for n in range(count)
        )
        made = list(Case.objects.filter(owner=family).order_by("id"))
        _fill_cases(family, made, counter)
        return made

    foreign = cases_of(victim, 40)
    Share.objects.bulk_create(Share(case=c, adviser=elsewhere, access="view") for c in foreign)
    shared = cases_of(third, 30)
    Share.objects.bulk_create(Share(case=c, adviser=elsewhere, access="edit") for c in shared)

    targets: dict[str, list[Target]] = {}
    a, b = _targets_of(foreign, "foreign"), _targets_of(shared, "shared elsewhere")
    rng = random.Random(6)  # noqa: S311 - test data, not secrets
    for kind in a:
        nowhere = [
            Target(
                kind,
                str(rng.randrange(10**6, 10**7))
                if kind == "share"
                else str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "nowhere",
            )
            for _ in range(IDS_PER_ENDPOINT - len(a[kind]) - len(b[kind]))
        ]
        targets[kind] = a[kind] + b[kind] + nowhere
        assert len(targets[kind]) == IDS_PER_ENDPOINT
    own_case = {
        "owner": str(case.public_id),
        "linked_adviser": str(case.public_id),
        "viewing_adviser": str(case.public_id),
        "young_person": str(young_case.public_id),
    }
    return {"people": people, "targets": targets, "own_case": own_case}


# -- the endpoints -------------------------------------------------------------------------------


def web_endpoints() -> list[tuple[str, str]]:
    """(URL name, route) of every page whose URL names an object."""
    found: list[tuple[str, str]] = []

    def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                route = prefix + str(p.pattern)
                if route.startswith("api/"):
                    continue  # the API's operations are taken from its OpenAPI document
                names = set(re.findall(r"<(?:\w+:)?(\w+)>", route))
                if names & set(OBJECT_ARGUMENTS):
                    found.append((f"{namespace}{p.name}", route))

    walk(get_resolver().url_patterns)
    return sorted(found)


def api_endpoints(client: Any) -> list[tuple[str, str]]:
    """(method, path template) of every API operation whose path names an object."""
    spec = client.get("/api/v1/openapi.json").json()
    return sorted(
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
        and set(re.findall(r"\{(\w+)\}", path)) & set(OBJECT_ARGUMENTS)
    )


def _kind(arguments: list[str]) -> str:
    """The object an endpoint is about: its last object argument (the case, if only that)."""
    kinds = [OBJECT_ARGUMENTS[a] for a in arguments if a in OBJECT_ARGUMENTS]
    return kinds[-1]


def _fill(template: str, pattern: str, target: Target, case_id: str) -> str:
    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in OTHER_ARGUMENTS:
            return OTHER_ARGUMENTS[name]
        if name == "case_id":
            return case_id
        # The endpoint's object (its last object argument); no endpoint names two objects
        # besides the case (checked in test_the_sweep_covers_every_object_endpoint).
        assert OBJECT_ARGUMENTS[name] == target.kind, (template, name)
        return target.object_id

    return "/" + re.sub(pattern, value, template).lstrip("/")


WEB_ARG = r"<(?:\w+:)?(\w+)>"
API_ARG = r"\{(\w+)\}"


def _requests(targets: list[Target], own_case: str | None) -> list[tuple[Target, str]]:
    """(target, case id to use): each id under its own case, and each real object that is not a
    case also under the caller's own case when they have one (my case, their concern)."""
    pairs = []
    for n, t in enumerate(targets):
        pairs.append((t, t.case_id))
        if own_case and t.kind != "case" and t.source != "nowhere" and n % 2 == 0:
            pairs.append((t, own_case))
    return pairs


def _sample(pairs: list[tuple[Target, str]], role: str) -> list[tuple[Target, str]]:
    if FULL:
        return pairs
    rng = random.Random(f"{role}")  # noqa: S311 - a spread sample, not a secret
    by_kind: dict[tuple[str, bool], list[tuple[Target, str]]] = {}
    for t, case_id in pairs:
        by_kind.setdefault((t.source, case_id != t.case_id), []).append((t, case_id))
    chosen: list[tuple[Target, str]] = []
    groups = sorted(by_kind)
    for n in range(CI_SAMPLE):
        group = by_kind[groups[n % len(groups)]]
        chosen.append(group[rng.randrange(len(group))])
    return chosen


# -- the state of the database -------------------------------------------------------------------

# Sessions are checked for their keys (the expiry moves with each request: SESSION_SAVE_EVERY_
# REQUEST); a token's "last used" time is expected to move; audit rows are checked on their own.
IGNORED_TABLES = {"django_session", "cases_auditevent"}
IGNORED_COLUMNS = {"accounts_apitoken": {"last_used_at"}}


def database_state() -> dict[str, tuple[int, str]]:
    """Each table's row count and a hash of its rows (sessions: their keys and data)."""
    state: dict[str, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table in IGNORED_TABLES - {"django_session"}:
                continue
            columns = [
                c.name
                for c in connection.introspection.get_table_description(cursor, table)
                if c.name not in IGNORED_COLUMNS.get(table, set())
            ]
            if table == "django_session":
                columns = ["session_key"]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(
                f"SELECT {quoted} FROM {connection.ops.quote_name(table)} ORDER BY 1"  # noqa: S608
            )
            rows = cursor.fetchall()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
            state[table] = (len(rows), digest)
    return state


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def _body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


# -- the sweep -----------------------------------------------------------------------------------


def _sign_in(client: Any, sweep: dict[str, Any], role: str) -> dict[str, str]:
    """Sign the web client in as ``role``; the API headers for the same person."""
    if role == "anonymous":
        return {}
    user = sweep["people"][role]
    sign_in_as(client, user)
    token, _ = token_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _expected_web(role: str, response: Any) -> bool:
    if role == "anonymous":
        if response.status_code == 302:
            return "/account/sign-in" in response["Location"]
        return response.status_code == 405
    return response.status_code in (404, 405)


def _expected_api(role: str, response: Any) -> bool:
    return response.status_code == (401 if role == "anonymous" else 404)


@pytest.mark.parametrize("role", ROLES)
def test_nobody_gets_or_changes_another_familys_objects_by_id(client, sweep, settings, role):
    headers = _sign_in(client, sweep, role)
    own_case = sweep["own_case"].get(role)
    before = database_state()
    files_before = files_under(Path(settings.SENDROUTE_EVIDENCE_DIR))
    audit_before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    failures: list[str] = []
    answers: dict[str, set[int]] = {}
    count = 0
    started = time.perf_counter()

    for name, route in web_endpoints():
        arguments = re.findall(WEB_ARG, route)
        kind = _kind(arguments)
        for target, case_id in _sample(_requests(sweep["targets"][kind], own_case), role):
            path = _fill(route, WEB_ARG, target, case_id)
            for method in ("GET", "POST"):
                response = client.get(path) if method == "GET" else client.post(path, WEB_BODY)
                count += 1
                key = f"{method} {name}"
                answers.setdefault(key, set()).add(response.status_code)
                if not _expected_web(role, response):
                    failures.append(
                        f"{role} {method} {path} ({target.source}) -> {response.status_code}"
                    )
                if MARKER.encode() in _body(response):
                    failures.append(f"{role} {method} {path}: the response shows another's data")

    for method, template in api_endpoints(client):
        arguments = re.findall(API_ARG, template)
        kind = _kind(arguments)
        for target, case_id in _sample(_requests(sweep["targets"][kind], own_case), role):
            path = _fill(template, API_ARG, target, case_id)
            if method == "GET":
                response = client.get(path, **headers)
            elif method == "POST" and template.endswith("/evidence"):
                upload = SimpleUploadedFile("dot.png", PNG)
                response = client.post(path, {"file": upload, "title": "x"}, **headers)
            else:
                body = json.dumps(BODIES.get((method, template), {}))
                response = client.generic(
                    method, path, body, content_type="application/json", **headers
                )
            count += 1
            answers.setdefault(f"{method} {template}", set()).add(response.status_code)
            if not _expected_api(role, response):
                failures.append(
                    f"{role} {method} {path} ({target.source}) -> {response.status_code}"
                )
            if MARKER.encode() in _body(response):
                failures.append(f"{role} {method} {path}: the response shows another's data")

    elapsed = time.perf_counter() - started
    print(f"\n{role}: {count} requests in {elapsed:.1f} s ({count / elapsed:.0f}/s)")  # noqa: T201
    assert not failures, f"{len(failures)} of {count} requests were let through:\n" + "\n".join(
        failures[:40]
    )
    # Every id is answered alike, so that the answer does not tell whether it exists.
    mixed = {key: codes for key, codes in answers.items() if len(codes) > 1}
    assert not mixed, f"answers differ between ids: {mixed}"
    assert database_state() == before, "the database changed"
    assert files_under(Path(settings.SENDROUTE_EVIDENCE_DIR)) == files_before
    added = AuditEvent.objects.filter(id__gt=audit_before)
    assert set(added.values_list("action", flat=True)) <= {Action.ACCESS_REFUSED}
    assert not added.exclude(case_id=None).exists(), "a refusal is tied to a case"


def test_the_sweep_covers_every_object_endpoint(client, sweep):
    """The sweep reaches every page and operation that names an object, with 100 ids each."""
    web = web_endpoints()
    api = api_endpoints(client)
    assert len(web) >= 20
    assert len(api) >= 18
    for kind, targets in sweep["targets"].items():
        assert len(targets) == IDS_PER_ENDPOINT, kind
        assert len({t.object_id for t in targets}) == IDS_PER_ENDPOINT, kind
        assert {t.source for t in targets} == {"foreign", "shared elsewhere", "nowhere"}
    names = {n for n, _ in web}
    for expected in ("cases:case", "cases:evidence_download", "letters:letter", "bundles:download"):
        assert expected in names
    # Every object argument of every endpoint is one the sweep knows how to fill.
    for arguments in [re.findall(WEB_ARG, r) for _, r in web] + [
        re.findall(API_ARG, t) for _, t in api
    ]:
        assert set(arguments) <= set(OBJECT_ARGUMENTS) | set(OTHER_ARGUMENTS), arguments
        assert len([a for a in arguments if a in OBJECT_ARGUMENTS and a != "case_id"]) <= 1


def test_the_owner_does_reach_their_own_objects_through_the_same_urls(client, sweep):
    """The sweep's URLs are real ones: with the owner's own ids they answer 200."""
    victim = User.objects.get(email="victim@example.invalid")
    sign_in_as(client, victim)
    target = sweep["targets"]["letter"][0]
    assert target.source == "foreign"
    response = client.get(
        _fill("cases/<str:case_id>/letters/<str:letter_id>", WEB_ARG, target, target.case_id)
    )
    assert response.status_code == 200
    assert MARKER.encode() in response.content
    case_target = sweep["targets"]["case"][0]
    page = client.get(f"/cases/{case_target.case_id}/")
    assert page.status_code == 200
    assert MARKER.encode() in page.content
