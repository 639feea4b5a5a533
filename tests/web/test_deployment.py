"""Deployment checks: production settings pass ``check --deploy``, every page and API answer sends
the security headers, and nothing a signed-in person is shown may be stored by a browser or proxy.

The pages are every URL name of the site, found the way the authorization matrix finds them (a new
URL is walked here without being listed), each asked for as an anonymous visitor, as the case's
owner, as an adviser it is shared with, and as an adviser half-way through signing in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sendroute.accounts.services import token_create

from . import test_authorization_matrix as matrix
from .conftest import sign_in_as
from .test_authorization_matrix import API, BODIES, PNG, POST_ONLY, _api_path, _path, url_names

# The matrix's `world` fixture (a case with one of everything in it), used here under that name.
world = matrix.world

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SIGN_OUT = "accounts:sign_out"


def header_problems(response) -> list[str]:
    """What is missing from the security headers every answer of the site must carry."""
    problems = []
    csp = response.get("Content-Security-Policy", "")
    # A page's policy, or the stricter one of a download: a sandbox that may load nothing.
    download = "sandbox" in csp and "default-src 'none'" in csp
    if not download and "default-src 'self'" not in csp:
        problems.append(f"Content-Security-Policy without default-src 'self': {csp!r}")
    if "'unsafe-inline'" in csp or "'unsafe-eval'" in csp:
        problems.append(f"Content-Security-Policy allows inline code: {csp!r}")
    if not download and "frame-ancestors 'none'" not in csp:
        problems.append("Content-Security-Policy without frame-ancestors 'none'")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    for name, value in expected.items():
        if response.get(name) != value:
            problems.append(f"{name} is {response.get(name)!r}, not {value!r}")
    return problems


def cache_problems(response, *, private: bool) -> list[str]:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    wanted = {"no-store", "private"} if private else {"no-store"}
    missing = wanted - directives
    cached = {"public"} | {d for d in directives if d.startswith("max-age") and d != "max-age=0"}
    if missing or directives & cached:
        return [f"Cache-Control is {response.get('Cache-Control')!r}, needs {sorted(wanted)}"]
    return []


def check(response, what: str, *, private: bool) -> list[str]:
    problems = header_problems(response) + cache_problems(response, private=private)
    return [f"{what} -> {response.status_code}: {p}" for p in problems]


def page_names() -> list[str]:
    names = sorted(n for n in url_names() if n != SIGN_OUT)
    assert len(names) >= 40, names  # the walk covers the whole site, not an empty list
    return [*names, SIGN_OUT]  # signing out ends the session: last


def signed_in_client(world, role: str) -> Client:
    client = Client()
    people = world["people"]
    if role == "adviser half signed in":
        client.force_login(people["linked_adviser"])  # a password, no two-factor code yet
    elif role != "anonymous":
        sign_in_as(client, people[role])
    return client


ROLES = ("anonymous", "owner", "linked_adviser", "adviser half signed in")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_sends_the_security_headers_and_signed_in_pages_are_not_stored(world, role):
    client = signed_in_client(world, role)
    failures = []
    walked = 0
    for name in page_names():
        path = _path(name, world["ids"])
        method = "POST" if name in POST_ONLY else "GET"
        response = client.post(path) if method == "POST" else client.get(path)
        walked += 1
        private = role != "anonymous" or path.startswith("/cases/")
        failures += check(response, f"{role} {method} {path} ({name})", private=private)
    assert walked == len(url_names())
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["owner", "linked_adviser"])
def test_every_form_answer_to_a_signed_in_person_is_not_stored(world, role):
    """The answers to posted forms too: errors shown again, redirects, refusals, downloads."""
    client = signed_in_client(world, role)
    failures = []
    for name in page_names():
        path = _path(name, world["ids"])
        response = client.post(path, {"title": "", "confirm": ""})
        failures += check(response, f"{role} POST {path} ({name})", private=True)
    assert not failures, "\n".join(failures)


def test_every_api_answer_to_a_bearer_token_is_not_stored(world):
    token, _ = token_create(user=world["people"]["owner"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()
    failures = []
    # Deleting last (the evidence before its case), so that every other operation finds its data.
    order = sorted(API, key=lambda op: (op[0] == "DELETE", "evidence" not in op[1], op))
    for method, template in order:
        path = _api_path(template, world["ids"])
        if method == "GET":
            response = client.get(path, **headers)
        elif "evidence" in template and method == "POST":
            upload = SimpleUploadedFile("dot.png", PNG)
            response = client.post(path, {"file": upload, "title": "x"}, **headers)
        else:
            body = json.dumps(BODIES.get((method, template), {"text": "x"}))
            response = client.generic(
                method, path, body, content_type="application/json", **headers
            )
        failures += check(response, f"owner {method} {path}", private=True)
    assert not failures, "\n".join(failures)


def test_api_answers_to_a_wrong_token_and_to_no_token_send_the_headers(world):
    client = Client()
    failures = []
    for (method, template), rule in sorted(API.items()):
        path = _api_path(template, world["ids"])
        wrong = client.generic(method, path, HTTP_AUTHORIZATION="Bearer sr_not-a-token")
        failures += check(wrong, f"wrong token {method} {path}", private=True)
        anonymous = client.generic(method, path)
        private = path.startswith("/api/v1/cases")
        failures += check(anonymous, f"no token {method} {path} ({rule})", private=private)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["anonymous", "owner"])
def test_error_pages_send_the_headers(world, role):
    client = signed_in_client(world, role)
    private = role != "anonymous"
    failures = check(client.get("/no-such-page"), f"{role} 404", private=private)
    failures += check(client.delete("/advice"), f"{role} 405", private=private)
    strict = Client(enforce_csrf_checks=True)
    if role != "anonymous":
        sign_in_as(strict, world["people"][role])
    refused = strict.post(_path("cases:edit", world["ids"]), {"title": "x"})
    assert refused.status_code == 403  # no CSRF token: refused before the view
    failures += check(refused, f"{role} CSRF refusal", private=True)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["anonymous", "owner"])
def test_static_assets_may_be_cached_but_still_send_nosniff(world, role):
    client = signed_in_client(world, role)
    response = client.get("/assets/sendroute.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert response["X-Content-Type-Options"] == "nosniff"


def production_environment(**extra: str) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SENDROUTE_", "DATABASE_URL")) and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return {
        **keep,
        "SENDROUTE_ENV": "production",
        "SENDROUTE_SECRET_KEY": "k7#Qm2@vX9!pL4$wZ8^rT1&yN6*bH3(eJ5)uF0-sD7+gC2=aV9~iO4%xE8",
        "SENDROUTE_ALLOWED_HOSTS": "example.org",
        "DJANGO_SETTINGS_MODULE": "sendroute.web.settings",
        **extra,
    }


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = check_deploy(production_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_catches_a_weak_secret_key_and_a_missing_https_redirect():
    """The same command fails on settings that are not fit for production: the check is real."""
    result = check_deploy(
        production_environment(
            SENDROUTE_SECRET_KEY="django-insecure-short", SENDROUTE_SSL_REDIRECT="false"
        )
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout  # the weak secret key
    assert "security.W008" in result.stderr + result.stdout  # SECURE_SSL_REDIRECT off


def test_production_settings_switch_on_every_transport_protection():
    code = (
        "import django; django.setup(); from django.conf import settings as s; import json; "
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'DEBUG', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SESSION_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
        "'SECURE_CONTENT_TYPE_NOSNIFF', 'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY', "
        "'SECURE_CROSS_ORIGIN_OPENER_POLICY')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_environment(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    values = json.loads(result.stdout)
    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_HSTS_SECONDS": 63072000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
    }
