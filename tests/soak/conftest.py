"""The soak test's machinery: a real server (gunicorn, 2 workers, like ``make run``) on a fresh
SQLite database with synthetic people (seed.py), locust making realistic journeys against it from
a separate process (locustfile.py), an SMTP server that can be stopped, disks that can be filled
(tmpfs mounts), and a browser-like client for probing the server while a fault is on.

Sizes: SENDROUTE_SOAK_SECONDS (default 300, or 1800 with SENDROUTE_FULL_PROOF=1) and
SENDROUTE_SOAK_USERS (default 20). Results go to test-artifacts/soak/.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests

from tests.soak.soak_files import pdf

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARTIFACTS = REPO / "test-artifacts" / "soak"
FULL = os.environ.get("SENDROUTE_FULL_PROOF") == "1"
SOAK_SECONDS = int(os.environ.get("SENDROUTE_SOAK_SECONDS") or (1800 if FULL else 300))
USERS = int(os.environ.get("SENDROUTE_SOAK_USERS") or 20)
ADVISER_USERS = max(1, USERS // 5)
SPAWN_RATE = 1  # people arrive over 20 seconds, not all signing in in the same second
HOST = "127.0.0.1"
SOAK_PORT = 8301
DB_FULL_PORT = 8302
SMTP_PORT = 8325
TODAY = "2026-11-27"
DISK_FULL_TEXT = "the server has run out of space. Nothing was saved."
P95_LIMIT_MS = 300
MEMORY_GROWTH_LIMIT = 0.10
WARM_UP_SECONDS = 30
RSS_EVERY_SECONDS = 2.0


# -- processes and disks ---------------------------------------------------------------------


def run(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run([str(BIN / "python"), "manage.py", *args], env)


def mount_tmpfs(folder: Path, size: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    done = run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)], {})
    if done.returncode != 0:
        pytest.fail(
            "The soak test fills a disk to check that writes fail cleanly, and needs to mount a "
            f"small tmpfs for it (as root, or with CAP_SYS_ADMIN). `mount` said: {done.stderr}"
        )


def unmount(folder: Path) -> None:
    run(["umount", "-l", str(folder)], {})


def fill(folder: Path) -> None:
    """Write filler files until the disk holding ``folder`` has no space left at all."""
    block = b"\0" * (1024 * 1024)
    n = 0
    for size in (len(block), 4096, 512, 1):
        while True:
            try:
                with (folder / f"filler-{n}").open("wb") as f:
                    f.write(block[:size])
                n += 1
            except OSError:
                (folder / f"filler-{n}").unlink(missing_ok=True)
                break


def free(folder: Path) -> None:
    for filler in folder.glob("filler-*"):
        filler.unlink()


def server_env(db: Path, evidence: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDROUTE_")}
    env.pop("DATABASE_URL", None)
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        SENDROUTE_EVIDENCE_DIR=str(evidence),
        SENDROUTE_TODAY=TODAY,
        SENDROUTE_EMAIL_HOST=HOST,
        SENDROUTE_EMAIL_PORT=str(SMTP_PORT),
        SENDROUTE_EMAIL_TLS="false",
        SENDROUTE_BASE_URL="http://sendroute.example.invalid",
        DJANGO_SETTINGS_MODULE="sendroute.web.settings",
        PYTHONUNBUFFERED="1",
    )
    return env


def prepare_database(env: dict[str, str], families: int, advisers: int, out: Path) -> dict:
    for args in (
        [str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v0"],
        [str(BIN / "python"), "tests/soak/seed.py", str(families), str(advisers), str(out)],
    ):
        done = run(args, env, timeout=600)
        assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


class Server:
    """gunicorn serving sendroute, as ``make run`` starts it."""

    def __init__(self, env: dict[str, str], port: int, log: Path, workers: int = 2) -> None:
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self.log = log
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "sendroute.web.wsgi",
                "--bind",
                f"{HOST}:{port}",
                "--workers",
                str(workers),
                "--no-control-socket",
                "--timeout",
                "60",
            ],
            env=env,
            cwd=REPO,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.workers = workers
        try:
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise
        self.worker_pids = self.current_worker_pids()

    def current_worker_pids(self) -> list[int]:
        return sorted(c.pid for c in psutil.Process(self.process.pid).children())

    def wait_until_ready(self, seconds: float = 180) -> None:
        """Until both workers have loaded the app and answer quickly."""
        end = time.monotonic() + seconds
        fast = 0
        while fast < 4 * self.workers:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < end, "the server did not start in time"
            try:
                started = time.monotonic()
                r = requests.get(f"{self.url}/account/sign-in", timeout=60)
                fast = fast + 1 if r.status_code == 200 and time.monotonic() - started < 1 else 0
            except requests.ConnectionError:
                time.sleep(0.5)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# -- the email server ------------------------------------------------------------------------


class Sink:
    """An SMTP server keeping what it receives (recipient and the case linked in the body). It
    can be stopped (connections refused) and made flaky (every other message refused with a
    temporary error, 451)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: list[tuple[str, str]] = []
        self.refused = 0
        self.flaky = False
        self.controller: Any = None
        self._count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self._count += 1
        if self.flaky and self._count % 2 == 0:
            self.refused += 1
            return "451 4.3.0 Try again later"
        body = message_from_bytes(envelope.content).get_payload(decode=True) or b""
        case = re.search(rb"/cases/([0-9a-f-]{36})/", body)
        for rcpt in envelope.rcpt_tos:
            self.received.append((rcpt, case.group(1).decode() if case else ""))
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname=HOST, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# -- a browser for probes --------------------------------------------------------------------

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')


@dataclass
class Answer:
    status: int
    location: str
    text: str


class Browser:
    """A family member's browser, signed in, adding notes and files as the forms do."""

    def __init__(self, url: str, email: str, password: str) -> None:
        self.url = url
        self.session = requests.Session()
        fields = self.fields("/account/sign-in")
        r = self.session.post(
            f"{url}/account/sign-in",
            data={**fields, "email": email, "password": password, "next": "/cases/"},
            allow_redirects=False,
            timeout=60,
        )
        assert r.status_code == 302, r.status_code

    def fields(self, path: str) -> dict[str, str]:
        r = self.session.get(f"{self.url}{path}", timeout=60)
        assert r.status_code == 200, (path, r.status_code)
        values = {"csrfmiddlewaretoken": _CSRF.search(r.text).group(1)}  # type: ignore[union-attr]
        key = _FORM_KEY.search(r.text)
        if key:
            values["form_key"] = key.group(1)
        return values

    def answer(self, r: requests.Response) -> Answer:
        return Answer(r.status_code, r.headers.get("Location", ""), r.text)

    def get(self, path: str) -> Answer:
        return self.answer(self.session.get(f"{self.url}{path}", allow_redirects=False, timeout=60))

    def add_note(self, case: str, title: str) -> Answer:
        fields = self.fields(f"/cases/{case}/timeline/new")
        data = {
            **fields,
            "kind": "note",
            "title": title,
            "people": "SENCo",
            "body": "A probe note.",
            "actions": "",
            "concern": "",
            "date-day": "20",
            "date-month": "11",
            "date-year": "2026",
        }
        return self.answer(
            self.session.post(
                f"{self.url}/cases/{case}/timeline/new",
                data=data,
                allow_redirects=False,
                timeout=60,
            )
        )

    def upload(self, case: str, title: str, content: bytes) -> Answer:
        fields = self.fields(f"/cases/{case}/evidence/new")
        return self.answer(
            self.session.post(
                f"{self.url}/cases/{case}/evidence/new",
                data={**fields, "title": title, "concern": ""},
                files={"file": ("letter.pdf", content, "application/pdf")},
                allow_redirects=False,
                timeout=60,
            )
        )


# -- what is in the database and the evidence folder -----------------------------------------


def uuid_hex(text: str) -> str:
    return text.replace("-", "")


@dataclass
class Stored:
    entry_ids: set[str]
    note_titles: set[str]
    evidence: dict[str, tuple[str, int, str]]  # stored name -> (title, size, sha256)
    integrity: str
    files: set[str] = field(default_factory=set)
    bad_files: list[str] = field(default_factory=list)

    def evidence_titled(self, title: str) -> list[tuple[str, int, str]]:
        """(title, size, sha256) of each file with this title."""
        return [row for row in self.evidence.values() if row[0] == title]


def stored(db: Path, evidence: Path) -> Stored:
    """The notes and files the database holds, the files in the evidence folder, and whether
    every file a row names is there with the content it had when it was uploaded."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        entry_ids = {r[0] for r in con.execute("select public_id from cases_entry")}
        note_titles = {r[0] for r in con.execute("select title from cases_entryrevision")}
        rows = con.execute("select stored_name, title, size, sha256 from cases_evidence").fetchall()
        integrity = con.execute("pragma integrity_check").fetchone()[0]
    finally:
        con.close()
    result = Stored(
        entry_ids={uuid_hex(str(e)) for e in entry_ids},
        note_titles=note_titles,
        evidence={name: (title, size, sha) for name, title, size, sha in rows},
        integrity=integrity,
    )
    result.files = {p.name for p in evidence.iterdir() if not p.name.startswith("filler-")}
    for name, (_title, size, sha) in result.evidence.items():
        path = evidence / name
        if not path.is_file():
            result.bad_files.append(f"{name}: missing")
            continue
        content = path.read_bytes()
        if len(content) != size or hashlib.sha256(content).hexdigest() != sha:
            result.bad_files.append(f"{name}: changed")
    return result


def events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# -- the soak run ----------------------------------------------------------------------------


@dataclass
class Window:
    start: float
    end: float = 0.0


@dataclass
class SoakResult:
    seconds: int
    users: int
    stats: list[dict[str, str]]
    failures: list[dict[str, str]]
    events: list[dict[str, Any]]
    rss: list[tuple[float, int, int]]  # (seconds since start, worker pid, RSS bytes)
    workers_at_start: list[int]
    workers_at_end: list[int]
    server_errors_logged: int
    reminders: dict[str, Any]
    evidence_full: Window
    evidence_probe: dict[str, Any]
    stored: Stored
    started: float
    locust_exit: int
    summary: dict[str, Any] = field(default_factory=dict)


def read_csv(path: Path) -> list[dict[str, str]]:
    import csv

    if not path.exists():
        return []
    with path.open() as f:
        return list(csv.DictReader(f))


def sample_rss(pids: list[int], stop: threading.Event, out: list, t0: float) -> None:
    processes = [psutil.Process(p) for p in pids]
    while not stop.is_set():
        now = time.time() - t0
        for p in processes:
            with contextlib.suppress(psutil.Error):
                out.append((now, p.pid, p.memory_info().rss))
        stop.wait(RSS_EVERY_SECONDS)


def send_reminders(env: dict[str, str]) -> dict[str, Any]:
    done = manage(env, "send_reminders")
    sent = re.search(r"Sent (\d+) reminder", done.stdout)
    failed = re.search(r"(\d+) reminders? could not be sent", done.stderr)
    return {
        "exit": done.returncode,
        "sent": int(sent.group(1)) if sent else None,
        "failed": int(failed.group(1)) if failed else 0,
        "message": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "",
    }


def wait_until(t0: float, at: float) -> None:
    delay = t0 + at - time.time()
    if delay > 0:
        time.sleep(delay)


@pytest.fixture(scope="session")
def soak_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("soak")


@dataclass
class Seeded:
    db: Path
    evidence: Path
    seed_json: Path
    seed: dict[str, Any]


@pytest.fixture(scope="session")
def seeded(soak_dir: Path) -> Seeded:
    """A migrated database with the synthetic people and cases, and their evidence files, to be
    copied by each test that uses it."""
    db = soak_dir / "seeded.sqlite3"
    evidence = soak_dir / "seeded-evidence"
    family_users = USERS - ADVISER_USERS
    out = soak_dir / "seed.json"
    seed = prepare_database(
        server_env(db, evidence),
        families=max(40, family_users + 4),
        advisers=ADVISER_USERS * 2,
        out=out,
    )
    return Seeded(db=db, evidence=evidence, seed_json=out, seed=seed)


@pytest.fixture(scope="session")
def soak(soak_dir: Path, seeded: Seeded) -> Iterator[SoakResult]:
    """Runs the soak once: SOAK_SECONDS of locust against the server, with the email server
    down and then flaky for a while, and the evidence disk full for a while."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*"):
        if old.is_file():
            old.unlink()
    disk = soak_dir / "evidence-disk"
    mount_tmpfs(disk, f"{max(16, SOAK_SECONDS // 15)}m")
    evidence = disk / "evidence"
    db = soak_dir / "db.sqlite3"
    env = server_env(db, evidence)
    sink = Sink(SMTP_PORT)
    server: Server | None = None
    locust: subprocess.Popen | None = None
    stop_rss = threading.Event()
    try:
        shutil.copy(seeded.db, db)
        shutil.copytree(seeded.evidence, evidence)
        seed = seeded.seed
        server = Server(env, SOAK_PORT, ARTIFACTS / "gunicorn.log")
        events_path = soak_dir / "events.jsonl"
        locust_env = {
            **env,
            "SOAK_SEED": str(seeded.seed_json),
            "SOAK_EVENTS": str(events_path),
            "SOAK_ADVISER_USERS": str(ADVISER_USERS),
        }
        prefix = ARTIFACTS / "locust"
        t0 = time.time()
        locust = subprocess.Popen(
            [
                str(BIN / "locust"),
                "-f",
                "tests/soak/locustfile.py",
                "--headless",
                "-u",
                str(USERS),
                "-r",
                str(SPAWN_RATE),
                "--run-time",
                f"{SOAK_SECONDS}s",
                "--host",
                server.url,
                "--csv",
                str(prefix),
                "--only-summary",
                "--stop-timeout",
                "10",
            ],
            env=locust_env,
            cwd=REPO,
            stdout=(ARTIFACTS / "locust.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        rss: list[tuple[float, int, int]] = []
        sampler = threading.Thread(
            target=sample_rss, args=(server.worker_pids, stop_rss, rss, t0), daemon=True
        )
        sampler.start()

        # A family member of our own, for probing while the disk is full.
        probe = Browser(server.url, seed["families"][-1]["email"], seed["password"])
        probe_case = seed["families"][-1]["case"]

        # The email server is down: reminders fail, and are kept for the next run.
        reminders: dict[str, Any] = {"due": len(seed["reminders_due"])}
        wait_until(t0, 0.15 * SOAK_SECONDS)
        reminders["while_down"] = send_reminders(env)
        reminders["received_while_down"] = len(sink.received)
        # It comes back, flaky: every other message refused for now (451).
        wait_until(t0, 0.25 * SOAK_SECONDS)
        sink.flaky = True
        sink.start()
        reminders["while_flaky"] = send_reminders(env)
        reminders["refused_while_flaky"] = sink.refused
        # It has recovered.
        wait_until(t0, 0.32 * SOAK_SECONDS)
        sink.flaky = False
        reminders["after_recovery"] = send_reminders(env)
        reminders["run_again"] = send_reminders(env)
        reminders["received"] = [list(r) for r in sink.received]
        reminders["expected"] = seed["reminders_due"]

        # The evidence disk fills up, for a tenth of the run.
        wait_until(t0, 0.45 * SOAK_SECONDS)
        fill(disk)
        window = Window(start=time.time())
        probe_result: dict[str, Any] = {}
        content = pdf("probe while full")
        answer = probe.upload(probe_case, "Probe upload while full", content)
        probe_result["upload_while_full"] = [answer.status, DISK_FULL_TEXT in answer.text]
        probe_result["leftovers_while_full"] = sorted(
            p.name for p in evidence.iterdir() if p.name.startswith(".upload-")
        )
        answer = probe.add_note(probe_case, "Probe note while evidence disk full")
        probe_result["note_while_full"] = [answer.status, answer.location]
        wait_until(window.start, 0.1 * SOAK_SECONDS)
        free(disk)
        window.end = time.time()
        content = pdf("probe after")
        answer = probe.upload(probe_case, "Probe upload after", content)
        probe_result["upload_after"] = [answer.status, hashlib.sha256(content).hexdigest()]

        locust.wait(timeout=SOAK_SECONDS + 120)
        stop_rss.set()
        sampler.join()
        workers_at_end = server.current_worker_pids()
        server.stop()
        log = (ARTIFACTS / "gunicorn.log").read_text()
        if events_path.exists():  # synthetic titles and ids only
            shutil.copy(events_path, ARTIFACTS / "events.jsonl")
        result = SoakResult(
            seconds=SOAK_SECONDS,
            users=USERS,
            stats=read_csv(Path(f"{prefix}_stats.csv")),
            failures=read_csv(Path(f"{prefix}_failures.csv")),
            events=events(events_path),
            rss=rss,
            workers_at_start=server.worker_pids,
            workers_at_end=workers_at_end,
            server_errors_logged=log.count("Internal Server Error"),
            reminders=reminders,
            evidence_full=window,
            evidence_probe=probe_result,
            stored=stored(db, evidence),
            started=t0,
            locust_exit=locust.returncode,
        )
        result.summary = summarise(result)
        (ARTIFACTS / "soak.json").write_text(json.dumps(result.summary, indent=1))
        yield result
    finally:
        stop_rss.set()
        if locust is not None and locust.poll() is None:
            locust.kill()
            locust.wait()
        if server is not None:
            server.stop()
        sink.stop()
        unmount(disk)


# -- numbers ---------------------------------------------------------------------------------


def memory_windows(seconds: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """The first minute after the warm-up and the last minute (shorter for short runs)."""
    span = min(60.0, 0.2 * seconds)
    warm = min(float(WARM_UP_SECONDS), 0.1 * seconds)
    return (warm, warm + span), (seconds - span, float(seconds))


def median(values: list[int]) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def memory_growth(result: SoakResult) -> dict[int, dict[str, float]]:
    first, last = memory_windows(result.seconds)
    out = {}
    for pid in result.workers_at_start:
        a = [r for t, p, r in result.rss if p == pid and first[0] <= t < first[1]]
        b = [r for t, p, r in result.rss if p == pid and last[0] <= t <= last[1]]
        start, end = median(a), median(b)
        out[pid] = {
            "first_minute_mb": round(start / 2**20, 1),
            "last_minute_mb": round(end / 2**20, 1),
            "growth": round(end / start - 1, 4) if start else float("inf"),
            "samples": len(a) + len(b),
        }
    return out


def memory_by_minute(result: SoakResult) -> dict[str, list[float]]:
    """Each worker's median RSS (MB) in each minute of the run: the shape of any growth (a leak
    keeps rising; a cache filling up levels off)."""
    minutes = int(result.seconds // 60) or 1
    out: dict[str, list[float]] = {}
    for pid in result.workers_at_start:
        out[str(pid)] = [
            round(
                median([r for t, p, r in result.rss if p == pid and m * 60 <= t < (m + 1) * 60])
                / 2**20,
                1,
            )
            for m in range(minutes)
        ]
    return out


def summarise(result: SoakResult) -> dict[str, Any]:
    total = next((s for s in result.stats if s["Name"] == "Aggregated"), {})
    kinds = Counter(e["kind"] for e in result.events)
    return {
        "seconds": result.seconds,
        "users": result.users,
        "adviser_users": ADVISER_USERS,
        "requests": int(total.get("Request Count", 0) or 0),
        "failures": int(total.get("Failure Count", 0) or 0),
        "requests_per_second": round(float(total.get("Requests/s", 0) or 0), 2),
        "writes_acknowledged": {"notes": kinds["note"], "uploads": kinds["upload"]},
        "writes_per_second": round((kinds["note"] + kinds["upload"]) / result.seconds, 2),
        "disk_full_answers": kinds["disk_full"],
        "p95_ms": {
            s["Name"]: float(s["95%"]) for s in result.stats if s.get("95%") not in ("", "N/A")
        },
        "p50_ms": {
            s["Name"]: float(s["50%"]) for s in result.stats if s.get("50%") not in ("", "N/A")
        },
        "memory": {str(k): v for k, v in memory_growth(result).items()},
        "memory_mb_by_minute": memory_by_minute(result),
        "workers_restarted": result.workers_at_start != result.workers_at_end,
        "server_errors_logged": result.server_errors_logged,
        "reminders": {
            k: v for k, v in result.reminders.items() if k not in ("received", "expected")
        },
        "reminders_received": len(result.reminders.get("received", [])),
        "evidence_full_seconds": round(result.evidence_full.end - result.evidence_full.start, 1),
        "evidence_probe": result.evidence_probe,
        "database_integrity": result.stored.integrity,
        "evidence_rows": len(result.stored.evidence),
        "evidence_files_bad": result.stored.bad_files,
        "locust_exit": result.locust_exit,
    }
