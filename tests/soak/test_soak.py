"""Soak: realistic journeys for 5 minutes (30 with SENDROUTE_FULL_PROOF=1) against a real server,
with the email server failing and the disk filling up part way through.

One run (the ``soak`` fixture in conftest.py) is checked by the tests here: no request failed and
the server answered no 5xx except the designed "out of space" 503; every page's 95th percentile
is within 300 ms; each worker's memory grew by at most 10% after warm-up; reminders that could
not be sent while the email server was down were all delivered once it recovered, each exactly
once; while the evidence disk was full, uploads were refused with a message and notes were still
saved; and every note and file the server acknowledged is still there, files unchanged, while
nothing it refused was saved. A shorter separate test fills the database's disk.

Numbers, and locust's CSVs, are written to test-artifacts/soak/.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest

from .conftest import (
    ARTIFACTS,
    DB_FULL_PORT,
    DISK_FULL_TEXT,
    MEMORY_GROWTH_LIMIT,
    P95_LIMIT_MS,
    SMTP_PORT,
    Browser,
    Seeded,
    Server,
    Sink,
    SoakResult,
    fill,
    free,
    memory_growth,
    mount_tmpfs,
    send_reminders,
    server_env,
    stored,
    unmount,
    uuid_hex,
)
from .soak_files import pdf

pytestmark = pytest.mark.soak

# A clean 503 may come a little after the disk is freed: a request that began while it was full.
GRACE_SECONDS = 5


def test_no_request_failed_and_the_only_5xx_were_the_out_of_space_answers(soak: SoakResult):
    assert soak.locust_exit == 0, (ARTIFACTS / "locust.log").read_text()[-3000:]
    assert soak.summary["requests"] > 0
    assert soak.failures == [], soak.failures
    assert soak.summary["failures"] == 0
    # Every "out of space" answer came while the evidence disk was full.
    window = soak.evidence_full
    late = [
        e
        for e in soak.events
        if e["kind"] == "disk_full" and not window.start - 1 <= e["t"] <= window.end + GRACE_SECONDS
    ]
    assert late == []
    assert soak.server_errors_logged == 0  # gunicorn's log: no "Internal Server Error"
    assert soak.workers_at_end == soak.workers_at_start  # no worker died or timed out


def test_the_95th_percentile_of_every_request_is_at_most_300_ms(soak: SoakResult):
    slow = {name: p95 for name, p95 in soak.summary["p95_ms"].items() if p95 > P95_LIMIT_MS}
    assert slow == {}, f"p95 over {P95_LIMIT_MS} ms: {slow}"


def test_each_worker_s_memory_grows_at_most_10_percent_after_warm_up(soak: SoakResult):
    growth = memory_growth(soak)
    assert len(growth) == 2
    for pid, numbers in growth.items():
        assert numbers["samples"] >= 4, (pid, numbers)
        assert numbers["growth"] <= MEMORY_GROWTH_LIMIT, (pid, numbers)


def test_reminders_not_sent_while_the_email_server_failed_are_all_delivered_once_after(
    soak: SoakResult,
):
    r = soak.reminders
    assert r["due"] > 0
    # Down (connection refused): the job fails with a message saying they will be tried again.
    assert r["while_down"]["exit"] != 0
    assert r["while_down"]["failed"] == r["due"]
    assert "tried again" in r["while_down"]["message"]
    assert r["received_while_down"] == 0
    # Flaky (451 for every other message): some sent, the rest kept for the next run.
    assert r["refused_while_flaky"] > 0
    assert r["while_flaky"]["failed"] == r["refused_while_flaky"]
    assert r["while_flaky"]["sent"] + r["while_flaky"]["failed"] == r["due"]
    # Recovered: the rest are sent, and running again sends nothing.
    assert r["after_recovery"] == {
        "exit": 0,
        "sent": r["due"] - r["while_flaky"]["sent"],
        "failed": 0,
        "message": "",
    }
    assert r["run_again"]["sent"] == 0
    # Each due reminder (person and case) was delivered exactly once: none lost, none twice.
    received = Counter(tuple(x) for x in r["received"])
    assert set(received) == {tuple(x) for x in r["expected"]}
    assert set(received.values()) == {1}


def test_while_the_evidence_disk_is_full_uploads_are_refused_with_a_message_and_notes_save(
    soak: SoakResult,
):
    window = soak.evidence_full
    assert window.end - window.start >= 0.1 * soak.seconds - 1  # the disk stayed full a while
    probe = soak.evidence_probe
    assert probe["upload_while_full"] == [503, True]
    assert probe["leftovers_while_full"] == []  # no half-written upload
    status, location = probe["note_while_full"]
    assert status == 302
    assert "#entry-" in location
    assert uuid_hex(location.rpartition("#entry-")[2]) in soak.stored.entry_ids
    # Space again: uploads work again, and the file is kept as sent.
    status, sha = probe["upload_after"]
    assert status == 302
    assert [row[2] for row in soak.stored.evidence_titled("Probe upload after")] == [sha]
    assert soak.stored.evidence_titled("Probe upload while full") == []


def test_every_acknowledged_note_and_file_is_kept_and_nothing_refused_was_saved(
    soak: SoakResult,
):
    kept = soak.stored
    assert kept.integrity == "ok"
    notes = [e for e in soak.events if e["kind"] == "note"]
    uploads = [e for e in soak.events if e["kind"] == "upload"]
    refused = [e for e in soak.events if e["kind"] == "disk_full" and e.get("title")]
    assert notes
    assert uploads
    assert [n for n in notes if uuid_hex(n["entry"]) not in kept.entry_ids] == []
    for u in uploads:
        assert kept.evidence_titled(u["title"]) == [(u["title"], u["size"], u["sha256"])]
    assert [e for e in refused if kept.evidence_titled(e["title"])] == []
    assert [e for e in refused if e["title"] in kept.note_titles] == []
    # Every file a row names is there with the content it had; every file there has a row.
    assert kept.bad_files == []
    assert kept.files == set(kept.evidence)


def test_while_the_database_disk_is_full_writes_fail_with_a_message_and_succeed_after(
    seeded: Seeded, soak_dir: Path
):
    disk = soak_dir / "database-disk"
    mount_tmpfs(disk, "128m")
    db = disk / "db.sqlite3"
    evidence = soak_dir / "database-full-evidence"
    env = server_env(db, evidence)
    server = None
    sink = Sink(SMTP_PORT + 1)
    env["SENDROUTE_EMAIL_PORT"] = str(SMTP_PORT + 1)
    report: dict = {}
    try:
        shutil.copy(seeded.db, db)
        shutil.copytree(seeded.evidence, evidence)
        server = Server(env, DB_FULL_PORT, ARTIFACTS / "gunicorn-database-full.log")
        family = seeded.seed["families"][-2]
        me = Browser(server.url, family["email"], seeded.seed["password"])
        case = family["case"]
        before = me.add_note(case, "Saved before the disk filled")
        assert before.status == 302
        sign_in_form = me.fields("/account/sign-in")
        sink.start()

        fill(disk)
        answers = {
            "note": me.add_note(case, "Refused note"),
            "upload": me.upload(case, "Refused upload", pdf("refused")),
            "case page": me.get(f"/cases/{case}/"),
            "sign in": me.answer(
                me.session.post(
                    f"{server.url}/account/sign-in",
                    data={**sign_in_form, "email": family["email"], "password": "wrong"},
                    allow_redirects=False,
                    timeout=60,
                )
            ),
        }
        reminders_while_full = send_reminders(env)
        received_while_full = len(sink.received)
        leftovers = sorted(p.name for p in evidence.iterdir() if p.name.startswith(".upload-"))
        free(disk)
        time.sleep(1)

        after_note = me.add_note(case, "Saved after the disk was freed")
        content = pdf("after")
        after_upload = me.upload(case, "Saved upload after", content)
        reminders_after = send_reminders(env)
        kept = stored(db, evidence)
        report = {
            "while_full": {k: a.status for k, a in answers.items()},
            "reminders_while_full": reminders_while_full,
            "reminders_after": reminders_after,
            "integrity": kept.integrity,
        }
        (ARTIFACTS / "database-full.json").write_text(json.dumps(report, indent=1))
        log = (ARTIFACTS / "gunicorn-database-full.log").read_text()
    finally:
        if server is not None:
            server.stop()
        sink.stop()
        unmount(disk)

    for name, answer in answers.items():
        assert (name, answer.status, DISK_FULL_TEXT in answer.text) == (name, 503, True)
    assert "Internal Server Error" not in log
    assert leftovers == []
    # The reminder job could not record what it sends, so it sent nothing and said so...
    assert reminders_while_full["exit"] != 0
    assert reminders_while_full["failed"] == len(seeded.seed["reminders_due"])
    assert received_while_full == 0
    # ...and sends every one, once, when there is space again.
    assert reminders_after["sent"] == len(seeded.seed["reminders_due"])
    assert sorted(list(x) for x in Counter(tuple(r) for r in sink.received)) == sorted(
        seeded.seed["reminders_due"]
    )
    assert len(sink.received) == len(seeded.seed["reminders_due"])
    # Nothing refused was saved; what was saved before and after is there, files intact.
    assert kept.integrity == "ok"
    assert after_note.status == 302
    assert after_upload.status == 302
    assert {"Saved before the disk filled", "Saved after the disk was freed"} <= kept.note_titles
    assert "Refused note" not in kept.note_titles
    assert kept.evidence_titled("Refused upload") == []
    assert [r[2] for r in kept.evidence_titled("Saved upload after")] == [
        hashlib.sha256(content).hexdigest()
    ]
    assert kept.bad_files == []
    assert kept.files == set(kept.evidence)
