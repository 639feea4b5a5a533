"""Services of the case file: each does one thing a person asks for, checks it, records it in the
audit, and raises CaseError (with a message a person can act on) or VersionConflict.

Access is checked by the caller with ``access.case_for`` before a service is called.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sendroute.accounts.models import Role, User
from sendroute.rules import InputError

from . import advice as case_advice
from .access import FAMILY_ROLES
from .audit import Action, audit_record
from .models import (
    Access,
    AuditEvent,
    Case,
    Concern,
    Entry,
    EntryKind,
    EntryRevision,
    EventKind,
    How,
    Outcome,
    Setting,
    Share,
    StageEvent,
    Submission,
)

MAX_CONCERNS_PER_CASE = 20


class CaseError(ValueError):
    """A change could not be made; ``field`` names the input at fault, when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class VersionConflict(Exception):  # noqa: N818 - a conflict, not an error of the user
    """Someone else changed this since it was opened: nothing was overwritten."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"Someone else changed this {what} while you were editing it. Nothing you typed has "
            "been saved over their change: look at the latest version, then make your change again."
        )
        self.what = what


def check_text(value: Any, field: str | None) -> None:
    """Refuse text that no database can keep: a null character (PostgreSQL refuses it) or half of
    a character pair (it cannot be written as UTF-8). Looks inside lists and objects too."""
    if isinstance(value, str):
        if "\x00" in value:
            raise CaseError(
                "Remove the hidden null character from this text: it cannot be saved", field
            )
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise CaseError(
                "This text has a broken character in it: type it again", field
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, field)
            check_text(item, field)
    elif isinstance(value, list | tuple):
        for item in value:
            check_text(item, field)


def _bump(model: type[Any], obj: Any, expected: int | None, what: str, **values: Any) -> None:
    """Save ``values`` only if the row is still at ``expected`` version (optimistic locking)."""
    query = model.objects.filter(pk=obj.pk)
    if expected is not None:
        query = query.filter(version=expected)
    changed = query.update(version=F("version") + 1, **values)
    if not changed:
        raise VersionConflict(what)
    obj.refresh_from_db()


def same_change_again(
    now: Any, version: int | None, actor: User, action: str, case_pk: int, values: dict[str, Any]
) -> bool:
    """Whether a version conflict is only this very change arriving again (the same form sent
    twice, or an API retry): the one change since ``version`` was made by the same person and
    left exactly these values. Then it is answered as done, not as someone else's change."""
    if version is None or now.version != version + 1:
        return False
    if any(getattr(now, name) != value for name, value in values.items()):
        return False
    last = (
        AuditEvent.objects.filter(case_id=case_pk, action=action, object_id=str(now.public_id))
        .order_by("-id")
        .first()
    )
    return last is not None and last.actor_id == actor.pk


def _entry_edit_was_this(
    entry: Entry, version: int | None, actor: User, content: dict[str, Any]
) -> bool:
    """The same for a note: its one revision since ``version`` is this person's, with this text."""
    now = Entry.objects.filter(pk=entry.pk).first()
    if version is None or now is None or now.version != version + 1:
        return False
    last = EntryRevision.objects.filter(entry=entry).order_by("-number").first()
    return (
        last is not None
        and last.edited_by_id == actor.pk
        and all(getattr(last, name) == value for name, value in content.items())
    )


# -- cases -------------------------------------------------------------------------------------

CASE_FIELDS = (
    "title",
    "child_name",
    "child_birth_year",
    "child_school_year",
    "child_has_ehc_plan",
    "child_setting",
)


def _check_case_fields(values: dict[str, Any], today: dt.date) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        check_text(value, name)
        if name not in CASE_FIELDS and name != "area":
            raise CaseError(f"{name!r} is not something a case holds.", name)
        if name == "title":
            value = (value or "").strip()
            if not value:
                raise CaseError(
                    "Enter a name for the case, for example your child's first name and the school",
                    name,
                )
            if len(value) > 120:
                raise CaseError("The case name must be 120 characters or fewer", name)
        elif name == "child_name":
            value = (value or "").strip()
            if len(value) > 60:
                raise CaseError(
                    "Your child's name or initials must be 60 characters or fewer", name
                )
        elif name == "child_birth_year":
            if value in (None, ""):
                value = None
            else:
                text = str(value).strip()
                # Up to 4 ASCII digits: str.isdigit() also accepts '²', which int() refuses, and
                # int() refuses numbers of over 4,300 digits.
                if isinstance(value, bool) or not (
                    len(text) <= 4 and text.isascii() and text.isdigit()
                ):
                    raise CaseError("Year of birth must be a year, like 2015", name)
                value = int(text)
                if not today.year - 30 <= value <= today.year:
                    raise CaseError(
                        f"Year of birth must be between {today.year - 30} and {today.year}", name
                    )
        elif name == "child_school_year":
            value = (value or "").strip()
            if len(value) > 20:
                raise CaseError("School year must be 20 characters or fewer, like Year 4", name)
        elif name == "child_has_ehc_plan":
            if value not in (None, True, False):
                raise CaseError("Say yes, no or not sure for the EHC plan", name)
        elif name == "child_setting":
            value = value or ""
            if value and value not in Setting.values:
                raise CaseError("Choose where your child goes to school or nursery", name)
        out[name] = value
    return out


def case_create(*, owner: User, title: str, area: str, via: str = "web", **child: Any) -> Case:
    """A new case for a family member. Advisers and staff cannot own cases."""
    if owner.role not in FAMILY_ROLES:
        raise CaseError("Only parents, carers and young people can start a case.")
    try:
        rules = case_advice.rules_for(area)
    except InputError as exc:
        raise CaseError(exc.message if hasattr(exc, "message") else str(exc), "area") from None
    values = _check_case_fields({"title": title, **child}, case_advice.today())
    with transaction.atomic():
        case = Case.objects.create(owner=owner, area=rules.area.id, **values)
        audit_record(actor=owner, action=Action.CASE_CREATED, case=case, obj=case, via=via)
    return case


def case_update(
    *, case: Case, actor: User, version: int | None, via: str = "web", **values: Any
) -> Case:
    """Change a case's details, unless someone else changed it first (VersionConflict)."""
    if "area" in values:
        raise CaseError("The area of a case cannot be changed: start a new case instead.", "area")
    checked = _check_case_fields(values, case_advice.today())
    with transaction.atomic():
        try:
            _bump(Case, case, version, "case", updated_at=timezone.now(), **checked)
        except VersionConflict:
            now = Case.objects.filter(pk=case.pk).first()
            if now is not None and same_change_again(
                now, version, actor, Action.CASE_CHANGED, case.pk, checked
            ):
                case.refresh_from_db()
                return case  # the same change sent again (a double click, a retry): done once
            raise
        audit_record(actor=actor, action=Action.CASE_CHANGED, case=case, obj=case, via=via)
    return case


def case_delete(*, case: Case, actor: User, via: str = "web") -> None:
    """Delete a case and everything in it, files included."""
    from .evidence_store import evidence_files_delete

    with transaction.atomic():
        # Sent twice at once (a double click): the second waits for the first, finds the case
        # gone and does nothing more (one deletion, one audit row).
        if not Case.objects.select_for_update().filter(pk=case.pk).exists():
            return
        names = list(case.evidence.values_list("stored_name", flat=True))
        audit_record(actor=actor, action=Action.CASE_DELETED, case=case, obj=case, via=via)
        case.delete()
        transaction.on_commit(lambda: evidence_files_delete(names))


# -- concerns ----------------------------------------------------------------------------------


@dataclass
class ConcernResult:
    concern: Concern
    changed: list[str] = field(default_factory=list)


def concern_create(
    *, case: Case, actor: User, route: str, facts: dict[str, Any], title: str = "", via: str = "web"
) -> Concern:
    rules = case_advice.rules_for(case.area)
    routes = {r.spec.id: r.spec.title for r in rules.routes}
    if route not in routes:
        raise CaseError(
            f"{route!r} is not a route. Choose one of: {', '.join(sorted(routes))}.", "route"
        )
    if not isinstance(facts, dict):
        raise CaseError("Facts must be an object of answers.", "facts")
    check_text(facts, "facts")
    check_text(title, "title")
    if case.concerns.count() >= MAX_CONCERNS_PER_CASE:
        raise CaseError(f"A case can have up to {MAX_CONCERNS_PER_CASE} concerns.")
    on = case_advice.today()
    clean = {k: v for k, v in facts.items() if k in rules.facts}
    concern = Concern(
        case=case,
        route=route,
        title=(title or routes[route]).strip()[:200],
        facts=clean,
        pack_version=case_advice.pack_version(rules),
    )
    view = case_advice.concern_view(concern, rules, on)
    concern.current_step = view.next_step
    concern.last_advice = view.snapshot()
    with transaction.atomic():
        concern.save()
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
        audit_record(actor=actor, action=Action.CONCERN_CREATED, case=case, obj=concern, via=via)
    return concern


def concerns_from_advice(*, case: Case, actor: User, answers: dict[str, Any]) -> list[Concern]:
    """One concern per route that the advice journey's answers lead to."""
    rules = case_advice.rules_for(case.area)
    on = case_advice.today()
    advice = case_advice.checked_facts(answers, rules, on)
    from sendroute.rules import advise

    routes = [c.route for c in advise(rules, advice, on).concerns]
    return [concern_create(case=case, actor=actor, route=r, facts=answers) for r in routes]


def _refresh(
    concern: Concern,
    new_facts: dict[str, Any],
    version: int | None,
    actor: User,
    via: str,
    **extra: Any,
) -> ConcernResult:
    rules = case_advice.rules_for(concern.case.area)
    before = concern.last_advice
    concern.facts = new_facts
    view = case_advice.concern_view(concern, rules)
    after = view.snapshot()
    _bump(
        Concern,
        concern,
        version,
        "concern",
        facts=new_facts,
        last_advice=after,
        current_step=view.next_step,
        pack_version=case_advice.pack_version(rules),
        updated_at=timezone.now(),
        **extra,
    )
    return ConcernResult(concern, case_advice.changes(before, after, rules))


def concern_facts_update(
    *, concern: Concern, actor: User, facts: dict[str, Any], version: int | None, via: str = "web"
) -> ConcernResult:
    """Change the answers a concern was advised on; the advice and dates are worked out again."""
    rules = case_advice.rules_for(concern.case.area)
    check_text(facts, "facts")
    unknown = sorted(set(facts) - set(rules.facts))
    if unknown:
        raise CaseError(f"{unknown[0]!r} is not a question sendroute asks.", "facts")
    from sendroute.rules import parse_facts

    for name, value in facts.items():
        if value is None:
            continue
        try:
            parse_facts({name: value}, rules, case_advice.today())
        except InputError as exc:
            raise CaseError(str(exc), name) from None
    merged = {**concern.facts, **{k: v for k, v in facts.items() if v is not None}}
    for k, v in facts.items():
        if v is None:
            merged.pop(k, None)
    with transaction.atomic():
        try:
            result = _refresh(concern, merged, version, actor, via)
        except VersionConflict:
            now = Concern.objects.filter(pk=concern.pk).first()
            if now is not None and same_change_again(
                now, version, actor, Action.CONCERN_CHANGED, concern.case_id, {"facts": merged}
            ):
                concern.refresh_from_db()
                return ConcernResult(concern, [])  # the same change sent again: done once
            raise
        audit_record(
            actor=actor, action=Action.CONCERN_CHANGED, case=concern.case, obj=concern, via=via
        )
    return result


# -- stages ------------------------------------------------------------------------------------


@dataclass
class StageCheck:
    """Before recording that a step was taken: reasons it should not have been, if any."""

    closed: list[str] = field(default_factory=list)  # a rule says this route is not open
    skipped: list[str] = field(default_factory=list)  # an earlier stage has not been done

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.closed or self.skipped)


def stage_check(concern: Concern, step_id: str) -> StageCheck:
    view = case_advice.concern_view(concern)
    step = view.step(step_id)
    check = StageCheck()
    if step is None:
        return check
    if step.status == "closed":
        check.closed = [r.text for r in step.reasons] or [
            "A rule says this step is not open to you."
        ]
    elif step.status == "not_yet":
        check.skipped = [r.text for r in step.reasons] or ["An earlier stage comes first."]
    return check


def route_steps(concern: Concern) -> list[tuple[str, str]]:
    """(id, title) of every step on this concern's route, in order."""
    rules = case_advice.rules_for(concern.case.area)
    for route in rules.routes:
        if route.spec.id == concern.route:
            return [(s.spec.id, s.spec.title) for s in route.steps]
    return []


def stage_event_record(
    *,
    concern: Concern,
    actor: User,
    step: str,
    kind: str,
    date: dt.date,
    how: str = "",
    to_whom: str = "",
    outcome: str = "",
    summary: str = "",
    confirmed: bool = False,
    version: int | None = None,
    via: str = "web",
) -> tuple[StageEvent, ConcernResult]:
    """Record what happened at a stage. Facts follow from the pack's record block for the step,
    so the advice and deadlines move on; a step a rule closes, or one that skips a stage, is only
    recorded once the person confirms it really happened."""
    steps = dict(route_steps(concern))
    if step not in steps:
        raise CaseError("Choose a stage of this concern's route.", "step")
    if kind not in EventKind.values:
        raise CaseError("Choose what happened.", "kind")
    if how and how not in How.values:
        raise CaseError("Choose how you made the complaint.", "how")
    if outcome and outcome not in Outcome.values:
        raise CaseError("Choose whether it was resolved.", "outcome")
    if kind == EventKind.OUTCOME and not outcome:
        raise CaseError("Choose whether it was resolved.", "outcome")
    on = case_advice.today()
    if date > on:
        raise CaseError("The date must be today or in the past.", "date")
    check_text(to_whom, "to_whom")
    check_text(summary, "summary")
    if len(to_whom) > 200:
        raise CaseError("Who it was made to must be 200 characters or fewer.", "to_whom")
    if kind == EventKind.MADE and not confirmed:
        check = stage_check(concern, step)
        if check.needs_confirmation:
            raise StageNeedsConfirmation(check)
    facts = dict(concern.facts)
    rules = case_advice.rules_for(concern.case.area)
    record_kind = None
    if kind == EventKind.MADE:
        record_kind = "made"
    elif outcome == Outcome.NOT_SATISFIED and kind in (EventKind.RESPONSE, EventKind.OUTCOME):
        record_kind = "answered"
    if record_kind is not None:
        try:
            from sendroute.rules.records import facts_after

            facts = facts_after(rules, facts, step, record_kind, date)  # type: ignore[arg-type]
        except (ImportError, InputError):
            pass  # the pack has nothing to set for this step: the event is still recorded
    resolved = date if outcome == Outcome.RESOLVED else None
    with transaction.atomic():
        event = StageEvent.objects.create(
            concern=concern,
            step=step,
            kind=kind,
            date=date,
            how=how,
            to_whom=to_whom.strip(),
            outcome=outcome,
            summary=summary.strip(),
            recorded_by=actor,
        )
        extra = {"resolved_on": resolved} if resolved else {}
        result = _refresh(concern, facts, version, actor, via, **extra)
        audit_record(
            actor=actor, action=Action.EVENT_RECORDED, case=concern.case, obj=event, via=via
        )
    return event, result


class StageNeedsConfirmation(Exception):  # noqa: N818 - a question to ask, not an error
    def __init__(self, check: StageCheck) -> None:
        super().__init__("confirm")
        self.check = check


# -- timeline ----------------------------------------------------------------------------------

ENTRY_TEXT_LIMITS = {"title": 200, "people": 500, "body": 20000, "actions": 5000}


def _check_entry(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    date = values.get("date")
    if not isinstance(date, dt.date):
        raise CaseError("Enter the date, for example 27 3 2026", "date")
    if date > case_advice.today():
        raise CaseError("The date must be today or in the past", "date")
    out["date"] = date
    for name, limit in ENTRY_TEXT_LIMITS.items():
        text = str(values.get(name) or "").strip()
        check_text(text, name)
        if name == "title" and not text:
            raise CaseError("Enter a short title, for example 'Meeting with the SENCo'", "title")
        if len(text) > limit:
            raise CaseError(f"This must be {limit} characters or fewer", name)
        out[name] = text
    return out


def entry_create(
    *,
    case: Case,
    actor: User,
    kind: str,
    concern: Concern | None = None,
    via: str = "web",
    **values: Any,
) -> Entry:
    if kind not in EntryKind.values:
        raise CaseError(
            "Choose what you are adding: a note, a letter sent or a letter received.", "kind"
        )
    if concern is not None and concern.case_id != case.pk:
        raise CaseError("Choose a concern of this case.", "concern")
    content = _check_entry(values)
    with transaction.atomic(savepoint=False):  # all or nothing, with any outer transaction
        entry = Entry.objects.create(
            case=case, concern=concern, kind=kind, date=content["date"], created_by=actor
        )
        EntryRevision.objects.create(entry=entry, number=1, edited_by=actor, **content)
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
        audit_record(actor=actor, action=Action.ENTRY_CREATED, case=case, obj=entry, via=via)
    return entry


def entry_edit(
    *, entry: Entry, actor: User, version: int | None, via: str = "web", **values: Any
) -> Entry:
    """A new revision of the entry; the earlier ones are kept and can be read."""
    content = _check_entry(values)
    with transaction.atomic():
        try:
            _bump(Entry, entry, version, "note", date=content["date"])
        except VersionConflict:
            if _entry_edit_was_this(entry, version, actor, content):
                entry.refresh_from_db()
                return entry  # the same edit sent again (a double click, a retry): done once
            raise
        number = entry.revisions.count() + 1
        EntryRevision.objects.create(entry=entry, number=number, edited_by=actor, **content)
        audit_record(actor=actor, action=Action.ENTRY_EDITED, case=entry.case, obj=entry, via=via)
    return entry


# -- sharing -----------------------------------------------------------------------------------


def share_grant(*, case: Case, actor: User, adviser_email: str, access: str) -> Share:
    if access not in Access.values:
        raise CaseError(
            "Choose whether the adviser can view the case, or view and add to it", "access"
        )
    check_text(adviser_email, "email")
    email = adviser_email.strip().lower()
    if not email:
        raise CaseError("Enter the adviser's email address", "email")
    adviser = User.objects.filter(email=email, role=Role.ADVISER, is_active=True).first()
    if adviser is None:
        raise CaseError(
            "There is no adviser with that email address on sendroute. Check it with your adviser: "
            "they need an adviser account first.",
            "email",
        )
    with transaction.atomic():
        share = Share.objects.filter(case=case, adviser=adviser, revoked_at__isnull=True).first()
        if share is None:
            share = Share.objects.create(case=case, adviser=adviser, access=access)
        elif share.access != access:
            share.access = access
            share.save(update_fields=["access"])
        audit_record(actor=actor, action=Action.SHARE_GRANTED, case=case, obj=share)
    return share


def share_revoke(*, share: Share, actor: User) -> None:
    """Stop a share. Stopping it again (or twice at once) changes nothing and adds no audit row."""
    with transaction.atomic():
        now = timezone.now()
        if Share.objects.filter(pk=share.pk, revoked_at__isnull=True).update(revoked_at=now):
            audit_record(actor=actor, action=Action.SHARE_REVOKED, case=share.case, obj=share)
        share.refresh_from_db()


# -- repeated submissions ----------------------------------------------------------------------


def submit_once(*, key: str | None, user: User, do: Callable[[], str]) -> str:
    """Run ``do`` (which returns the URL to go to next) once per form key; a repeat returns the
    first result's URL instead of doing it again. Without a valid key, just run it."""
    try:
        parsed = uuid.UUID(str(key)) if key else None
    except ValueError:
        parsed = None
    if parsed is None:
        return do()
    existing = Submission.objects.filter(key=parsed, user=user).first()
    if existing is not None:
        return existing.result_url
    try:
        with transaction.atomic():
            claim = Submission.objects.create(key=parsed, user=user, result_url="")
            url = do()
            Submission.objects.filter(pk=claim.pk).update(result_url=url)
            return url
    except IntegrityError:
        existing = Submission.objects.filter(key=parsed).first()
        if existing is None or existing.user_id != user.pk:
            raise
        return existing.result_url
