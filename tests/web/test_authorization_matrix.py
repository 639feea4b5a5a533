"""The authorization matrix: every URL of the site and every API operation, against every role.

Each URL name and each API operation must have an entry here, saying who may use it. A new URL
or operation without an entry makes these tests fail, so nothing is added without deciding who
may reach it. Refusals of another person's case data are always 404 (never 403), and a refused
POST changes nothing.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sendroute.accounts.services import token_create
from sendroute.cases.calendar_feed import feed_create
from sendroute.cases.evidence_store import evidence_save
from sendroute.cases.models import Case, Concern, Entry, Evidence, Share, StageEvent
from sendroute.cases.services import concern_create, entry_create, share_grant

from .conftest import sign_in_as

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "owner",
    "other_family",
    "young_person",  # a young person with an account of their own, not this case's owner
    "linked_adviser",  # the case is shared with them to view and edit
    "viewing_adviser",  # the case is shared with them to view only
    "unlinked_adviser",
    "staff",
    "administrator",
)
FAMILY = {"owner", "other_family", "young_person"}
ADVISERS = {"linked_adviser", "viewing_adviser", "unlinked_adviser"}
SIGNED_IN = set(ROLES) - {"anonymous"}

# Who may use each page (GET). Everyone else gets 404, or is sent to sign in if anonymous.
PUBLIC = "public"  # anyone, signed in or not
ANY_SIGNED_IN = "any signed in"
FAMILIES = "families"  # parents, carers and young people
ADVISERS_ONLY = "advisers"
CASE_VIEW = "case: view"  # owner, and advisers it is shared with
CASE_EDIT = "case: edit"  # owner, and advisers it is shared with to edit
CASE_OWNER = "case: owner"  # the owner only
TOKEN = "private token"  # anyone holding the token, no sign-in

PAGES = {
    "journey:start": PUBLIC,
    "journey:next": PUBLIC,
    "journey:question": PUBLIC,
    "journey:check": PUBLIC,
    "journey:add_concern": PUBLIC,
    "journey:advice": PUBLIC,
    "journey:clear": PUBLIC,
    "accounts:sign_in": PUBLIC,
    "accounts:sign_up": PUBLIC,
    "accounts:sign_out": PUBLIC,
    "accounts:password_reset": PUBLIC,
    "accounts:password_reset_sent": PUBLIC,
    "accounts:password_reset_confirm": PUBLIC,
    "accounts:password_reset_done": PUBLIC,
    "accounts:two_factor": PUBLIC,  # only meaningful half-way through signing in
    "accounts:two_factor_set_up": PUBLIC,
    "accounts:two_factor_code": PUBLIC,
    "accounts:account": ANY_SIGNED_IN,
    "cases:list": ANY_SIGNED_IN,  # advisers are sent on to their caseload
    "cases:deadlines": ANY_SIGNED_IN,
    "cases:calendar": ANY_SIGNED_IN,
    "cases:calendar_off": ANY_SIGNED_IN,
    "cases:calendar_feed": TOKEN,
    "cases:new": FAMILIES,
    "cases:download": FAMILIES,
    "cases:account_delete": FAMILIES,
    "cases:account_deleted": PUBLIC,
    "cases:caseload": ADVISERS_ONLY,
    "cases:case": CASE_VIEW,
    "cases:concern": CASE_VIEW,
    "cases:concern_answers": CASE_VIEW,
    "cases:entry_history": CASE_VIEW,
    "cases:evidence_download": CASE_VIEW,
    "bundles:status": CASE_VIEW,
    "bundles:download": CASE_VIEW,
    "cases:concern_new": CASE_EDIT,
    "cases:concern_answer": CASE_EDIT,
    "cases:record": CASE_EDIT,
    "cases:entry_new": CASE_EDIT,
    "cases:entry_edit": CASE_EDIT,
    "cases:evidence_new": CASE_EDIT,
    "bundles:new": CASE_EDIT,
    "cases:evidence_delete": CASE_EDIT,
    "cases:edit": CASE_OWNER,
    "cases:delete": CASE_OWNER,
    "cases:sharing": CASE_OWNER,
    "cases:share_revoke": CASE_OWNER,
    "cases:audit": CASE_OWNER,
    "letters:letter_new": CASE_EDIT,
    "letters:letter": CASE_VIEW,
    "letters:letter_download": CASE_VIEW,
    "letters:letter_edit": CASE_EDIT,
    "letters:letter_sent": CASE_EDIT,
    # The API's URLs are checked operation by operation below.
    "api:openapi-json": PUBLIC,
    "api-docs": PUBLIC,
    "api:api-root": PUBLIC,
}

# Pages that only take a POST (a GET answers 405 Method Not Allowed).
POST_ONLY = {"journey:add_concern"}

# API operations: (method, path template) -> who. Personal data needs a bearer token.
API = {
    ("POST", "/api/v1/advice"): PUBLIC,
    ("GET", "/api/v1/facts"): PUBLIC,
    ("GET", "/api/v1/rules/{rule_id}"): PUBLIC,
    ("GET", "/api/v1/areas"): PUBLIC,
    ("GET", "/api/v1/cases"): ANY_SIGNED_IN,
    ("POST", "/api/v1/cases"): FAMILIES,
    ("GET", "/api/v1/deadlines"): ANY_SIGNED_IN,
    ("GET", "/api/v1/cases/{case_id}"): CASE_VIEW,
    ("PATCH", "/api/v1/cases/{case_id}"): CASE_OWNER,
    ("DELETE", "/api/v1/cases/{case_id}"): CASE_OWNER,
    ("GET", "/api/v1/cases/{case_id}/concerns"): CASE_VIEW,
    ("POST", "/api/v1/cases/{case_id}/concerns"): CASE_EDIT,
    ("GET", "/api/v1/cases/{case_id}/concerns/{concern_id}"): CASE_VIEW,
    ("PATCH", "/api/v1/cases/{case_id}/concerns/{concern_id}"): CASE_EDIT,
    ("GET", "/api/v1/cases/{case_id}/concerns/{concern_id}/events"): CASE_VIEW,
    ("POST", "/api/v1/cases/{case_id}/concerns/{concern_id}/events"): CASE_EDIT,
    ("GET", "/api/v1/cases/{case_id}/notes"): CASE_VIEW,
    ("POST", "/api/v1/cases/{case_id}/notes"): CASE_EDIT,
    ("GET", "/api/v1/cases/{case_id}/notes/{note_id}"): CASE_VIEW,
    ("PATCH", "/api/v1/cases/{case_id}/notes/{note_id}"): CASE_EDIT,
    ("GET", "/api/v1/cases/{case_id}/notes/{note_id}/revisions"): CASE_VIEW,
    ("GET", "/api/v1/cases/{case_id}/evidence"): CASE_VIEW,
    ("POST", "/api/v1/cases/{case_id}/evidence"): CASE_EDIT,
    ("GET", "/api/v1/cases/{case_id}/evidence/{evidence_id}"): CASE_VIEW,
    ("DELETE", "/api/v1/cases/{case_id}/evidence/{evidence_id}"): CASE_EDIT,
    ("GET", "/api/v1/cases/{case_id}/evidence/{evidence_id}/download"): CASE_VIEW,
}


# A valid body for each writing operation, so that a refusal is about access, not the input.
BODIES = {
    ("POST", "/api/v1/cases"): {"title": "A case", "area": "norfolk"},
    ("PATCH", "/api/v1/cases/{case_id}"): {"title": "Changed", "version": 1},
    ("POST", "/api/v1/cases/{case_id}/concerns"): {"route": "school", "facts": {}},
    ("PATCH", "/api/v1/cases/{case_id}/concerns/{concern_id}"): {"facts": {}, "version": 1},
    ("POST", "/api/v1/cases/{case_id}/concerns/{concern_id}/events"): {
        "step": "school-formal-complaint",
        "kind": "made",
        "date": "2026-11-02",
        "confirm": True,
    },
    ("POST", "/api/v1/cases/{case_id}/notes"): {
        "kind": "note",
        "date": "2026-11-02",
        "title": "A note",
    },
    ("PATCH", "/api/v1/cases/{case_id}/notes/{note_id}"): {
        "date": "2026-11-02",
        "title": "Changed",
        "version": 1,
    },
}


def allowed(rule: str, role: str) -> bool:
    return {
        PUBLIC: True,
        TOKEN: True,
        ANY_SIGNED_IN: role in SIGNED_IN,
        FAMILIES: role in FAMILY,
        ADVISERS_ONLY: role in ADVISERS,
        CASE_VIEW: role in {"owner", "linked_adviser", "viewing_adviser"},
        CASE_EDIT: role in {"owner", "linked_adviser"},
        CASE_OWNER: role == "owner",
    }[rule]


def url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    return {n for n in names if not n.startswith("api:") or n in PAGES}


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)


@pytest.fixture
def world(people):
    """The case of ``people``, with one of everything in it, and a view-only adviser."""
    from sendroute.accounts.models import Role, User

    owner, case = people["owner"], people["case"]
    viewer = User.objects.create_user(
        email="viewer@example.org", password="a long pass phrase 123", role=Role.ADVISER
    )
    share_grant(case=case, actor=owner, adviser_email=viewer.email, access="view")
    people["viewing_adviser"] = viewer
    facts = {"concern_about": ["school"], "school_stage": "met_head_or_senco"}
    concern = concern_create(case=case, actor=owner, route="school", facts=facts)
    import datetime as dt

    entry = entry_create(
        case=case,
        actor=owner,
        kind="note",
        date=dt.date(2026, 11, 2),
        title="Meeting",
        people="",
        body="",
        actions="",
    )
    evidence = evidence_save(
        case=case, actor=owner, upload=SimpleUploadedFile("dot.png", PNG), title="A photo"
    )
    token, _ = feed_create(owner)
    share = Share.objects.get(case=case, adviser=people["linked_adviser"])
    import hashlib

    from sendroute.bundles.models import Bundle
    from sendroute.bundles.services import bundles_dir

    (bundles_dir() / "world.pdf").write_bytes(b"%PDF-1.7 bundle")
    bundle = Bundle.objects.create(
        case=case,
        created_by=owner,
        status="done",
        stored_name="world.pdf",
        size=15,
        sha256=hashlib.sha256(b"%PDF-1.7 bundle").hexdigest(),
        pages=1,
    )
    from sendroute.letters.services import letter_create

    letter = letter_create(
        concern=concern, actor=owner, type_id="school-complaint", body="Dear school", enclosures=[]
    )
    ids = {
        "case_id": str(case.public_id),
        "concern_id": str(concern.public_id),
        "entry_id": str(entry.public_id),
        "note_id": str(entry.public_id),
        "evidence_id": str(evidence.public_id),
        "bundle_id": str(bundle.public_id),
        "share_id": share.pk,
        "fact": "school_stage",
        "token": token,
        "index": 0,
        "uidb64": "MQ",
        "rule_id": "R-SCH-01",
        "letter_id": str(letter.public_id),
        "fmt": "txt",
    }
    return {"people": people, "ids": ids}


def _client_for(client, world, role):
    if role != "anonymous":
        sign_in_as(client, world["people"][role])
    return client


def _path(name, ids):
    from django.urls import get_resolver

    resolver = get_resolver()
    possibilities = resolver.reverse_dict.getlist(name.split(":")[-1])
    del possibilities
    for kwargs_try in (
        {},
        {k: ids[k] for k in ("case_id",)},
        {k: ids[k] for k in ("case_id", "concern_id")},
        {k: ids[k] for k in ("case_id", "concern_id", "fact")},
        {k: ids[k] for k in ("case_id", "entry_id")},
        {k: ids[k] for k in ("case_id", "evidence_id")},
        {k: ids[k] for k in ("case_id", "bundle_id")},
        {k: ids[k] for k in ("case_id", "share_id")},
        {k: ids[k] for k in ("case_id", "letter_id")},
        {k: ids[k] for k in ("case_id", "letter_id", "fmt")},
        {"token": ids["token"]},
        {"index": 0},
        {"index": 0, "fact": "concern_about"},
        {"uidb64": "MQ", "token": "set-password"},
    ):
        try:
            return reverse(name, kwargs=kwargs_try)
        except Exception:  # noqa: S112 - trying each shape of arguments in turn
            continue
    raise AssertionError(f"cannot build a URL for {name}")


def test_every_url_has_an_entry_in_the_matrix():
    missing = sorted(url_names() - set(PAGES))
    assert not missing, f"Add these URLs to the authorization matrix: {missing}"


def test_every_api_operation_has_an_entry_in_the_matrix(client):
    spec = client.get("/api/v1/openapi.json").json()
    operations = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    missing = sorted(operations - set(API))
    assert not missing, f"Add these API operations to the authorization matrix: {missing}"
    stale = sorted(set(API) - operations)
    assert not stale, f"These matrix entries match no API operation: {stale}"


def _counts():
    return [m.objects.count() for m in (Case, Concern, Entry, Evidence, Share, StageEvent)]


@pytest.mark.parametrize("role", ROLES)
def test_pages_answer_each_role_as_the_matrix_says(client, world, role):
    _client_for(client, world, role)
    failures = []
    for name, rule in sorted(PAGES.items()):
        if name.startswith("api"):
            continue
        path = _path(name, world["ids"])
        if name in ("accounts:sign_out",):
            continue  # signing out ends the test client's session: checked in test_sign_in
        response = client.get(path)
        status = response.status_code
        location = response.get("Location", "")
        if allowed(rule, role):
            ok = status < 400 and "/account/sign-in" not in location
            if rule in (PUBLIC, TOKEN):
                ok = status < 400 or (status == 405 and name in POST_ONLY)
        elif role == "anonymous":
            ok = status == 302 and "/account/sign-in" in location
        else:
            ok = status == 404
        if not ok:
            failures.append(f"{role} GET {path} ({name}: {rule}) -> {status} {location}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "owner"])
def test_refused_posts_change_nothing(client, world, role):
    _client_for(client, world, role)
    before = _counts()
    failures = []
    for name, rule in sorted(PAGES.items()):
        if rule not in (CASE_VIEW, CASE_EDIT, CASE_OWNER, FAMILIES, ADVISERS_ONLY):
            continue
        if allowed(rule, role):
            continue
        path = _path(name, world["ids"])
        response = client.post(path, {"confirm": "yes", "title": "x", "email": "owner@example.org"})
        expected = (302,) if role == "anonymous" else (404, 405)
        if response.status_code not in expected:
            failures.append(f"{role} POST {path} ({name}) -> {response.status_code}")
    assert not failures, "\n".join(failures)
    assert _counts() == before


def _api_path(template, ids):
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), template)


@pytest.mark.parametrize("role", ROLES)
def test_api_operations_answer_each_role_as_the_matrix_says(client, world, role):
    headers = {}
    if role != "anonymous":
        token, _ = token_create(user=world["people"][role])
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    failures = []
    before = _counts()
    for (method, template), rule in sorted(API.items()):
        if rule == PUBLIC:
            continue
        if method == "DELETE" and allowed(rule, role):
            continue  # deleting is checked in the API tests; here it would remove the world
        path = _api_path(template, world["ids"])
        if method == "GET":
            response = client.get(path, **headers)
        elif "evidence" in template and method == "POST":
            upload = SimpleUploadedFile("dot.png", PNG)
            response = client.post(path, {"file": upload, "title": "x"}, **headers)
        else:
            body = json.dumps(BODIES.get((method, template), {}))
            response = client.generic(
                method, path, body, content_type="application/json", **headers
            )
        status = response.status_code
        if role == "anonymous":
            ok = status == 401
        elif allowed(rule, role):
            ok = status not in (401, 404) and status < 500
        elif rule in (FAMILIES, ADVISERS_ONLY):
            ok = status in (403, 404)
        else:
            ok = status == 404
        if not ok:
            failures.append(f"{role} {method} {path} ({rule}) -> {status}")
    assert not failures, "\n".join(failures)
    if not any(allowed(rule, role) for rule in API.values() if rule not in (PUBLIC,)):
        assert _counts() == before


def test_a_calendar_feed_needs_its_token(client, world):
    path = _path("cases:calendar_feed", world["ids"])
    assert client.get(path).status_code == 200
    assert client.get(path.replace(world["ids"]["token"], "not-a-token")).status_code == 404
