"""Cross-site request forgery, on every page: a POST without this session's CSRF token is
refused (403) and changes nothing, a token from another person's session is refused the same,
and no GET or HEAD of any page or API operation changes anything.

Every URL of the site is listed below as changing state by POST, answering a POST as it answers
a GET (changing nothing), or refusing POST (405): a URL not listed makes these tests fail. The API
uses bearer tokens, never the session cookie, so a browser's cookie cannot act through it.
"""

# ruff: noqa: F811 - ``world`` is the authorization matrix's fixture, imported by name

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from sendroute.cases.audit import Action
from sendroute.cases.models import AuditEvent

from .conftest import sign_in_as
from .test_authorization_matrix import (
    ADVISERS_ONLY,
    API,
    BODIES,
    PAGES,
    _api_path,
    _path,
    url_names,
    world,  # noqa: F401 - a fixture, used by name
)
from .test_idor_sweep import database_state

pytestmark = pytest.mark.django_db

# The pages whose POST changes something (on the server, or the answers cookie of the journey).
CHANGES_STATE = {
    "journey:next",
    "journey:question",
    "journey:check",
    "journey:add_concern",
    "journey:clear",
    "accounts:sign_in",
    "accounts:sign_up",
    "accounts:sign_out",
    "accounts:password_reset",
    "accounts:password_reset_confirm",
    "accounts:two_factor_set_up",
    "accounts:two_factor_code",
    "accounts:account",
    "cases:new",
    "cases:edit",
    "cases:delete",
    "cases:concern_new",
    "cases:concern_answer",
    "cases:record",
    "cases:entry_new",
    "cases:entry_edit",
    "cases:evidence_new",
    "cases:evidence_delete",
    "cases:sharing",
    "cases:share_revoke",
    "cases:calendar",
    "cases:calendar_off",
    "cases:download",
    "cases:account_delete",
    "letters:letter_new",
    "letters:letter_edit",
    "letters:letter_sent",
    "bundles:new",
}
# Pages that answer a POST as they answer a GET, changing nothing.
POST_READS = {
    "journey:start",
    "journey:advice",
    "cases:list",
    "cases:case",
    "cases:concern",
    "cases:concern_answers",
    "cases:entry_history",
    "cases:audit",
    "cases:caseload",
    "cases:account_deleted",
}
# Views that make the CSRF check themselves rather than through the middleware (the evidence
# upload checks once its size limit is in place): the check is still made, as tested below.
CHECKS_ITSELF = {"cases:evidence_new"}
# Everything else answers a POST with 405 Method Not Allowed.

# Who the positive checks act as: the page's allowed role (the owner unless said here).
ACTOR = {name: "linked_adviser" for name, rule in PAGES.items() if rule == ADVISERS_ONLY}
# Pages done last in the positive check, as they end the session or remove the world.
LAST = ("cases:delete", "cases:account_delete", "accounts:sign_out")

# Audit actions that a read may add.
READS = {
    Action.CASE_VIEWED,
    Action.CONCERN_VIEWED,
    Action.ENTRY_VIEWED,
    Action.EVIDENCE_DOWNLOADED,
    Action.CASE_EXPORTED,
    Action.ACCESS_REFUSED,
    "letter.viewed",
    "letter.downloaded",
    "bundle.downloaded",
}


def pages() -> list[str]:
    return sorted(n for n in url_names() if not n.startswith("api"))


def csrf_client(world: dict[str, Any], role: str) -> Client:
    """A client that checks CSRF as a browser's requests are checked, signed in as ``role``, with
    a CSRF cookie of its own (got by loading a form)."""
    client = Client(enforce_csrf_checks=True)
    if role != "anonymous":
        sign_in_as(client, world["people"][role])
    client.get("/account/sign-in")
    assert "csrftoken" in client.cookies
    return client


def token_of(client: Client) -> str:
    """A form's CSRF token for this client's session."""
    page = client.get("/account/sign-in").content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, "the sign-in form has no CSRF token"
    return found.group(1)


def state() -> dict[str, Any]:
    """The database (every table; see test_idor_sweep.database_state), and the sessions' data."""
    return {
        "tables": database_state(),
        "sessions": {s.session_key: s.get_decoded() for s in Session.objects.all()},
    }


def test_every_url_is_catalogued():
    names = set(pages())
    listed = CHANGES_STATE | POST_READS
    assert not listed - names, f"listed but no such URL: {sorted(listed - names)}"
    # The rest must refuse POST: checked in test_a_post_with_this_sessions_token_is_not_refused.
    assert names - listed, "every page cannot change state"


@pytest.mark.parametrize("role", ["anonymous", "owner", "linked_adviser"])
def test_a_post_without_a_token_or_with_anothers_token_is_refused(world, role):
    client = csrf_client(world, role)
    stranger = csrf_client(world, "other_family")
    foreign = token_of(stranger)
    assert foreign != token_of(client)
    before = state()
    audit_before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    failures = []
    for name in pages():
        path = _path(name, world["ids"])
        for label, body in (
            ("no token", {"confirm": "yes", "title": "x"}),
            ("another session's token", {"confirm": "yes", "csrfmiddlewaretoken": foreign}),
        ):
            response = client.post(path, body)
            if not refused(role, response):
                failures.append(
                    f"{role} POST {path} ({name}) with {label} -> {response.status_code}"
                )
            # A token in the header, as a script would send it, is checked the same.
        response = client.post(path, {"confirm": "yes"}, HTTP_X_CSRFTOKEN=foreign)
        if not refused(role, response):
            failures.append(
                f"{role} POST {path} ({name}) with another's header -> {response.status_code}"
            )
    assert not failures, "\n".join(failures)
    assert state() == before, "a refused POST changed something"
    added = AuditEvent.objects.filter(id__gt=audit_before)
    # Refusals of a signed-in person are audited; nothing else is.
    assert set(added.values_list("action", flat=True)) <= {Action.ACCESS_REFUSED}
    if role != "anonymous":
        assert added.count() == 3 * len(pages())


def refused(role: str, response: Any) -> bool:
    """403; or, for someone not signed in, being sent to sign in first (nothing is done)."""
    if response.status_code == 403:
        return True
    return role == "anonymous" and "/account/sign-in" in response.get("Location", "")


def test_only_the_listed_views_do_without_the_csrf_middleware():
    from django.urls import URLPattern, URLResolver, get_resolver

    exempt = set()

    def walk(patterns: list[Any], namespace: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and getattr(p.callback, "csrf_exempt", False):
                exempt.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    # The API's operations are exempt: they take bearer tokens only (tested below).
    assert {n for n in exempt if not n.startswith("api")} == CHECKS_ITSELF


def test_a_post_with_this_sessions_token_is_not_refused(world):
    """The positive side: with the session's own token each listed page takes the POST (so a 403
    above is the CSRF check's), and each page not listed refuses POST with 405."""
    clients: dict[str, Client] = {}
    failures = []
    ordered = sorted(pages(), key=lambda n: (n in LAST, LAST.index(n) if n in LAST else 0, n))
    for name in ordered:
        role = ACTOR.get(name, "owner")
        if role not in clients:
            clients[role] = csrf_client(world, role)
        client = clients[role]
        path = _path(name, world["ids"])
        response = client.post(path, {"csrfmiddlewaretoken": token_of(client)})
        status = response.status_code
        if name in CHANGES_STATE | POST_READS:
            if status in (403, 405):
                failures.append(f"POST {path} ({name}) with the session's token -> {status}")
        elif status != 405:
            failures.append(f"POST {path} ({name}) is not catalogued: it answered {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["anonymous", "owner", "linked_adviser"])
def test_no_get_or_head_changes_anything(world, role):
    client = csrf_client(world, role)
    headers = {}
    if role != "anonymous":
        from sendroute.accounts.services import token_create

        token, _ = token_create(user=world["people"][role])
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    before = state()
    audit_before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    requests = 0
    for name in pages():
        if name == "accounts:sign_out":
            continue  # POST only: its GET is refused (checked in the catalogue test)
        path = _path(name, world["ids"])
        for method in ("get", "head"):
            getattr(client, method)(path)
            requests += 1
    for (method, template), _rule in sorted(API.items()):
        if method != "GET":
            continue
        path = _api_path(template, world["ids"])
        client.get(path, **headers)
        client.head(path, **headers)
        requests += 2
    after = state()
    changed = [t for t in before["tables"] if before["tables"][t] != after["tables"].get(t)]
    assert not changed, f"{role}: a GET or HEAD changed {changed}"
    # Sessions: the same ones, with the same data (only their expiry moves, by design).
    assert set(after["sessions"]) == set(before["sessions"])
    assert after["sessions"] == before["sessions"]
    added = set(AuditEvent.objects.filter(id__gt=audit_before).values_list("action", flat=True))
    assert added <= READS, f"a GET recorded a change: {added - READS}"
    assert requests > 100


def test_the_api_does_not_act_on_a_session_cookie(world):
    """A signed-in browser's cookie gives no access to the API's writing operations, so a forged
    cross-site request cannot use it: each answers 401, and nothing changes."""
    client = csrf_client(world, "owner")
    before = state()
    failures = []
    for (method, template), _rule in sorted(API.items()):
        path = _api_path(template, world["ids"])
        if method == "GET" or template == "/api/v1/advice":
            continue
        body = json.dumps(BODIES.get((method, template), {}))
        for extra in ({}, {"HTTP_X_CSRFTOKEN": token_of(client)}):
            response = client.generic(method, path, body, content_type="application/json", **extra)
            if response.status_code != 401:
                failures.append(
                    f"{method} {path} with the session cookie -> {response.status_code}"
                )
    assert not failures, "\n".join(failures)
    assert state()["tables"] == before["tables"]
    # The one public POST, the advice, changes nothing.
    response = client.post("/api/v1/advice", {"facts": {}}, content_type="application/json")
    assert response.status_code == 200
    assert state()["tables"] == before["tables"]
