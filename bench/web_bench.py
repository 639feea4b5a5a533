"""Web benchmark: requests per second and p50/p99 latency of a question page and the advice page,
against the start page (a template with no rules work) served the same way in the same run.

gunicorn serves the app with 2 workers on loopback; wrk, a separate process, makes the load
(8 connections, 2 threads, 10 seconds per page, after a short warm-up). The session cookie of a
completed school journey is sent with each request, as a browser would.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DURATION = os.environ.get("BENCH_SECONDS", "10")
CONNECTIONS = "8"
WORKERS = "2"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def journey_cookie(port: int) -> str:
    """Answer a school journey over HTTP and return the session cookie header."""
    cookies: dict[str, str] = {}

    def request(method: str, path: str, body: dict | None = None) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        data = None
        if body is not None:
            body = {**body, "csrfmiddlewaretoken": cookies.get("csrftoken", "")}
            data = urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{port}/"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookies[name] = rest.split(";")[0]
        return response

    request("GET", "/concern/0/next")
    page = request("GET", "/concern/0/question/child_at_risk")
    assert page.status == 200, page.status
    answers = [
        ("child_at_risk", {"child_at_risk": "no"}),
        ("abuse_allegation", {"abuse_allegation": "no"}),
        ("concern_about", {"concern_about": ["school"]}),
        ("missing_education", {"missing_education": "no"}),
        ("school_stage", {"school_stage": "met_head_or_senco"}),
        (
            "school_incident_date",
            {
                "school_incident_date-day": "2",
                "school_incident_date-month": "11",
                "school_incident_date-year": "2026",
            },
        ),
        ("school_blocking_procedure", {"school_blocking_procedure": "no"}),
    ]
    for fact, body in answers:
        response = request("POST", f"/concern/0/question/{fact}", body)
        assert response.status == 302, (fact, response.status)
    check = request("GET", "/concern/0/check")
    assert check.status == 200, f"the journey did not reach check your answers ({check.status})"
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def wrk(url: str, cookie: str) -> dict[str, float]:
    subprocess.run(
        ["wrk", "-t2", "-c" + CONNECTIONS, "-d2s", "-H", f"Cookie: {cookie}", url],
        capture_output=True,
        check=True,
    )
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c" + CONNECTIONS,
            f"-d{DURATION}s",
            "--latency",
            "-H",
            f"Cookie: {cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    return {"rps": rps, "p50": ms("50"), "p99": ms("99"), "non_2xx": errors}


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk): the web benchmark did not run.")
        return 1
    port = free_port()
    env = {
        **os.environ,
        "SENDROUTE_TODAY": "2026-11-27",
        "DJANGO_SETTINGS_MODULE": "sendroute.web.settings",
    }
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "sendroute.web.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            WORKERS,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        cookie = journey_cookie(port)
        base = f"http://127.0.0.1:{port}"
        pages = {
            "start page (floor: template, no rules)": "/",
            "question page (school_stage, answered)": "/concern/0/question/school_stage",
            "check your answers": "/concern/0/check",
            "advice page": "/advice",
        }
        print(
            f"sendroute web benchmark: gunicorn {WORKERS} workers, wrk {CONNECTIONS} connections, {DURATION}s per page, loopback"
        )
        results = {}
        for label, path in pages.items():
            results[label] = r = wrk(base + path, cookie)
            print(
                f"{label:<44} {r['rps']:8.1f} req/s   p50 {r['p50']:7.2f} ms   p99 {r['p99']:7.2f} ms   non-2xx {r['non_2xx']}"
            )
        floor = results["start page (floor: template, no rules)"]
        for label in list(pages)[1:]:
            r = results[label]
            print(
                f"ratio {label}: {r['rps'] / floor['rps']:.2f} of the floor's req/s; p99 {r['p99'] / floor['p99']:.2f}x"
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
