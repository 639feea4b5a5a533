"""Timeline views: add a note of a meeting or call, or a letter; edit one (a new revision, the
earlier ones kept); see every version."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from ..access import Need, case_for, one_of
from ..audit import Action, audit_record
from ..models import Case, Entry, EntryKind
from ..services import CaseError, VersionConflict, entry_create, entry_edit, submit_once
from .common import (
    Errors,
    date_fields,
    date_items,
    new_form_key,
    page,
    read_date,
    read_version,
    signed_in,
    signed_in_user,
)

TEXT_FIELDS = ("title", "people", "body", "actions")


def _entry(case: Case, entry_id: str) -> Entry:
    entry: Entry = one_of(case.entries.all(), entry_id)
    return entry


def _read(request: HttpRequest, errors: Errors) -> dict[str, Any]:
    values: dict[str, Any] = {name: request.POST.get(name, "") for name in TEXT_FIELDS}
    values["date"] = read_date(request.POST, "date", errors, "the date")
    return values


def _concern_choices(case: Case, chosen: str) -> list[dict[str, Any]]:
    items = [{"value": "", "text": "The whole case", "checked": not chosen}]
    items += [
        {"value": str(c.public_id), "text": c.title, "checked": chosen == str(c.public_id)}
        for c in case.concerns.all()
    ]
    return items


@signed_in
@require_http_methods(["GET", "POST"])
def entry_new(request: HttpRequest, case_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.EDIT)
    kind = request.POST.get("kind") or request.GET.get("kind") or EntryKind.NOTE
    if kind not in EntryKind.values:
        kind = EntryKind.NOTE
    errors = Errors()
    data: Any = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        values = _read(request, errors)
        concern_id = request.POST.get("concern", "")
        concern = None
        if concern_id:
            try:
                concern = case.concerns.filter(public_id=uuid.UUID(concern_id)).first()
            except ValueError:
                concern = None
            if concern is None:
                errors.add("concern", "Choose a concern of this case")
        if not errors:

            def create() -> str:
                entry = entry_create(
                    case=case, actor=signed_in_user(request), kind=kind, concern=concern, **values
                )
                return (
                    reverse("cases:case", kwargs={"case_id": case.public_id})
                    + f"#entry-{entry.public_id}"
                )

            try:
                return redirect(
                    submit_once(
                        key=request.POST.get("form_key"), user=signed_in_user(request), do=create
                    )
                )
            except CaseError as exc:
                errors.add("date-day" if exc.field == "date" else exc.field, exc.message)
    titles: dict[str, str] = {
        EntryKind.NOTE: "Add a note of a meeting or call",
        EntryKind.LETTER_SENT: "Add a letter or email",
        EntryKind.LETTER_RECEIVED: "Add a letter or email",
    }
    return page(
        request,
        "cases/entry_form.html",
        titles[kind],
        errors=errors,
        case=case,
        kind=kind,
        kinds=[{"value": k, "text": label, "checked": k == kind} for k, label in EntryKind.choices],
        data=data,
        date_inputs=date_items(data, "date", errors),
        concerns=_concern_choices(
            case, data.get("concern", "") if data else request.GET.get("concern", "")
        ),
        form_key=request.POST.get("form_key") or new_form_key(),
        back_url=reverse("cases:case", kwargs={"case_id": case.public_id}) + "#timeline",
    )


@signed_in
@require_http_methods(["GET", "POST"])
def entry_change(request: HttpRequest, case_id: str, entry_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.EDIT)
    entry = _entry(case, entry_id)
    current = entry.current
    errors = Errors()
    status = None
    version = entry.version
    data: Any = {
        **{name: getattr(current, name) for name in TEXT_FIELDS},
        **date_fields(current.date, "date"),
    }
    if request.method == "POST":
        data = request.POST
        values = _read(request, errors)
        version = read_version(request.POST) or entry.version
        if not errors:
            try:
                entry_edit(
                    entry=entry,
                    actor=signed_in_user(request),
                    version=read_version(request.POST),
                    **values,
                )
                return redirect(
                    reverse("cases:case", kwargs={"case_id": case.public_id})
                    + f"#entry-{entry.public_id}"
                )
            except VersionConflict as exc:
                errors.add("title", exc.args[0])
                status = 409
                entry.refresh_from_db()
                version = entry.version
            except CaseError as exc:
                errors.add("date-day" if exc.field == "date" else exc.field, exc.message)
    return page(
        request,
        "cases/entry_form.html",
        "Edit " + ("note" if entry.kind == EntryKind.NOTE else "letter or email"),
        errors=errors,
        status=status,
        case=case,
        entry=entry,
        kind=entry.kind,
        kinds=None,
        data=data,
        version=version,
        date_inputs=date_items(data, "date", errors),
        concerns=None,
        form_key="",
        back_url=reverse("cases:case", kwargs={"case_id": case.public_id}) + "#timeline",
    )


@signed_in
def entry_history(request: HttpRequest, case_id: str, entry_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.VIEW)
    entry = _entry(case, entry_id)
    audit_record(actor=signed_in_user(request), action=Action.ENTRY_VIEWED, case=case, obj=entry)
    revisions = entry.revisions.order_by("-number").select_related("edited_by")
    return page(
        request,
        "cases/entry_history.html",
        "Every version of this entry",
        case=case,
        entry=entry,
        revisions=revisions,
        back_url=reverse("cases:case", kwargs={"case_id": case.public_id}) + "#timeline",
    )


urlpatterns = [
    path("cases/<str:case_id>/timeline/new", entry_new, name="entry_new"),
    path("cases/<str:case_id>/timeline/<str:entry_id>/edit", entry_change, name="entry_edit"),
    path(
        "cases/<str:case_id>/timeline/<str:entry_id>/history", entry_history, name="entry_history"
    ),
]
