"""Security from the start: headers on every page, CSRF, and a production setting that passes check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "/",
    "/concern/0/question/child_at_risk",
    "/concern/0/check",
    "/advice",
    "/clear",
    "/api/v1/docs",
    "/api/v1/facts",
    "/nope",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_the_security_headers(client, path):
    client.get("/concern/0/next")
    response = client.get(path, follow=True)
    csp = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_the_one_inline_script_carries_the_csp_nonce(client):
    response = client.get("/")
    html = response.content.decode()
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in html
    assert html.count("<script") == 2  # the nonce'd class switch and one module file
    assert "https://" not in html.split("<body")[0]  # nothing loaded from elsewhere


def test_production_settings_pass_check_deploy():
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith("SENDROUTE_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
        },
        "SENDROUTE_ENV": "production",
        "SENDROUTE_SECRET_KEY": "a-long-random-production-secret-key-for-the-check-0123456789abcdef",
        "SENDROUTE_ALLOWED_HOSTS": "sendroute.example",
        "DJANGO_SETTINGS_MODULE": "sendroute.web.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"SENDROUTE_ENV": "production"}, "SENDROUTE_SECRET_KEY"),
        ({"SENDROUTE_ENV": "staging"}, "SENDROUTE_ENV must be"),
        ({"SENDROUTE_DEBUG": "perhaps"}, "must be true or false"),
    ],
)
def test_odd_settings_are_refused_with_a_clear_message(env, words):
    full = {**{k: v for k, v in os.environ.items() if not k.startswith("SENDROUTE_")}, **env}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert words in result.stderr
