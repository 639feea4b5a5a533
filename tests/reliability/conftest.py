"""A real sendroute server for the reliability tests: gunicorn with two workers, as ``make run``
starts it, on a fresh database (SQLite in a temporary folder, or a PostgreSQL database made for
the test and dropped after) and a temporary evidence folder.

The tests talk to it over HTTP like a browser or an API client would, kill its processes with
SIGKILL, and read the database directly at the end to count what was kept.

Counts: CI-sized by default; ``SENDROUTE_FULL_PROOF=1`` runs the full counts of issue 6.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PORTS = range(8200, 8300)
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
FULL = os.environ.get("SENDROUTE_FULL_PROOF") == "1"
TODAY = "2026-11-27"
PASSWORD = "a long pass phrase for the reliability tests"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)


def full_or_ci(full: int, ci: int) -> int:
    """The issue's count with SENDROUTE_FULL_PROOF=1, else the CI-sized one."""
    return full if FULL else ci


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8200-8299 for the test server")


def _postgres_answers() -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", "5432"], capture_output=True, check=False
        ).returncode
        == 0
    )


class Server:
    """One sendroute server and its database. ``start``, ``kill_worker``, ``crash``, ``stop``."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.folder = folder
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = folder / "gunicorn.log"
        if backend == "sqlite":
            self.db_path = folder / "sendroute.sqlite3"
            database_url = f"sqlite:///{self.db_path}"
            self.pg_name = ""
        else:
            self.pg_name = f"sendroute_h6_{secrets.token_hex(4)}"
            database_url = f"{PG_SERVER}/{self.pg_name}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SENDROUTE_EVIDENCE_DIR": str(folder / "evidence"),
            "SENDROUTE_TODAY": TODAY,
            "DJANGO_SETTINGS_MODULE": "sendroute.web.settings",
        }
        self.env.pop("SENDROUTE_TEST_DB_NAME", None)

    # -- database ------------------------------------------------------------------------------

    def create_database(self) -> None:
        if self.pg_name:
            subprocess.run(
                ["createdb", "-h", "127.0.0.1", "-U", "postgres", self.pg_name], check=True
            )
        self.manage("migrate", "--noinput", "-v0")

    def drop_database(self) -> None:
        if self.pg_name:
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--force", self.pg_name],
                check=False,
            )

    def manage(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [str(BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"manage.py {args[0]} failed:\n{result.stderr}"
        return result.stdout

    def cli(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [str(BIN / "sendroute"), *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"sendroute {' '.join(args)} failed:\n{result.stderr}"
        return result.stdout

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the database directly (its own connection, outside the server)."""
        if self.backend == "sqlite":
            with contextlib.closing(sqlite3.connect(self.db_path, timeout=30)) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/{self.pg_name}") as db:
            return db.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def integrity_ok(self) -> bool:
        """SQLite's own full check of the file; on PostgreSQL, every table can be read through
        and every foreign key of the case file points at a row that exists."""
        if self.backend == "sqlite":
            return self.query("PRAGMA integrity_check") == [("ok",)] and not self.query(
                "PRAGMA foreign_key_check"
            )
        tables = [
            t
            for (t,) in self.query(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        for table in tables:
            self.query(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from the catalogue
        orphans = self.query(
            "SELECT count(*) FROM cases_entryrevision r "
            "LEFT JOIN cases_entry e ON e.id = r.entry_id WHERE e.id IS NULL"
        )
        return orphans == [(0,)]

    # -- accounts ------------------------------------------------------------------------------

    def add_user(self, role: str = "parent") -> str:
        email = f"{role}-{secrets.token_hex(4)}@example.invalid"
        self.cli("user", "add", email, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
        return email

    def token(self, email: str) -> str:
        return self.cli("user", "token", email).strip().split()[-1]

    # -- processes -----------------------------------------------------------------------------

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "sendroute.web.wsgi",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "2",
                    "--graceful-timeout",
                    "2",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its own process group, killed as one by crash()
            )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"gunicorn stopped: see {self.log}\n{self.log.read_text()}")
            try:
                if requests.get(f"{self.url}/account/sign-in", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the server did not answer in {timeout}s: see {self.log}")

    def workers(self) -> list[psutil.Process]:
        assert self.proc is not None
        try:
            return psutil.Process(self.proc.pid).children()
        except psutil.NoSuchProcess:
            return []

    def kill_worker(self, rng: Any) -> int:
        """SIGKILL one worker chosen at random; the master starts a new one."""
        for _ in range(200):
            workers = [w for w in self.workers() if w.is_running()]
            if workers:
                victim = rng.choice(workers)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(victim.pid, signal.SIGKILL)
                    return victim.pid
            time.sleep(0.05)
        raise AssertionError("gunicorn had no worker to kill")

    def crash(self) -> None:
        """SIGKILL the master and its workers at once, like the machine's process dying."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        # The workers are in the same group; wait until none is left holding the port.
        for p in psutil.process_iter(["pid"]):
            with contextlib.suppress(psutil.Error):
                if os.getpgid(p.pid) == self.proc.pid:
                    p.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.crash()


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A running server on a fresh, migrated database of each backend, shared by the tests of
    this folder (each makes its own accounts and cases in it)."""
    if request.param == "postgresql" and not _postgres_answers():
        pytest.skip("PostgreSQL is not answering on 127.0.0.1:5432")
    srv = Server(request.param, tmp_path_factory.mktemp(f"server-{request.param}"))
    srv.create_database()
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()
        srv.drop_database()


# -- clients -------------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_KEY = re.compile(r'name="form_key" value="([^"]*)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(server: Server, email: str) -> requests.Session:
    """A browser session signed in through the real sign-in form."""
    session = requests.Session()
    page = session.get(f"{server.url}/account/sign-in", timeout=30)
    answer = session.post(
        f"{server.url}/account/sign-in",
        data={
            "csrfmiddlewaretoken": csrf_of(page.text),
            "email": email,
            "password": PASSWORD,
            "next": "/cases/",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, f"sign-in failed: {answer.status_code}"
    return session


def api(server: Server, token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def new_case(server: Server, token: str, title: str = "Reliability case") -> str:
    answer = api(server, token).post(
        f"{server.url}/api/v1/cases",
        json={"title": title, "area": "norfolk"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])
