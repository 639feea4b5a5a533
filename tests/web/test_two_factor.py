"""Two-factor authentication for advisers, organisation staff and administrators: after a right
password they are not signed in until a right code from their authenticator app; no page is
reachable before it; a code works once; 5 wrong codes end the session; parents are never asked;
an administrator can reset someone's app from the command line."""

from __future__ import annotations

import base64
import datetime as dt
import io
import sys
import time

import pyotp
import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from sendroute.accounts import two_factor
from sendroute.accounts.models import SignInAttempt, TotpDevice, TwoFactorAttempt
from sendroute.accounts.services import user_create
from sendroute.accounts.views import SIGNED_IN_AT, TWO_FACTOR_PENDING, TWO_FACTOR_VERIFIED
from sendroute.cli import main

pytestmark = pytest.mark.django_db
PASSWORD = "a long, memorable pass phrase"
SET_UP = "/account/two-factor/set-up"
CODE = "/account/two-factor/code"


@pytest.fixture
def adviser():
    return user_create(email="adviser@example.org", role="adviser", password=PASSWORD)


@pytest.fixture
def parent():
    return user_create(email="parent@example.org", role="parent", password=PASSWORD)


def sign_in(client, email="adviser@example.org", **extra):
    return client.post("/account/sign-in", {"email": email, "password": PASSWORD, **extra})


def session_key(client):
    return client.cookies["sendroute_session"].value


def pending_secret(client, adviser):
    """Open the set-up page (which makes the pending app) and return the app's secret."""
    assert client.get(SET_UP).status_code == 200
    return TotpDevice.objects.get(user=adviser).secret


def wrong_code(secret):
    """A 6-digit code that is not right for this secret at any step accepted now."""
    totp = pyotp.TOTP(secret)
    near = {totp.at(time.time(), counter_offset=offset) for offset in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


def set_up_app(client, adviser):
    """Sign in, set up an app, sign out; return the secret and the code that was used."""
    sign_in(client)
    secret = pending_secret(client, adviser)
    code = pyotp.TOTP(secret).now()
    assert client.post(SET_UP, {"code": code})["Location"] == "/account/"
    client.post("/account/sign-out")
    return secret, code


def test_an_adviser_with_the_right_password_is_sent_to_set_up_two_factor(client, adviser):
    response = sign_in(client)
    assert response["Location"] == "/account/two-factor"
    assert client.get("/account/two-factor")["Location"] == SET_UP
    assert "_auth_user_id" not in client.session  # not signed in yet
    assert SignInAttempt.objects.filter(email="adviser@example.org", succeeded=True).count() == 1
    html = client.get(SET_UP).content.decode()
    assert '<h1 class="govuk-heading-l">Set up two-factor authentication</h1>' in html
    assert "Install an authenticator app" in html
    assert '<img src="data:image/svg+xml;base64,' in html
    secret = TotpDevice.objects.get(user=adviser).secret
    assert two_factor.secret_for_display(secret) in html  # the key, in groups of 4
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html


def test_the_qr_code_is_an_image_made_here_that_the_content_security_policy_allows(client, adviser):
    sign_in(client)
    response = client.get(SET_UP)
    assert "img-src 'self' data:" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store, private"
    html = response.content.decode()
    encoded = html.split('src="data:image/svg+xml;base64,')[1].split('"')[0]
    svg = base64.b64decode(encoded).decode()
    assert svg.startswith("<svg")
    assert "style" not in svg
    assert "href" not in svg
    device = TotpDevice.objects.get(user=adviser)
    uri = two_factor.provisioning_uri(device)
    assert uri.startswith("otpauth://totp/sendroute:adviser%40example.org?secret=")
    assert "issuer=sendroute" in uri


@pytest.mark.parametrize(
    "path", ["/account/", "/", "/account/sign-in", "/concern/0/check", "/account/create"]
)
def test_no_page_is_reachable_before_the_code(client, adviser, path):
    sign_in(client)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor"


def test_the_api_and_assets_are_not_redirected_but_the_api_sees_no_one_signed_in(client, adviser):
    sign_in(client)
    assert client.get("/api/v1/facts").status_code == 200
    assert client.get("/assets/sendroute.css").status_code == 200


def test_a_wrong_code_gives_a_gov_uk_error_and_is_recorded_without_the_code(client, adviser):
    sign_in(client)
    secret = pending_secret(client, adviser)
    code = wrong_code(secret)
    response = client.post(SET_UP, {"code": code})
    html = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error: " in html
    assert "govuk-error-summary" in html
    assert 'href="#code"' in html
    assert "govuk-error-message" in html
    assert "The code is not right" in html
    assert f'value="{code}"' not in html
    attempt = TwoFactorAttempt.objects.get()
    assert (attempt.email, attempt.succeeded) == ("adviser@example.org", False)
    assert code not in str(vars(attempt))
    assert "_auth_user_id" not in client.session
    assert TotpDevice.objects.get(user=adviser).confirmed_at is None


@pytest.mark.parametrize(
    ("code", "words"),
    [("", "Enter the 6-digit code"), ("12345", "must be 6 numbers"), ("abcdef", "6 numbers")],
)
def test_a_missing_or_malformed_code_is_explained(client, adviser, code, words):
    sign_in(client)
    pending_secret(client, adviser)
    response = client.post(SET_UP, {"code": code})
    assert response.status_code == 400
    assert words in response.content.decode()
    assert TwoFactorAttempt.objects.count() == 0  # not a guess at the code


def test_the_right_code_signs_the_adviser_in_with_a_new_session_key(client, adviser):
    sign_in(client)
    secret = pending_secret(client, adviser)
    before = session_key(client)
    response = client.post(SET_UP, {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == "/account/"
    after = session_key(client)
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session[TWO_FACTOR_VERIFIED] is True
    assert TWO_FACTOR_PENDING not in client.session
    assert "adviser@example.org" in client.get("/account/").content.decode()
    assert TotpDevice.objects.get(user=adviser).confirmed_at is not None
    assert TwoFactorAttempt.objects.get().succeeded


def test_spaces_in_a_code_are_ignored(client, adviser):
    sign_in(client)
    code = pyotp.TOTP(pending_secret(client, adviser)).now()
    response = client.post(SET_UP, {"code": f" {code[:3]} {code[3:]} "})
    assert response["Location"] == "/account/"


def test_next_time_the_adviser_enters_a_code_and_the_secret_is_never_shown_again(client, adviser):
    secret, _ = set_up_app(client, adviser)
    assert sign_in(client)["Location"] == "/account/two-factor"
    assert client.get("/account/two-factor")["Location"] == CODE
    assert client.get(SET_UP)["Location"] == CODE  # no way to see or replace the app
    html = client.get(CODE).content.decode()
    assert "Enter the code from your authenticator app" in html
    assert '<h1 class="govuk-label-wrapper">' in html
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html
    assert secret not in html
    assert two_factor.secret_for_display(secret) not in html
    before = session_key(client)
    # the next code the app shows (accepted: one step either side of now)
    response = client.post(CODE, {"code": pyotp.TOTP(secret).at(time.time(), counter_offset=1)})
    assert response["Location"] == "/account/"
    assert session_key(client) != before


def test_the_same_code_cannot_be_used_twice(client, adviser):
    _, used = set_up_app(client, adviser)
    sign_in(client)
    response = client.post(CODE, {"code": used})
    assert response.status_code == 400
    assert "already been used" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert TwoFactorAttempt.objects.filter(succeeded=False).count() == 1


def test_a_code_from_an_earlier_step_than_the_last_one_used_is_refused(adviser):
    device = two_factor.pending_device(adviser)
    totp = pyotp.TOTP(device.secret)
    now = timezone.now()
    later = now + dt.timedelta(seconds=30)
    assert (
        two_factor.verify_code(device, totp.at(later), for_time=now) is two_factor.CodeCheck.RIGHT
    )
    earlier = totp.at(now - dt.timedelta(seconds=30))
    assert two_factor.verify_code(device, earlier, for_time=now) is (
        two_factor.CodeCheck.ALREADY_USED
    )
    far = totp.at(now + dt.timedelta(minutes=5))
    assert two_factor.verify_code(device, far, for_time=now) is two_factor.CodeCheck.WRONG


def test_a_parent_is_never_asked_for_a_code(client, parent):
    response = sign_in(client, email="parent@example.org")
    assert response["Location"] == "/account/"
    assert "parent@example.org" in client.get("/account/").content.decode()
    assert client.get("/account/two-factor")["Location"] == "/account/"
    assert not TotpDevice.objects.exists()


def test_five_wrong_codes_end_the_session_and_sign_in_waits(client, adviser, monkeypatch):
    secret, _ = set_up_app(client, adviser)
    sign_in(client)
    key = session_key(client)
    code = wrong_code(secret)
    for _ in range(4):
        assert client.post(CODE, {"code": code}).status_code == 400
    response = client.post(CODE, {"code": code})
    assert response["Location"] == "/account/sign-in?too_many_codes=1"
    assert not Session.objects.filter(session_key=key).exists()
    assert TwoFactorAttempt.objects.filter(succeeded=False).count() == 5
    assert client.get("/account/")["Location"].startswith("/account/sign-in")
    banner = client.get("/account/sign-in?too_many_codes=1").content.decode()
    assert "a wrong code was entered 5 times" in banner
    # even the right password is refused until the window passes
    refused = sign_in(client)
    assert refused.status_code == 400
    assert "too many attempts" in refused.content.decode()
    # 16 minutes later (the audit records are append only, so move the clock, not them)
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(minutes=16))
    assert sign_in(client)["Location"] == "/account/two-factor"


def test_signing_out_before_the_code_ends_the_pending_sign_in(client, adviser):
    sign_in(client)
    assert client.post("/account/sign-out")["Location"] == "/?signed_out=1"
    assert TWO_FACTOR_PENDING not in client.session
    assert client.get("/account/two-factor")["Location"] == "/account/sign-in"
    assert client.get("/").status_code == 200


def test_a_code_not_entered_within_20_minutes_means_signing_in_again(client, adviser):
    sign_in(client)
    session = client.session
    session[TWO_FACTOR_PENDING] = {
        **session[TWO_FACTOR_PENDING],
        "started": (timezone.now() - dt.timedelta(minutes=21)).isoformat(),
    }
    session.save()
    assert client.get(SET_UP)["Location"] == "/account/sign-in?timed_out=1"
    assert client.get("/").status_code == 200


def test_a_password_change_while_the_code_is_awaited_cancels_the_sign_in(client, adviser):
    sign_in(client)
    adviser.set_password("a different long pass phrase")
    adviser.save()
    assert client.get(SET_UP)["Location"] == "/account/sign-in?timed_out=1"


def test_an_adviser_signed_in_some_other_way_is_asked_for_the_code(client, adviser):
    client.force_login(adviser)
    session = client.session
    session[SIGNED_IN_AT] = timezone.now().isoformat()
    session.save()
    response = client.get("/account/")
    assert response["Location"] == "/account/two-factor"
    assert "_auth_user_id" not in client.session
    assert client.session[TWO_FACTOR_PENDING]["next"] == "/account/"


def test_after_the_code_the_adviser_goes_where_they_were_going(client, adviser):
    sign_in(client, next="/concern/0/check")
    secret = pending_secret(client, adviser)
    assert client.post(SET_UP, {"code": pyotp.TOTP(secret).now()})["Location"] == (
        "/concern/0/check"
    )


def run_cli(monkeypatch, capsys, args):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_the_cli_resets_two_factor_so_the_adviser_sets_up_a_new_app(
    client, adviser, monkeypatch, capsys
):
    old_secret, _ = set_up_app(client, adviser)
    code, out, _ = run_cli(monkeypatch, capsys, ["user", "reset-two-factor", "Adviser@example.org"])
    assert code == 0
    assert "Reset two-factor authentication for adviser@example.org" in out
    assert not TotpDevice.objects.filter(user=adviser).exists()
    sign_in(client)
    assert client.get("/account/two-factor")["Location"] == SET_UP
    assert pending_secret(client, adviser) != old_secret
    code, out, _ = run_cli(monkeypatch, capsys, ["user", "reset-two-factor", "adviser@example.org"])
    assert code == 0
    assert "Nothing was changed" not in out  # the pending app was removed
    code, out, _ = run_cli(monkeypatch, capsys, ["user", "reset-two-factor", "adviser@example.org"])
    assert "has not set up two-factor authentication. Nothing was changed." in out


def test_the_cli_refuses_to_reset_two_factor_for_an_unknown_email(monkeypatch, capsys):
    code, _, err = run_cli(monkeypatch, capsys, ["user", "reset-two-factor", "nobody@example.org"])
    assert code == 2
    assert "no account for nobody@example.org" in err
