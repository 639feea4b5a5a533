"""Crash: numbered notes are written to a real server while its processes are killed with SIGKILL.

Two clients write "note 0001", "note 0002", ... one after the other: one through the web form
(each form opened for its own one-time form key), one through the API (each note with its own
Idempotency-Key). A note counts as acknowledged only when the server answered success (the
redirect to the case, or 201/200). A write that gets no answer (the connection dropped, a 502)
is sent again with the SAME form key or Idempotency-Key, as a browser or a careful client
would, until it is acknowledged.

Meanwhile a killer thread SIGKILLs a worker process at random moments (phase 1), or the master
and its workers as one process group, after which the server is started again on the same
database (phase 2). At the end: every acknowledged number is there exactly once, no number is
there twice, every note has its one revision and its one audit row, and the database passes its
integrity check.

A process kill is not a power cut: the operating system still writes out what a killed
process had handed to it. The SQLite journal (DELETE, synchronous=FULL) and PostgreSQL's WAL
make committed transactions durable against power loss too, but that is not tested here.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from .conftest import (
    FORM_KEY,
    Server,
    api,
    csrf_of,
    full_or_ci,
    new_case,
    sign_in,
)

pytestmark = pytest.mark.proof

WRITES = full_or_ci(1000, 160)
WORKER_KILLS = full_or_ci(20, 6)
MASTER_KILLS = full_or_ci(20, 3)
LOST = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


@dataclass
class Run:
    """What the clients saw: acknowledged numbers and where each answer pointed."""

    acknowledged: dict[int, str] = field(default_factory=dict)
    resent: int = 0
    next_number: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)
    errors: list[str] = field(default_factory=list)

    def take(self, limit: int) -> int | None:
        with self.lock:
            if self.next_number > limit:
                return None
            self.next_number += 1
            return self.next_number - 1

    def ack(self, number: int, answer: str) -> None:
        with self.lock:
            assert number not in self.acknowledged
            self.acknowledged[number] = answer


def _until_acknowledged(run: Run, send: Any) -> str:
    """Send (with the same key each time) until the server says it is done."""
    for attempt in range(2000):
        try:
            answer = send()
        except LOST:
            answer = None
        if answer is not None:
            return answer
        with run.lock:
            run.resent += 1
        time.sleep(0.05 if attempt < 20 else 0.2)
    raise AssertionError("a note was never acknowledged")


def _form_client(server: Server, session: requests.Session, case_id: str, run: Run) -> None:
    url = f"{server.url}/cases/{case_id}/timeline/new"
    while (number := run.take(WRITES)) is not None:
        opened: dict[str, str] = {}

        def send(number: int = number, opened: dict[str, str] = opened) -> str | None:
            if not opened:  # open the form: its one-time key and CSRF token
                page = session.get(url, timeout=15)
                if page.status_code != 200:
                    return None
                match = FORM_KEY.search(page.text)
                assert match, "the note form has no form key"
                opened.update(form_key=match.group(1), csrf=csrf_of(page.text))
            answer = session.post(
                url,
                data={
                    "csrfmiddlewaretoken": opened["csrf"],
                    "form_key": opened["form_key"],
                    "kind": "note",
                    "title": f"note {number:04d}",
                    "date-day": "20",
                    "date-month": "11",
                    "date-year": "2026",
                    "body": "Synthetic text for the crash test.",
                },
                allow_redirects=False,
                timeout=15,
            )
            if answer.status_code == 302 and "#entry-" in answer.headers["Location"]:
                return answer.headers["Location"].rsplit("#entry-", 1)[1]
            if answer.status_code in (500, 502, 503, 504):
                return None
            raise AssertionError(f"note {number}: unexpected {answer.status_code}")

        run.ack(number, _until_acknowledged(run, send))


def _api_client(server: Server, token: str, case_id: str, run: Run) -> None:
    session = api(server, token)
    url = f"{server.url}/api/v1/cases/{case_id}/notes"
    while (number := run.take(WRITES)) is not None:
        key = str(uuid.uuid4())

        def send(number: int = number, key: str = key) -> str | None:
            answer = session.post(
                url,
                json={"kind": "note", "date": "2026-11-20", "title": f"note {number:04d}"},
                headers={"Idempotency-Key": key},
                timeout=15,
            )
            if answer.status_code in (200, 201):
                return str(answer.json()["id"])
            if answer.status_code in (500, 502, 503, 504):
                return None
            raise AssertionError(f"note {number}: unexpected {answer.status_code} {answer.text}")

        run.ack(number, _until_acknowledged(run, send))


def _guarded(run: Run, work: Any, *args: Any) -> None:
    try:
        work(*args)
    except BaseException as exc:
        run.errors.append(f"{work.__name__}: {exc!r}")
        raise


def _write_while_killing(server: Server, kill: Any, kills: int, seed: int) -> tuple[Run, str]:
    email = server.add_user()
    token = server.token(email)
    case_id = new_case(server, token)
    browser = sign_in(server, email)
    run = Run()
    rng = random.Random(seed)  # noqa: S311 - a repeatable kill schedule, not a secret
    # Kill at random moments spread over the run: after a random number of acknowledged writes,
    # plus a random few milliseconds so that a kill often lands in the middle of a request.
    marks = sorted(rng.sample(range(5, WRITES - 5), kills))
    killed: list[int] = []

    def killer() -> None:
        for mark in marks:
            while len(run.acknowledged) < mark and not run.done.is_set():
                time.sleep(0.002)
            if run.done.is_set():
                return
            time.sleep(rng.uniform(0, 0.03))
            kill(rng)
            killed.append(mark)

    clients = [
        threading.Thread(target=_guarded, args=(run, _form_client, server, browser, case_id, run)),
        threading.Thread(target=_guarded, args=(run, _api_client, server, token, case_id, run)),
    ]
    killer_thread = threading.Thread(target=_guarded, args=(run, killer))
    for t in [*clients, killer_thread]:
        t.start()
    for t in clients:
        t.join()
    run.done.set()
    killer_thread.join()
    assert not run.errors, run.errors
    assert len(killed) == kills, f"only {len(killed)} of {kills} kills happened"
    return run, case_id


def _check_nothing_lost_or_doubled(server: Server, run: Run, case_id: str) -> None:
    assert len(run.acknowledged) == WRITES
    server.wait_ready()
    rows = server.query(
        "SELECT e.public_id, r.title FROM cases_entry e "
        "JOIN cases_case c ON c.id = e.case_id "
        "JOIN cases_entryrevision r ON r.entry_id = e.id "
        "WHERE c.public_id = %s",
        (_db_uuid(server, case_id),),
    )
    titles = Counter(title for _, title in rows)
    missing = [n for n in run.acknowledged if titles[f"note {n:04d}"] == 0]
    doubled = sorted(t for t, c in titles.items() if c > 1)
    assert missing == [], f"acknowledged but missing: {missing[:20]}"
    assert doubled == [], f"there twice: {doubled[:20]}"
    assert len(rows) == WRITES
    # Each answer (first or replayed) pointed at the note that holds that number.
    by_id = {_uuid_text(public_id): title for public_id, title in rows}
    wrong = [n for n, entry in run.acknowledged.items() if by_id.get(entry) != f"note {n:04d}"]
    assert wrong == [], f"answers pointing at the wrong note: {wrong[:20]}"
    audit = server.query(
        "SELECT count(*), count(DISTINCT object_id) FROM cases_auditevent "
        "WHERE action = 'entry.created' AND case_id = (SELECT id FROM cases_case WHERE public_id = %s)",
        (_db_uuid(server, case_id),),
    )
    assert audit == [(WRITES, WRITES)], f"audit rows for the notes: {audit}"
    assert server.integrity_ok()


def _db_uuid(server: Server, text: str) -> Any:
    return uuid.UUID(text).hex if server.backend == "sqlite" else uuid.UUID(text)


def _uuid_text(value: Any) -> str:
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def test_killed_workers_lose_no_acknowledged_note_and_double_none(server: Server) -> None:
    started = time.monotonic()
    run, case_id = _write_while_killing(server, server.kill_worker, WORKER_KILLS, seed=6)
    _check_nothing_lost_or_doubled(server, run, case_id)
    print(  # noqa: T201 - the numbers measured, shown with pytest -s
        f"\n[{server.backend}] {WRITES} acknowledged notes, {WORKER_KILLS} workers killed, "
        f"{run.resent} sends repeated, {time.monotonic() - started:.1f}s"
    )


def test_killed_server_loses_no_acknowledged_note_and_doubles_none(server: Server) -> None:
    started = time.monotonic()

    def crash_and_restart(rng: random.Random) -> None:
        server.crash()
        time.sleep(rng.uniform(0, 0.2))
        server.start()

    run, case_id = _write_while_killing(server, crash_and_restart, MASTER_KILLS, seed=66)
    _check_nothing_lost_or_doubled(server, run, case_id)
    print(  # noqa: T201 - the numbers measured, shown with pytest -s
        f"\n[{server.backend}] {WRITES} acknowledged notes, server killed {MASTER_KILLS} times, "
        f"{run.resent} sends repeated, {time.monotonic() - started:.1f}s"
    )
