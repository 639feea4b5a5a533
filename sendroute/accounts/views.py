"""Signing in and out. Views parse input, call a service, and render or redirect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from .models import Role
from .services import AccountError, sign_in_blocked, sign_in_record, user_create

# Families sign themselves up; advisers, staff and administrators are added by an administrator.
SELF_SERVICE_ROLES = {
    Role.PARENT.value: "I am a parent or carer",
    Role.YOUNG_PERSON.value: "I am a young person aged 16 to 25, acting for myself",
}

SIGNED_IN_AT = "sendroute_signed_in_at"


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
