"""Signing in and out, with a code from an authenticator app as a second step for the people who
need it. Views parse input, call a service, and render or redirect.

Two-factor authentication: after a right password, a person who needs a second factor is NOT
signed in. Their session only holds a "pending" note (who, until when, where to go next) and has a
new key; Django's ``request.user`` stays anonymous, so no page, API call or check of
``is_authenticated`` treats them as signed in. Only a right code from their app signs them in,
which gives the session a new key again. TwoFactorMiddleware sends a pending session to the
two-factor pages from everywhere else, and asks for the code from anyone signed in some other way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from . import two_factor
from .models import Role, TotpDevice, User
from .services import AccountError, sign_in_blocked, sign_in_record, user_create

# Families sign themselves up; advisers, staff and administrators are added by an administrator.
SELF_SERVICE_ROLES = {
    Role.PARENT.value: "I am a parent or carer",
    Role.YOUNG_PERSON.value: "I am a young person aged 16 to 25, acting for myself",
}

SIGNED_IN_AT = "sendroute_signed_in_at"
# Set (to True) in the session of a person who needs two factor, once their code has been checked.
# Tests that sign an adviser in with force_login set it (and SIGNED_IN_AT) themselves.
TWO_FACTOR_VERIFIED = "two_factor_verified"
# In the session between a right password and a right code: see _start_two_factor.
TWO_FACTOR_PENDING = "sendroute_two_factor_pending"
# The code must be entered within this long of the password.
TWO_FACTOR_PENDING_MINUTES = 20
DEFAULT_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    errors: list[dict[str, str]] = []
    email = ""
    next_url = request.POST.get("next") or request.GET.get("next") or "/account/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/account/"
    if request.method == "POST":
        email = request.POST.get("email", "").strip()
        password = request.POST.get("password", "")
        ip = _client_ip(request)
        if not email:
            errors.append({"text": "Enter your email address", "href": "#email"})
        elif "\x00" in email or len(email) > 254:
            # No account has such an address (and PostgreSQL cannot even look one up).
            errors.append(
                {
                    "text": "Enter an email address in the correct format, like name@example.com",
                    "href": "#email",
                }
            )
        if not password:
            errors.append({"text": "Enter your password", "href": "#password"})
        if not errors and sign_in_blocked(email=email, ip=ip):
            sign_in_record(email=email, ip=ip, succeeded=False)
            errors.append(
                {
                    "text": "There have been too many attempts to sign in. Wait 15 minutes, then try again.",
                    "href": "#email",
                }
            )
        elif not errors:
            user = authenticate(request, username=email.lower(), password=password)
            sign_in_record(email=email, ip=ip, succeeded=user is not None)
            if user is None:
                errors.append(
                    {"text": "The email address or password is not right", "href": "#email"}
                )
            elif user.needs_two_factor:
                _start_two_factor(
                    request, user, getattr(user, "backend", DEFAULT_BACKEND), next_url
                )
                return redirect("accounts:two_factor")
            else:
                login(request, user)  # also gives the session a new key
                request.session[SIGNED_IN_AT] = timezone.now().isoformat()
                return redirect(next_url)
    return render(
        request,
        "accounts/sign_in.html",
        {
            "title": "Sign in",
            "errors": errors,
            "error_summary": bool(errors),
            "email": email,
            "next": next_url,
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    errors: list[dict[str, str]] = []
    values = {"email": "", "role": ""}
    if request.method == "POST":
        values = {
            "email": request.POST.get("email", "").strip(),
            "role": request.POST.get("role", ""),
        }
        password = request.POST.get("password", "")
        if values["role"] not in SELF_SERVICE_ROLES:
            errors.append({"text": "Select who the account is for", "href": "#role"})
        if not values["email"]:
            errors.append({"text": "Enter your email address", "href": "#email"})
        if not password:
            errors.append(
                {"text": "Enter a password of at least 12 characters", "href": "#password"}
            )
        elif password != request.POST.get("password_again", ""):
            errors.append({"text": "The two passwords are different", "href": "#password_again"})
        if not errors:
            try:
                user = user_create(email=values["email"], role=values["role"], password=password)
            except AccountError as exc:
                target = "#password" if "password" in str(exc) else "#email"
                errors.append({"text": str(exc), "href": target})
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                request.session[SIGNED_IN_AT] = timezone.now().isoformat()
                return redirect("/account/")
    return render(
        request,
        "accounts/sign_up.html",
        {
            "title": "Create an account",
            "errors": errors,
            "error_summary": bool(errors),
            "values": values,
            "roles": SELF_SERVICE_ROLES,
        },
        status=400 if errors else 200,
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)  # deletes the session on the server
    return redirect("/?signed_out=1")


@login_required(login_url="/account/sign-in")
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/account.html", {"title": "Your account"})


# Two-factor authentication: the second step of signing in.


def _start_two_factor(request: HttpRequest, user: User, backend: str, next_url: str) -> None:
    """After a right password: note who is signing in, in a session with a new key, but do not
    sign them in. Whoever was signed in on this browser before is signed out."""
    if request.user.is_authenticated:
        logout(request)  # deletes the old session and starts a new, empty one
    else:
        request.session.cycle_key()
    request.session[TWO_FACTOR_PENDING] = {
        "user": user.pk,
        "backend": backend,
        # A password change (or reset) while the code is awaited cancels this sign-in.
        "auth_hash": user.get_session_auth_hash(),
        "started": timezone.now().isoformat(),
        "next": next_url,
    }


def _pending_expired(pending: Any) -> bool:
    try:
        started = dt.datetime.fromisoformat(pending["started"])
    except (TypeError, KeyError, ValueError):
        return True
    return timezone.now() - started > dt.timedelta(minutes=TWO_FACTOR_PENDING_MINUTES)


def _pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | HttpResponse:
    """The person whose code this session awaits, and the note about them; or, if there is no note
    or it is out of date or for an account closed or with a new password since, a redirect (and
    the note removed)."""
    if TWO_FACTOR_PENDING not in request.session:
        return redirect("/account/" if request.user.is_authenticated else "/account/sign-in")
    pending = request.session[TWO_FACTOR_PENDING]
    user = None
    user_pk = pending.get("user") if isinstance(pending, dict) else None
    if isinstance(user_pk, int) and not _pending_expired(pending):
        user = User.objects.filter(pk=user_pk, is_active=True).first()
    if user is None or not constant_time_compare(
        str(pending.get("auth_hash", "")), user.get_session_auth_hash()
    ):
        del request.session[TWO_FACTOR_PENDING]
        return redirect("/account/sign-in?timed_out=1")
    return user, pending


def _two_factor_done(request: HttpRequest, user: User, pending: dict[str, Any]) -> HttpResponse:
    """A right code: sign the person in."""
    del request.session[TWO_FACTOR_PENDING]
    # No one is signed in on this session yet, so login() gives it a new key (cycle_key): the key
    # seen before the code was checked is of no use afterwards.
    login(request, user, backend=str(pending.get("backend") or DEFAULT_BACKEND))
    request.session[SIGNED_IN_AT] = timezone.now().isoformat()
    request.session[TWO_FACTOR_VERIFIED] = True
    next_url = str(pending.get("next") or "/account/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/account/"
    return redirect(next_url)


def _too_many_codes(request: HttpRequest) -> HttpResponse:
    """Too many wrong codes: end the session. Signing in again waits for the window to pass."""
    logout(request)
    return redirect("/account/sign-in?too_many_codes=1")


def _check_code(
    request: HttpRequest, user: User, pending: dict[str, Any], device: TotpDevice
) -> HttpResponse | list[dict[str, str]]:
    """Check the code posted: a redirect when it is right (or the session has been ended),
    otherwise the errors to show."""
    ip = _client_ip(request)
    if two_factor.two_factor_blocked(email=user.email, ip=ip):
        two_factor.two_factor_record(email=user.email, ip=ip, succeeded=False)
        return _too_many_codes(request)
    code = two_factor.normalise_code(request.POST.get("code", ""))
    if not code:
        return [{"text": "Enter the 6-digit code from your authenticator app", "href": "#code"}]
    if not two_factor.is_code_shaped(code):
        return [{"text": "The code must be 6 numbers, like 123456", "href": "#code"}]
    result = two_factor.verify_code(device, code)
    right = result is two_factor.CodeCheck.RIGHT
    two_factor.two_factor_record(email=user.email, ip=ip, succeeded=right)
    if right:
        two_factor.confirm_device(device)
        return _two_factor_done(request, user, pending)
    if two_factor.two_factor_blocked(email=user.email, ip=ip):
        return _too_many_codes(request)
    if result is two_factor.CodeCheck.ALREADY_USED:
        text = (
            "That code has already been used. Wait for your app to show a new code, then enter it"
        )
    else:
        text = "The code is not right. Enter the code your authenticator app shows now"
    return [{"text": text, "href": "#code"}]


@require_http_methods(["GET"])
def two_factor_start(request: HttpRequest) -> HttpResponse:
    """Where a pending session is sent: set up an app, or enter a code from the one set up."""
    found = _pending_user(request)
    if isinstance(found, HttpResponse):
        return found
    if two_factor.confirmed_device(found[0]) is None:
        return redirect("accounts:two_factor_set_up")
    return redirect("accounts:two_factor_code")


@require_http_methods(["GET", "POST"])
def two_factor_set_up(request: HttpRequest) -> HttpResponse:
    found = _pending_user(request)
    if isinstance(found, HttpResponse):
        return found
    user, pending = found
    if two_factor.confirmed_device(user) is not None:
        # Never show (or replace) the secret of an app already set up.
        return redirect("accounts:two_factor_code")
    device = two_factor.pending_device(user)
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        checked = _check_code(request, user, pending, device)
        if isinstance(checked, HttpResponse):
            return checked
        errors = checked
    uri = two_factor.provisioning_uri(device)
    return render(
        request,
        "accounts/two_factor_set_up.html",
        {
            "title": "Set up two-factor authentication",
            "errors": errors,
            "error_summary": bool(errors),
            "qr_code": two_factor.qr_code_data_uri(uri),
            "qr_code_size": two_factor.qr_code_size(uri),
            "key": two_factor.secret_for_display(device.secret),
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
def two_factor_code(request: HttpRequest) -> HttpResponse:
    found = _pending_user(request)
    if isinstance(found, HttpResponse):
        return found
    user, pending = found
    device = two_factor.confirmed_device(user)
    if device is None:
        return redirect("accounts:two_factor_set_up")
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        checked = _check_code(request, user, pending, device)
        if isinstance(checked, HttpResponse):
            return checked
        errors = checked
    return render(
        request,
        "accounts/two_factor_code.html",
        {
            "title": "Enter the code from your authenticator app",
            "errors": errors,
            "error_summary": bool(errors),
        },
        status=400 if errors else 200,
    )


class SessionLimitMiddleware:
    """Ends a signed-in session after an absolute limit, however active it has been."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT)
            limit = dt.timedelta(seconds=settings.SENDROUTE_SESSION_ABSOLUTE_AGE)
            if started is None or timezone.now() - dt.datetime.fromisoformat(started) > limit:
                logout(request)
                return redirect("/account/sign-in?expired=1")
        return self.get_response(request)


class TwoFactorMiddleware:
    """No page of the app is reachable between a right password and a right code: a pending
    session is sent to the two-factor pages from anywhere except them, signing out, the static
    assets and the API (which uses bearer tokens, not sessions). Someone who needs two factor and
    is signed in without it (signed in some other way, or given an adviser's role while signed in)
    is moved back to the code step."""

    ALLOWED_PREFIXES = ("/account/two-factor", "/assets/", "/api/")
    ALLOWED_PATHS = frozenset({"/account/sign-out"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.needs_two_factor
            and request.session.get(TWO_FACTOR_VERIFIED) is not True
        ):
            backend = str(request.session.get(BACKEND_SESSION_KEY) or DEFAULT_BACKEND)
            next_url = request.get_full_path() if request.method == "GET" else "/account/"
            _start_two_factor(request, user, backend, next_url)  # signs them out first
        pending = request.session.get(TWO_FACTOR_PENDING)
        allowed = (
            request.path.startswith(self.ALLOWED_PREFIXES) or request.path in self.ALLOWED_PATHS
        )
        if pending is not None and not allowed:
            if not _pending_expired(pending):
                return redirect("/account/two-factor")
            # Given up on: carry on without signing in (the two-factor pages say it timed out).
            del request.session[TWO_FACTOR_PENDING]
        return self.get_response(request)
