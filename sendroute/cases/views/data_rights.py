"""Data rights views: download everything (a zip), and delete my account and all its data.

Both are for families (parents, carers and young people), who own cases. Advisers, staff and
administrators get 404: their accounts are removed by an administrator.
"""

from __future__ import annotations

from typing import cast

from django.contrib.auth import logout
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from sendroute.accounts.models import User

from ..access import FAMILY_ROLES
from ..account_deletion import account_delete, account_deletion_check
from ..advice import today
from ..export import export_zip
from ..models import Case
from ..services import CaseError
from .common import Errors, page, signed_in


def _family_member(request: HttpRequest) -> User:
    """The signed-in person, if they are a parent, carer or young person; otherwise 404."""
    user = cast(User, request.user)
    if user.role not in FAMILY_ROLES:
        raise Http404("Only families have cases to download or delete")
    return user


@signed_in
@require_http_methods(["GET", "POST"])
def download(request: HttpRequest) -> HttpResponse:
    user = _family_member(request)
    if request.method == "POST":
        archive = export_zip(owner=user)
        response = FileResponse(
            archive,
            as_attachment=True,
            filename=f"sendroute-download-{today().isoformat()}.zip",
            content_type="application/zip",
        )
        response["Cache-Control"] = "no-store"
        return response  # type: ignore[return-value]  # a streamed file, not an HttpResponse
    cases = Case.objects.filter(owner=user)
    return page(
        request,
        "cases/download.html",
        "Download everything",
        case_count=cases.count(),
        back_url=reverse("accounts:account"),
    )


@signed_in
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    user = _family_member(request)
    errors = Errors()
    email = ""
    if request.method == "POST":
        email = request.POST.get("email", "")
        password = request.POST.get("password", "")
        if not email.strip():
            errors.add("email", "Enter your email address")
        if not password:
            errors.add("password", "Enter your password")
        if not errors:
            try:
                account_deletion_check(
                    user=user,
                    email=email,
                    password=password,
                    ip=str(request.META.get("REMOTE_ADDR", "")),
                )
            except CaseError as exc:
                errors.add(exc.field, exc.message)
        if not errors:
            account_delete(user=user)
            logout(request)  # ends the session on the server
            return redirect("cases:account_deleted")
    return page(
        request,
        "cases/account_delete.html",
        "Delete your account",
        errors=errors,
        email=email,
        case_count=Case.objects.filter(owner=user).count(),
        back_url=reverse("accounts:account"),
    )


def account_deleted(request: HttpRequest) -> HttpResponse:
    return page(request, "cases/account_deleted.html", "Your account has been deleted")


urlpatterns = [
    path("account/download", download, name="download"),
    path("account/delete", delete_account, name="account_delete"),
    path("account/deleted", account_deleted, name="account_deleted"),
]
