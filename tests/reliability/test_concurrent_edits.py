"""Concurrent edits: two people change the same record at the same moment, both starting from the
same version, through the web forms, the API, or one of each, against a real server.

Both open the record (the edit form, or GET in the API) and read its version; a barrier lets
both requests go at once. Exactly one must win; the other must get 409 with a message that says
someone else changed it, and nothing of theirs saved over the winner. At the end the record
holds the last winner's content, and the history has exactly one new revision (or one audit
row) per pair, each the winner's: no update lost, none doubled.
"""

from __future__ import annotations

import html
import threading
import time
from typing import Any

import pytest

from .conftest import VERSION, Server, api, csrf_of, full_or_ci, new_case, sign_in

pytestmark = pytest.mark.proof

PAIRS = full_or_ci(1000, 48)
# Who sends each of a pair: through the form or the API, in turn.
MODES = (("form", "form"), ("api", "api"), ("form", "api"), ("api", "form"))
CONFLICT = "Someone else changed this"


class People:
    """The owner of a case in two browsers and two API clients (two sessions each)."""

    def __init__(self, server: Server) -> None:
        email = server.add_user()
        self.server = server
        token = server.token(email)
        self.case_id = new_case(server, token, "Edited at once")
        self.browsers = [sign_in(server, email), sign_in(server, email)]
        self.apis = [api(server, token), api(server, server.token(email))]
        note = self.apis[0].post(
            f"{server.url}/api/v1/cases/{self.case_id}/notes",
            json={"kind": "note", "date": "2026-11-20", "title": "Version 0"},
            timeout=30,
        )
        assert note.status_code == 201, note.text
        self.note_id = note.json()["id"]


def _open(people: People, record: str, mode: str, side: int) -> dict[str, Any]:
    """Open the record as a person would: the form (its CSRF token and version), or GET."""
    url = people.server.url
    if mode == "form":
        path = (
            f"/cases/{people.case_id}/timeline/{people.note_id}/edit"
            if record == "note"
            else f"/cases/{people.case_id}/details"
        )
        page = people.browsers[side].get(url + path, timeout=30)
        assert page.status_code == 200
        match = VERSION.search(page.text)
        assert match, f"the {record} form has no version"
        return {"url": url + path, "csrf": csrf_of(page.text), "version": int(match.group(1))}
    path = (
        f"/api/v1/cases/{people.case_id}/notes/{people.note_id}"
        if record == "note"
        else f"/api/v1/cases/{people.case_id}"
    )
    got = people.apis[side].get(url + path, timeout=30)
    assert got.status_code == 200
    return {"url": url + path, "version": got.json()["version"]}


def _send(people: People, record: str, mode: str, side: int, opened: dict, title: str) -> Any:
    if mode == "form":
        data = {"csrfmiddlewaretoken": opened["csrf"], "version": opened["version"], "title": title}
        if record == "note":
            data |= {"date-day": "20", "date-month": "11", "date-year": "2026", "body": title}
        else:
            data |= {"child_has_ehc_plan": "not_sure"}
        answer = people.browsers[side].post(
            opened["url"], data=data, allow_redirects=False, timeout=60
        )
        if answer.status_code == 302:
            return "won", ""
        return answer.status_code, html.unescape(answer.text)
    body: dict[str, Any] = {"version": opened["version"], "title": title}
    if record == "note":
        body["body"] = title
    answer = people.apis[side].patch(opened["url"], json=body, timeout=60)
    if answer.status_code == 200:
        return "won", ""
    return answer.status_code, answer.text


def _pair(people: People, record: str, modes: tuple[str, str], n: int) -> str:
    """One pair of simultaneous edits; returns the winner's title."""
    opened = [_open(people, record, modes[side], side) for side in (0, 1)]
    assert opened[0]["version"] == opened[1]["version"]
    titles = [f"{record} pair {n} by {side} via {modes[side]}" for side in (0, 1)]
    results: list[Any] = [None, None]
    barrier = threading.Barrier(2)

    def edit(side: int) -> None:
        barrier.wait()
        results[side] = _send(people, record, modes[side], side, opened[side], titles[side])

    threads = [threading.Thread(target=edit, args=(side,)) for side in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [side for side in (0, 1) if results[side][0] == "won"]
    assert len(won) == 1, f"pair {n} ({record}, {modes}): {[r[0] for r in results]}"
    loser = results[1 - won[0]]
    assert loser[0] == 409, f"pair {n}: the other got {loser[0]}, not 409"
    assert CONFLICT in loser[1], f"pair {n}: the conflict does not say why: {loser[1][:300]}"
    return titles[won[0]]


def _count(server: Server, sql: str, *params: Any) -> int:
    return int(server.query(sql, params)[0][0])


def test_simultaneous_edits_one_wins_the_other_is_told_and_nothing_is_lost(server: Server):
    started = time.monotonic()
    people = People(server)
    case_db = "(SELECT id FROM cases_case WHERE title = %s)"  # the case is found by its title below
    winners: dict[str, list[str]] = {"note": [], "case": []}
    for n in range(PAIRS):
        record = "note" if n % 3 else "case"  # two notes to one case, all four ways of sending
        winners[record].append(_pair(people, record, MODES[n % len(MODES)], n))
    elapsed = time.monotonic() - started

    # The note: one new revision per pair, each the winner's, in order; it shows the last.
    revisions = people.apis[0].get(
        f"{server.url}/api/v1/cases/{people.case_id}/notes/{people.note_id}/revisions", timeout=30
    )
    assert revisions.status_code == 200
    titles = [r["title"] for r in revisions.json()]
    assert titles == ["Version 0", *winners["note"]]
    note = people.apis[0].get(
        f"{server.url}/api/v1/cases/{people.case_id}/notes/{people.note_id}", timeout=30
    )
    assert note.json()["title"] == winners["note"][-1]
    assert note.json()["version"] == 1 + len(winners["note"])

    # The case: it holds the last winner's details, one change recorded per pair.
    case = people.apis[0].get(f"{server.url}/api/v1/cases/{people.case_id}", timeout=30).json()
    assert case["title"] == winners["case"][-1]
    assert case["version"] == 1 + len(winners["case"])
    changed = _count(
        server,
        f"SELECT count(*) FROM cases_auditevent WHERE action = 'case.changed' "  # noqa: S608
        f"AND case_id = {case_db}",
        winners["case"][-1],
    )
    edited = _count(
        server,
        f"SELECT count(*) FROM cases_auditevent WHERE action = 'entry.edited' "  # noqa: S608
        f"AND case_id = {case_db}",
        winners["case"][-1],
    )
    assert (changed, edited) == (len(winners["case"]), len(winners["note"]))
    assert server.integrity_ok()
    print(  # noqa: T201 - the numbers measured, shown with pytest -s
        f"\n[{server.backend}] {PAIRS} pairs of simultaneous edits: {PAIRS} won, {PAIRS} "
        f"refused with 409, 0 lost; {elapsed:.1f}s"
    )
