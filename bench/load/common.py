"""What the load benchmark's parts share: seeded databases (made once, then copied), a gunicorn
server like `make run`'s, signing in over HTTP, and wrk runs with bench/lua/load.lua."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
LUA = ROOT / "bench" / "lua" / "load.lua"
CACHE = Path(os.environ.get("BENCH_CACHE", str(ROOT / ".bench" / "load-cache")))
RESULTS = ROOT / "bench" / "results"
RNG_SEED = int(os.environ.get("BENCH_RNG_SEED", "1"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))  # as `make run`
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")  # as `make run` (gunicorn's default)
THREADS = int(os.environ.get("BENCH_THREADS", "1"))  # threads per worker (gthread only)
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PORT = int(os.environ.get("BENCH_PORT", "0"))  # 0: any free port

SEED_MODULE = ROOT / "sendroute" / "cases" / "seed_data.py"

# The server runs as in production (no debug, secure headers, sessions in the database), except
# that it answers plain HTTP on loopback (a reverse proxy would end TLS in front of it).
SERVER_ENV = {
    "SENDROUTE_ENV": "production",
    "SENDROUTE_SECRET_KEY": "load-benchmark-only-" + "k" * 40,
    "SENDROUTE_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SENDROUTE_SSL_REDIRECT": "false",
    "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
}


def log(message: str) -> None:
    print(message, flush=True)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def free_port() -> int:
    if PORT:
        return PORT
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scale_name(scale: float) -> str:
    return f"{scale:g}"


# -- seeded databases -------------------------------------------------------------------------


def data_fingerprint() -> str:
    """Seeded data is kept while the migrations and the generator are unchanged."""
    digest = hashlib.sha256()
    files = [*sorted((ROOT / "sendroute").glob("*/migrations/*.py")), SEED_MODULE]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def data_key(scale: float) -> str:
    return f"s{scale_name(scale).replace('.', '_')}_r{RNG_SEED}_{data_fingerprint()}"


@dataclass
class Dataset:
    backend: str  # "sqlite" or "postgres"
    scale: float
    database_url: str
    evidence_dir: Path
    workdir: Path
    drop: str = ""  # the PostgreSQL database to drop when done

    def env(self, server: bool = True) -> dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SENDROUTE_EVIDENCE_DIR": str(self.evidence_dir),
        }
        if server:
            env.update(SERVER_ENV)
        else:
            env["DJANGO_SETTINGS_MODULE"] = "sendroute.web.settings"
            env.pop("SENDROUTE_ENV", None)
        return env

    def close(self) -> None:
        if self.drop:
            pg_execute(f'DROP DATABASE IF EXISTS "{self.drop}" WITH (FORCE)')
        shutil.rmtree(self.workdir, ignore_errors=True)


def _migrate_and_seed(env: dict[str, str], scale: float, evidence_dir: Path) -> None:
    subprocess.run(
        [str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    code = (
        "import django, sys, time; django.setup()\n"
        "from pathlib import Path\n"
        "from sendroute.cases.seed_data import seed\n"
        "t = time.monotonic()\n"
        f"s = seed({scale!r}, rng_seed={RNG_SEED}, evidence_dir=Path({str(evidence_dir)!r}),"
        " progress=lambda m: print('  seed:', m, flush=True))\n"
        "print('  seeded:', dict(s.counts), f'in {time.monotonic() - t:.0f} s', flush=True)\n"
    )
    subprocess.run([str(BIN / "python"), "-c", code], cwd=ROOT, env=env, check=True)


def _dev_env(database_url: str, evidence_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SENDROUTE_EVIDENCE_DIR": str(evidence_dir),
        "DJANGO_SETTINGS_MODULE": "sendroute.web.settings",
    }
    env.pop("SENDROUTE_ENV", None)
    return env


def _stale(key: str, name: str, prefix: str) -> bool:
    """A cached copy of the same scale and seed made by other migrations or another generator."""
    same_data = key.rsplit("_", 1)[0]
    return name.startswith(prefix + same_data + "_") and name != prefix + key


def drop_stale_caches(scale: float) -> None:
    """Seeded copies that no longer match are deleted, so the cache holds one per scale."""
    key = data_key(scale)
    if CACHE.exists():
        for path in CACHE.iterdir():
            for prefix in ("sqlite_", "postgres_"):
                if _stale(key, path.name.removesuffix(".building"), prefix):
                    shutil.rmtree(path, ignore_errors=True)
    if pg_available():
        for (name,) in pg_execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'bench_tpl_%%'"
        ):
            if _stale(key, name.removesuffix("_building"), "bench_tpl_"):
                pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlite_dataset(scale: float) -> Dataset:
    """A fresh copy of the seeded SQLite database (seeded once per scale, seed and migrations)."""
    cached = CACHE / f"sqlite_{data_key(scale)}"
    if not (cached / "ready").exists():
        drop_stale_caches(scale)
        log(f"Seeding SQLite at S={scale_name(scale)} once (kept in {cached})")
        building = cached.with_name(cached.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        _migrate_and_seed(
            _dev_env(f"sqlite:///{building / 'db.sqlite3'}", building / "evidence"),
            scale,
            building / "evidence",
        )
        (building / "evidence").mkdir(exist_ok=True)
        shutil.rmtree(cached, ignore_errors=True)
        building.rename(cached)
        (cached / "ready").write_text(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    workdir = Path(tempfile.mkdtemp(prefix="sendroute-load-"))
    shutil.copy2(cached / "db.sqlite3", workdir / "db.sqlite3")
    shutil.copytree(cached / "evidence", workdir / "evidence")
    return Dataset(
        "sqlite", scale, f"sqlite:///{workdir / 'db.sqlite3'}", workdir / "evidence", workdir
    )


def pg_available() -> bool:
    try:
        pg_execute("SELECT 1")
        return True
    except Exception:
        return False


def pg_execute(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        cur = conn.execute(sql.encode(), params or None)  # type: ignore[arg-type]
        return list(cur.fetchall()) if cur.description else []


def pg_url(name: str) -> str:
    parts = urlsplit(PG_ADMIN_URL)
    return parts._replace(path="/" + name).geturl()


def postgres_dataset(scale: float, run: str) -> Dataset:
    """A fresh PostgreSQL database cloned from a template seeded once (CREATE DATABASE ...
    TEMPLATE), with a copy of the template's evidence files."""
    key = data_key(scale)
    template = f"bench_tpl_{key}"
    evidence_cache = CACHE / f"postgres_{key}"
    exists = pg_execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
    if not exists or not (evidence_cache / "ready").exists():
        drop_stale_caches(scale)
        log(f"Seeding PostgreSQL at S={scale_name(scale)} once (template database {template})")
        building = template + "_building"
        pg_execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
        pg_execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        pg_execute(f'CREATE DATABASE "{building}"')
        shutil.rmtree(evidence_cache, ignore_errors=True)
        (evidence_cache / "evidence").mkdir(parents=True)
        _migrate_and_seed(
            _dev_env(pg_url(building), evidence_cache / "evidence"),
            scale,
            evidence_cache / "evidence",
        )
        pg_execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')
        (evidence_cache / "ready").write_text(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    name = f"bench_run_{run}"
    pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    # A bulk-loaded database has no planner statistics until autovacuum gets to it; a production
    # one has them. Without them PostgreSQL chose sequential scans (the first full run's P2 raw
    # timeline took 25 ms instead of under 1 ms), so every run starts from analyzed tables.
    import psycopg

    with psycopg.connect(pg_url(name), autocommit=True) as conn:
        conn.execute(b"ANALYZE")
    workdir = Path(tempfile.mkdtemp(prefix="sendroute-load-"))
    shutil.copytree(evidence_cache / "evidence", workdir / "evidence")
    return Dataset("postgres", scale, pg_url(name), workdir / "evidence", workdir, drop=name)


def dataset(backend: str, scale: float, run: str) -> Dataset:
    return sqlite_dataset(scale) if backend == "sqlite" else postgres_dataset(scale, run)


def count_rows(data: Dataset, table: str) -> int:
    """Rows in a table, read with the backend's own client library (not through the server)."""
    if data.backend == "sqlite":
        path = data.database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path, timeout=30) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
    import psycopg

    with psycopg.connect(data.database_url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}".encode()).fetchone()  # type: ignore[arg-type]  # noqa: S608
        return int(row[0]) if row else 0


def settled_count(data: Dataset, table: str) -> int:
    """The row count once the server has finished what it was still doing (requests queued
    before wrk stopped are still answered): the same count twice, a second apart."""
    last = count_rows(data, table)
    for _ in range(120):
        time.sleep(1)
        now = count_rows(data, table)
        if now == last:
            return now
        last = now
    return last


# -- the server -------------------------------------------------------------------------------


@dataclass
class Server:
    data: Dataset
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(default_factory=Path)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = free_port()
        self.log_path = self.data.workdir / "server.log"
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "bench.bench_wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(WORKERS),
                "--worker-class",
                WORKER_CLASS,
                "--threads",
                str(THREADS),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.data.env(server=True),
            stdout=subprocess.DEVNULL,
            stderr=self.log_path.open("wb"),
        )
        for _ in range(300):
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped at start:\n{self.log_path.read_text()[-3000:]}")
            try:
                status, _ = http_get(self.port, "/__bench/bare")
                if status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not answer within 30 seconds")
        # Every worker imports Django on its first request: wake both before measuring.
        for _ in range(WORKERS * 4):
            http_get(self.port, "/__bench/django")

    def worker_rss_mb(self) -> list[float]:
        import psutil

        assert self.process is not None
        parent = psutil.Process(self.process.pid)
        return [round(child.memory_info().rss / 2**20, 1) for child in parent.children()]

    def log_count(self, text: str) -> int:
        return self.log_path.read_text(errors="replace").count(text)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def running(data: Dataset) -> Iterator[Server]:
    server = Server(data)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def http_get(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        conn.close()


# -- signing in over HTTP, as a browser does ---------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """Cookies kept between requests, and the CSRF token of the last form seen."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        """(status, Location header, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": self.cookie_header}
        data = None
        if form is not None:
            data = urlencode({**form, "csrfmiddlewaretoken": self.csrf})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            body = response.read().decode(errors="replace")
        finally:
            conn.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        found = CSRF_FIELD.search(body)
        if found:
            self.csrf = found.group(1)
        return response.status, response.getheader("Location") or "", body

    def get(self, path: str) -> str:
        status, _, body = self.request("GET", path)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}, not 200")
        return body


def sign_in(port: int, email: str, password: str, totp_secret: str | None = None) -> Browser:
    browser = Browser(port)
    browser.get("/account/sign-in")
    status, location, _ = browser.request(
        "POST", "/account/sign-in", {"email": email, "password": password, "next": "/account/"}
    )
    if status != 302:
        raise SystemExit(f"Signing in as a seeded account answered {status}, not a redirect")
    if "two-factor" in location:
        import pyotp

        assert totp_secret, "this account needs a code from its authenticator app"
        browser.get("/account/two-factor/code")
        code = pyotp.TOTP(totp_secret).now()
        status, location, _ = browser.request("POST", "/account/two-factor/code", {"code": code})
        if status != 302 or "two-factor" in location:
            raise SystemExit(f"The authenticator code was refused ({status} {location})")
    return browser


# -- wrk --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One request of a wrk run: a page to read, or a case to add notes to."""

    kind: str  # "read" or "write"
    path: str
    cookie: str = ""
    csrf: str = ""


def wrk(
    server: Server,
    lines: Sequence[Line],
    *,
    connections: int,
    seconds: float,
    write_percent: float = 0,
) -> dict[str, Any]:
    """One wrk run; latencies in milliseconds, requests per second, responses by status."""
    spec = server.data.workdir / f"wrk-{time.monotonic_ns()}.tsv"
    spec.write_text("".join(f"{x.kind}\t{x.path}\t{x.cookie}\t{x.csrf}\n" for x in lines))
    threads = min(2, connections)
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--timeout",
            "30s",
            "-s",
            str(LUA),
            server.base + "/",
            "--",
            str(spec),
            f"{write_percent:g}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    spec.unlink()
    found = re.search(r"^RESULT (\{.*\})$", out, re.M)
    if not found:
        raise SystemExit(f"wrk printed no result:\n{out}")
    result: dict[str, Any] = json.loads(found.group(1))
    statuses = {int(k): v for k, v in result.pop("statuses").items()}
    seconds_run = result["duration_us"] / 1e6
    result["seconds"] = round(seconds_run, 3)
    result["rps"] = round(result["requests"] / seconds_run, 1)
    if result["requests"] == 0:
        # Nothing finished within the run: every latency was longer than the run itself.
        for key in ("p50", "p95", "p99", "max", "mean"):
            result[key] = round(seconds_run * 1000, 1)
        result["none_finished"] = True
    result["statuses"] = statuses
    result["5xx"] = sum(n for code, n in statuses.items() if code >= 500)
    result["4xx"] = sum(n for code, n in statuses.items() if 400 <= code < 500)
    result["redirects"] = statuses.get(302, 0)
    return result


def summarise(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The median of each number over the rounds (the rounds themselves are kept too)."""
    keys = ("rps", "p50", "p95", "p99", "max")
    out: dict[str, Any] = {k: round(median([r[k] for r in runs]), 2) for k in keys}
    for k in ("requests", "5xx", "4xx", "redirects", "acks", "socket_errors", "timeouts"):
        out[k + "_total"] = sum(r[k] for r in runs)
    out["rounds"] = list(runs)
    return out
