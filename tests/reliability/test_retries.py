"""Retries: every state-changing request, sent again and again exactly as it was (a double click,
a network retry, the same form key or Idempotency-Key), makes one change, once.

For each operation a person opens the form (or an API client builds its request) once, then:
- sends it, and the database changes by some amount (one note, one revision, one audit row...);
- sends the very same request N-1 more times, one after another: nothing more changes, and each
  answer is the first answer again (the same redirect, the same API body) - never a 500;
- opens the form afresh and sends its request K times at once (a double or triple click): the
  database changes by the same amount as one request did.

The catalogue below must name every URL of the site and every API operation (the same lists as
the authorization matrix), so a new form or operation cannot be left out: either it is replayed
here, or it is listed as changing no record, with the reason.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
import requests

from tests.web.test_authorization_matrix import API, PAGES

from .conftest import PNG_BYTES, Server, api, full_or_ci, new_case, sign_in

pytestmark = pytest.mark.proof

SEQUENTIAL = full_or_ci(1000, 10)
AT_ONCE = full_or_ci(5, 3)

# URLs that change no record in the database, and why, so they need no replay here.
NO_RECORD = {
    "journey:start": "the question journey keeps its answers in the browser session only",
    "journey:next": "journey: session only",
    "journey:question": "journey: session only",
    "journey:check": "journey: session only",
    "journey:add_concern": "journey: session only",
    "journey:advice": "journey: session only",
    "journey:clear": "journey: session only",
    "accounts:sign_in": "each sign-in is a new sign-in (a new session and its own audit row)",
    "accounts:sign_out": "ends the session; sending it again ends nothing more",
    "accounts:password_reset": "sends an email (by design once per request); no record",
    "accounts:password_reset_sent": "a page only",
    "accounts:password_reset_confirm": "the link's token works once (tested in test_password_reset)",
    "accounts:password_reset_done": "a page only",
    "accounts:two_factor": "a page only",
    "accounts:two_factor_set_up": "a one-time code works once (tested in test_two_factor)",
    "accounts:two_factor_code": "a one-time code works once (tested in test_two_factor)",
    "accounts:sign_up": "the email address is unique: a second account cannot be made",
    "accounts:account": "a page only",
    "cases:list": "a page only",
    "cases:deadlines": "a page only",
    "cases:calendar_feed": "a feed, read only",
    "cases:download": "each download is a new export of the data (logged as one each time)",
    "cases:account_deleted": "a page only",
    "cases:caseload": "a page only",
    "cases:case": "a page only",
    "cases:concern": "a page only",
    "cases:entry_history": "a page only",
    "cases:concern_answers": "a page only",
    "cases:evidence_download": "a download, read only",
    "cases:audit": "a page only",
    "bundles:status": "a page only",
    "bundles:download": "a download, read only",
    "letters:letter": "a page only",
    "letters:letter_download": "a download, read only",
    "api:openapi-json": "read only",
    "api-docs": "read only",
    "api:api-root": "read only",
}
NO_RECORD_API = {
    ("POST", "/api/v1/advice"): "works out advice from the facts sent; stores nothing",
}


# -- reading a form as a browser would ---------------------------------------------------------


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.forms.append({"action": a.get("action", ""), "fields": {}, "radios": {}})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "radio":
                self.forms[-1]["radios"].setdefault(name, a.get("value", ""))
                if "checked" in a:
                    fields[name] = a.get("value", "")
            elif kind == "checkbox":
                if "checked" in a:
                    fields[name] = a.get("value", "on")
            elif kind not in ("submit", "file"):
                fields[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and (self._select not in fields or "selected" in a):
            fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        if tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def form_of(html_text: str, path: str) -> dict[str, str]:
    """The fields the page's own form would send: its hidden inputs (CSRF token, form key,
    version), what is already typed or chosen, and the first choice of any unchosen radios."""
    parser = _Forms()
    parser.feed(html_text)
    forms = [f for f in parser.forms if f["action"] in ("", path)]
    assert forms, f"no form posting to {path}"
    form = forms[-1]
    return {**form["radios"], **form["fields"]}


# -- one operation ----------------------------------------------------------------------------


@dataclass
class World:
    server: Server
    browser: requests.Session
    client: requests.Session
    email: str
    token: str
    case_id: str
    concern_id: str

    def post_api(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.client.post(
            f"{self.server.url}{path}",
            json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
            timeout=60,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    def note(self) -> str:
        body = {"kind": "note", "date": "2026-11-20", "title": "A note"}
        return str(self.post_api(f"/api/v1/cases/{self.case_id}/notes", body)["id"])

    def evidence(self) -> str:
        answer = self.client.post(
            f"{self.server.url}/api/v1/cases/{self.case_id}/evidence",
            files={"file": ("dot.png", PNG_BYTES, "image/png")},
            data={"title": "A photo"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
            timeout=60,
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])


@dataclass
class Request:
    """One request, ready to be sent as many times as wanted."""

    method: str
    url: str
    session: requests.Session
    data: dict[str, Any] | None = None
    json: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    headers: dict[str, str] | None = None

    def send(self) -> tuple[int, str]:
        answer = self.session.request(
            self.method,
            self.url,
            data=self.data,
            json=self.json,
            files=self.files,
            headers=self.headers,
            allow_redirects=False,
            timeout=120,
        )
        assert answer.status_code < 500, f"{self.method} {self.url} -> {answer.status_code}"
        if answer.status_code in (301, 302, 303):
            return answer.status_code, answer.headers["Location"]
        if self.json is not None or "/api/" in self.url:
            if answer.status_code in (200, 201) and answer.content:
                made = answer.json()
                return 200, str(made.get("id") or made.get("event", {}).get("id") or made)
            return answer.status_code, ""
        return answer.status_code, ""


def web(path: str, **values: Any) -> Callable[[World, str], Request]:
    """A form of the site: opened (GET), filled in with ``values``, ready to send."""

    def build(world: World, target: str) -> Request:
        url = world.server.url + path.format(target=target, case=world.case_id, c=world.concern_id)
        page = world.browser.get(url, timeout=60)
        assert page.status_code == 200, f"GET {url} -> {page.status_code}"
        form_path = url.removeprefix(world.server.url).split("?")[0]
        data = form_of(page.text, form_path)
        data.update({k: v(world, target) if callable(v) else v for k, v in values.items()})
        files = None
        if "file" in values:
            del data["file"]
            files = {"file": ("dot.png", PNG_BYTES, "image/png")}
        return Request("POST", url.split("?")[0], world.browser, data=data, files=files)

    return build


def rest(method: str, path: str, body: dict[str, Any] | None = None) -> Callable:
    """An API operation with its body and one Idempotency-Key for all its sends."""

    def build(world: World, target: str) -> Request:
        url = world.server.url + path.format(target=target, case=world.case_id, c=world.concern_id)
        payload = dict(body or {})
        if "version" in payload:
            payload["version"] = world.client.get(url, timeout=60).json()["version"]
        if payload.get("file"):
            return Request(
                method,
                url,
                world.client,
                data={"title": "A photo"},
                files={"file": ("dot.png", PNG_BYTES, "image/png")},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
        return Request(
            method,
            url,
            world.client,
            json=payload if method != "DELETE" else None,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )

    return build


@dataclass
class Op:
    build: Callable[[World, str], Request]
    target: Callable[[World], str] = lambda world: ""
    # A delete: once done, a replay finds nothing (404) and changes nothing.
    gone_after: bool = False
    # Each send replaces what the last one made: one is left.
    replaces: bool = False


DATE = {"date-day": "20", "date-month": "11", "date-year": "2026"}
EVENT_DATE = {"date-day": "2", "date-month": "11", "date-year": "2026"}

RETRIED_PAGES: dict[str, Op] = {
    "cases:new": Op(web("/cases/new", title="Replayed case", area="norfolk")),
    "cases:edit": Op(web("/cases/{case}/details", title=lambda w, t: f"Edited {uuid.uuid4().hex}")),
    "cases:delete": Op(
        web("/cases/{target}/delete", confirm="yes"),
        target=lambda w: new_case(w.server, w.token, "To delete"),
        gone_after=True,
    ),
    "cases:concern_new": Op(web("/cases/{case}/concerns/new", about="school")),
    "cases:concern_answer": Op(
        web("/cases/{case}/concerns/{c}/answers/school_stage", school_stage="met_head_or_senco")
    ),
    "cases:record": Op(
        web(
            "/cases/{case}/concerns/{c}/record?step=school-formal-complaint&kind=made",
            confirm="yes",
            **EVENT_DATE,
        )
    ),
    "cases:entry_new": Op(web("/cases/{case}/timeline/new", title="Replayed note", **DATE)),
    "cases:entry_edit": Op(
        web("/cases/{case}/timeline/{target}/edit", title=lambda w, t: f"Edit {uuid.uuid4().hex}"),
        target=World.note,
    ),
    "cases:evidence_new": Op(web("/cases/{case}/evidence/new", title="A photo", file=True)),
    "cases:evidence_delete": Op(
        web("/cases/{case}/evidence/{target}/delete", confirm="yes"),
        target=World.evidence,
        gone_after=True,
    ),
    "bundles:new": Op(web("/cases/{case}/bundles/new", what="case"), target=World.note),
    "cases:sharing": Op(
        web("/cases/{case}/sharing", email=lambda w, adviser: adviser, access="view"),
        target=lambda w: w.server.add_user("adviser"),
    ),
    "cases:share_revoke": Op(
        web("/cases/{case}/sharing/{target}/revoke", confirm="yes"),
        target=lambda w: _share(w),
    ),
    "letters:letter_new": Op(
        web("/cases/{case}/concerns/{c}/letters/new?type={target}"),
        target=lambda w: _letter_type(w),
    ),
    "letters:letter_edit": Op(
        web("/cases/{case}/letters/{target}/edit", body=lambda w, t: f"Dear {uuid.uuid4().hex}"),
        target=lambda w: _letter(w),
    ),
    "letters:letter_sent": Op(
        web("/cases/{case}/letters/{target}/sent", confirm="yes", **DATE),
        target=lambda w: _letter(w),
    ),
    # Each press makes a new feed address (shown once: only its hash is kept) and stops the old
    # one, so a replay cannot show the first address again. What must hold: one live feed.
    "cases:calendar": Op(web("/calendar"), replaces=True),
    "cases:calendar_off": Op(web("/calendar/turn-off", confirm="yes"), target=lambda w: _feed(w)),
    "cases:account_delete": Op(
        web("/account/delete", email=lambda w, t: w.email, password=lambda w, t: _password()),
        gone_after=True,
    ),
}
RETRIED_API: dict[tuple[str, str], Op] = {
    ("POST", "/api/v1/cases"): Op(rest("POST", "/api/v1/cases", {"title": "A", "area": "norfolk"})),
    ("PATCH", "/api/v1/cases/{case_id}"): Op(
        rest("PATCH", "/api/v1/cases/{case}", {"title": "Patched", "version": 0})
    ),
    ("DELETE", "/api/v1/cases/{case_id}"): Op(
        rest("DELETE", "/api/v1/cases/{target}"),
        target=lambda w: new_case(w.server, w.token, "To delete"),
        gone_after=True,
    ),
    ("POST", "/api/v1/cases/{case_id}/concerns"): Op(
        rest("POST", "/api/v1/cases/{case}/concerns", {"route": "school", "facts": {}})
    ),
    ("PATCH", "/api/v1/cases/{case_id}/concerns/{concern_id}"): Op(
        rest(
            "PATCH",
            "/api/v1/cases/{case}/concerns/{c}",
            {"facts": {"school_stage": "talked_to_teacher"}, "version": 0},
        )
    ),
    ("POST", "/api/v1/cases/{case_id}/concerns/{concern_id}/events"): Op(
        rest(
            "POST",
            "/api/v1/cases/{case}/concerns/{c}/events",
            {
                "step": "school-formal-complaint",
                "kind": "made",
                "date": "2026-11-02",
                "confirm": True,
            },
        )
    ),
    ("POST", "/api/v1/cases/{case_id}/notes"): Op(
        rest(
            "POST",
            "/api/v1/cases/{case}/notes",
            {"kind": "note", "date": "2026-11-02", "title": "N"},
        )
    ),
    ("PATCH", "/api/v1/cases/{case_id}/notes/{note_id}"): Op(
        rest("PATCH", "/api/v1/cases/{case}/notes/{target}", {"title": "Changed", "version": 0}),
        target=World.note,
    ),
    ("POST", "/api/v1/cases/{case_id}/evidence"): Op(
        rest("POST", "/api/v1/cases/{case}/evidence", {"file": True})
    ),
    ("DELETE", "/api/v1/cases/{case_id}/evidence/{evidence_id}"): Op(
        rest("DELETE", "/api/v1/cases/{case}/evidence/{target}"),
        target=World.evidence,
        gone_after=True,
    ),
}


def _password() -> str:
    from .conftest import PASSWORD

    return PASSWORD


def _share(world: World) -> str:
    adviser = world.server.add_user("adviser")
    page = world.browser.get(f"{world.server.url}/cases/{world.case_id}/sharing", timeout=60)
    data = form_of(page.text, f"/cases/{world.case_id}/sharing")
    data.update(email=adviser, access="view")
    answer = world.browser.post(
        f"{world.server.url}/cases/{world.case_id}/sharing", data=data, timeout=60
    )
    assert answer.status_code == 200
    share_ids = re.findall(rf"/cases/{world.case_id}/sharing/(\d+)/revoke", answer.text)
    assert share_ids, "the sharing page lists no share to stop"
    return max(share_ids, key=int)


def _letter_type(world: World) -> str:
    """The first letter that fits the concern's stage now, from the page that lists them."""
    page = world.browser.get(
        f"{world.server.url}/cases/{world.case_id}/concerns/{world.concern_id}/letters/new",
        timeout=60,
    )
    types = re.findall(r"letters/new\?type=([\w-]+)", page.text)
    assert types, "no letter fits the concern"
    return types[0]


def _letter(world: World) -> str:
    request = web("/cases/{case}/concerns/{c}/letters/new?type={target}")(
        world, _letter_type(world)
    )
    status, location = request.send()
    assert status == 302, status
    match = re.search(r"/letters/([0-9a-f-]{36})", location)
    assert match, location
    return match.group(1)


def _feed(world: World) -> str:
    web("/calendar")(world, "").send()
    return ""


# -- what changed -----------------------------------------------------------------------------

TABLES = (
    "cases_case",
    "cases_concern",
    "cases_stageevent",
    "cases_entry",
    "cases_entryrevision",
    "cases_evidence",
    "cases_share",
    "letters_letter",
    "bundles_bundle",
    "accounts_user",
)


def _snapshot(server: Server) -> dict[str, int]:
    counts = {t: server.query(f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}  # noqa: S608
    counts["shares revoked"] = server.query(
        "SELECT count(*) FROM cases_share WHERE revoked_at IS NOT NULL"
    )[0][0]
    for action, n in server.query(
        "SELECT action, count(*) FROM cases_auditevent WHERE action NOT LIKE '%%viewed' "
        "AND action NOT LIKE '%%downloaded' GROUP BY action"
    ):
        counts[f"audit {action}"] = n
    counts["versions"] = sum(
        server.query(f"SELECT coalesce(sum(version), 0) FROM {t}")[0][0]  # noqa: S608
        for t in ("cases_case", "cases_concern", "cases_entry")
    )
    return counts


def _live_feeds(server: Server, email: str) -> int:
    return int(
        server.query(
            "SELECT count(*) FROM cases_calendarfeed f JOIN accounts_user u ON u.id = f.user_id "
            "WHERE u.email = %s AND f.revoked_at IS NULL",
            (email,),
        )[0][0]
    )


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """What changed. A replayed delete finds nothing: 404, and the audit log keeps a row for
    the refused request, as for every request for something that is not there. That row records
    a request, not a change, so it is left out here."""
    keys = (set(before) | set(after)) - {"audit access.refused"}
    return {
        k: after.get(k, 0) - before.get(k, 0) for k in keys if after.get(k, 0) != before.get(k, 0)
    }


# -- the tests --------------------------------------------------------------------------------


def _world(server: Server) -> World:
    email = server.add_user()
    token = server.token(email)
    case_id = new_case(server, token, "Replayed")
    client = api(server, token)
    world = World(server, sign_in(server, email), client, email, token, case_id, "")
    concern = world.post_api(
        f"/api/v1/cases/{case_id}/concerns",
        {
            "route": "school",
            "facts": {"concern_about": ["school"], "school_stage": "met_head_or_senco"},
        },
    )
    world.concern_id = str(concern["id"])
    return world


def _replay(server: Server, name: str, op: Op, fresh_world: bool) -> dict[str, Any]:
    failures: list[str] = []
    if server.backend not in SHARED:
        SHARED[server.backend] = _world(server)
    world = _world(server) if fresh_world else SHARED[server.backend]
    # One after another: the first changes something; the rest change nothing, same answer.
    request = op.build(world, op.target(world))
    before = _snapshot(server)
    first = request.send()
    once = _delta(before, _snapshot(server))
    if not once:
        failures.append(f"{name}: the first request changed nothing ({first})")
    answers = [request.send() for _ in range(SEQUENTIAL - 1)]
    again = _delta(before, _snapshot(server))
    if op.replaces:
        live = _live_feeds(server, world.email)
        if live != 1:
            failures.append(f"{name}: {live} live after {SEQUENTIAL} sends")
    elif again != once:
        failures.append(f"{name}: {SEQUENTIAL} sends changed {again}, one changed {once}")
    wrong = sorted({a for a in answers if not _same(op, first, a)})
    if wrong:
        failures.append(f"{name}: first answer {first}, later answers {wrong[:3]}")
    # At once (a double click): the same change as one request.
    if fresh_world:
        world = _world(server)
    request = op.build(world, op.target(world))
    before = _snapshot(server)
    results: list[Any] = []
    barrier = threading.Barrier(AT_ONCE)

    def click() -> None:
        barrier.wait()
        try:
            results.append(request.send())
        except BaseException as exc:
            results.append(("error", repr(exc)))

    clicks = [threading.Thread(target=click) for _ in range(AT_ONCE)]
    for t in clicks:
        t.start()
    for t in clicks:
        t.join()
    together = _delta(before, _snapshot(server))
    if op.replaces:
        live = _live_feeds(server, world.email)
        if live != 1:
            failures.append(f"{name}: {live} live after {AT_ONCE} sends at once")
    elif together != once:
        failures.append(f"{name}: {AT_ONCE} at once changed {together}, one changed {once}")
    broken = [r for r in results if r[0] == "error"]
    if broken:
        failures.append(f"{name}: {broken[:2]}")
    return {"failures": failures}


SHARED: dict[str, World] = {}


def _same(op: Op, first: tuple[int, str], again: tuple[int, str]) -> bool:
    """A replay's answer is the first answer again; after a delete, the thing is gone: 404, or
    (once an account is deleted) the page to sign in."""
    if op.gone_after:
        return again[0] == 404 or (again[0] == 302 and "/account/sign-in" in again[1])
    if op.replaces:
        return again[0] == first[0]
    # Turning something off again lands on the same page (without "turned off" news).
    return again == first or (again[0] == first[0] == 302 and again[1] == first[1].split("?")[0])


def test_every_url_and_operation_is_replayed_or_said_to_change_nothing():
    pages = set(RETRIED_PAGES) | set(NO_RECORD)
    assert sorted(set(PAGES) - pages) == [], "add these to the retry catalogue"
    assert sorted(pages - set(PAGES)) == [], "these are no longer URLs of the site"
    operations = {op for op in API if op[0] != "GET"}
    covered = set(RETRIED_API) | set(NO_RECORD_API)
    assert sorted(operations - covered) == [], "add these API operations to the retry catalogue"
    assert sorted(covered - operations) == []


@pytest.mark.parametrize("name", sorted(RETRIED_PAGES))
def test_a_form_sent_again_and_again_does_its_work_once(server: Server, name: str) -> None:
    started = time.monotonic()
    op = RETRIED_PAGES[name]
    result = _replay(server, name, op, fresh_world=name in ("cases:account_delete",))
    assert result["failures"] == [], "\n".join(result["failures"])
    took = time.monotonic() - started
    print(f"\n[{server.backend}] {name}: {SEQUENTIAL}+{AT_ONCE} sends, {took:.1f}s")  # noqa: T201


@pytest.mark.parametrize("operation", sorted(RETRIED_API), ids=lambda op: f"{op[0]} {op[1]}")
def test_an_api_request_sent_again_and_again_does_its_work_once(server: Server, operation) -> None:
    started = time.monotonic()
    result = _replay(server, f"{operation[0]} {operation[1]}", RETRIED_API[operation], False)
    assert result["failures"] == [], "\n".join(result["failures"])
    took = time.monotonic() - started
    print(f"\n[{server.backend}] {operation}: {SEQUENTIAL}+{AT_ONCE} sends, {took:.1f}s")  # noqa: T201
