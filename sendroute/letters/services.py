"""Services of letters: save a draft, edit it, mark it sent (which puts it in the timeline and
starts the response clock), and build a file to download. Access is checked by the caller."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sendroute.accounts.models import User
from sendroute.cases import advice as case_advice
from sendroute.cases.audit import audit_record
from sendroute.cases.models import Concern, EntryKind, EventKind, Evidence
from sendroute.cases.services import (
    CaseError,
    VersionConflict,
    check_text,
    entry_create,
    same_change_again,
    stage_event_record,
)

from . import compose, render
from .catalogue import letter_type
from .models import Letter, Status

BODY_LIMIT = 20000


class Action:
    CREATED = "letter.created"
    EDITED = "letter.edited"
    SENT = "letter.sent"
    VIEWED = "letter.viewed"
    DOWNLOADED = "letter.downloaded"


def _check(body: str, enclosures: Iterable[Evidence], concern: Concern) -> list[Evidence]:
    try:
        check_text(body, "body")
    except CaseError as exc:
        raise compose.LetterError(exc.message, "body") from None
    if not body.strip():
        raise compose.LetterError("Write the letter: it cannot be empty", "body")
    if len(body) > BODY_LIMIT:
        raise compose.LetterError(f"The letter must be {BODY_LIMIT} characters or fewer", "body")
    chosen = list(enclosures)
    if any(e.case_id != concern.case_id for e in chosen):
        raise compose.LetterError("Choose files from this case only", "enclosures")
    return chosen


def letter_create(
    *, concern: Concern, actor: User, type_id: str, body: str, enclosures: Iterable[Evidence]
) -> Letter:
    """Save the (edited) draft of a letter that fits the concern's stage."""
    kind = letter_type(type_id)
    if kind is None:
        raise compose.LetterError(f"There is no letter called '{type_id}'.", "type")
    step = compose.check_fits(kind, concern)
    chosen = _check(body, enclosures, concern)
    due = compose.respond_by(kind, concern, step, case_advice.today())
    with transaction.atomic():
        letter = Letter.objects.create(
            case=concern.case,
            concern=concern,
            letter_type=kind.id,
            step=step,
            title=kind.title,
            to_name=compose.recipient(kind, concern, step),
            body=compose.tidy(body),
            respond_by=due.date,
            respond_rule=due.rule,
            created_by=actor,
        )
        letter.enclosures.set(chosen)
        audit_record(actor=actor, action=Action.CREATED, case=concern.case, obj=letter)
    return letter


def letter_edit(
    *, letter: Letter, actor: User, version: int | None, body: str, enclosures: Iterable[Evidence]
) -> Letter:
    """Change a draft, unless someone else changed it first (VersionConflict)."""
    if letter.status == Status.SENT:
        raise compose.LetterError("This letter has been sent, so it cannot be changed.", "body")
    chosen = _check(body, enclosures, letter.concern)
    with transaction.atomic():
        query = Letter.objects.filter(pk=letter.pk)
        if version is not None:
            query = query.filter(version=version)
        if not query.update(
            version=F("version") + 1, body=compose.tidy(body), updated_at=timezone.now()
        ):
            now = Letter.objects.filter(pk=letter.pk).first()
            if now is not None and same_change_again(
                now, version, actor, Action.EDITED, letter.case_id, {"body": compose.tidy(body)}
            ):
                letter.refresh_from_db()
                return letter  # the same edit sent again (a double click, a retry): done once
            raise VersionConflict("letter")
        letter.refresh_from_db()
        letter.enclosures.set(chosen)
        audit_record(actor=actor, action=Action.EDITED, case=letter.case, obj=letter)
    return letter


def letter_document(letter: Letter) -> compose.Document:
    return compose.document(
        title=letter.title,
        to_name=letter.to_name,
        date=letter.sent_on or letter.created_at.date(),
        body=letter.body,
        enclosures=list(letter.enclosures.all()),
    )


def letter_file(letter: Letter, fmt: str, actor: User) -> bytes:
    data = render.build(letter_document(letter), fmt)
    audit_record(actor=actor, action=Action.DOWNLOADED, case=letter.case, obj=letter)
    return data


def letter_mark_sent(
    *, letter: Letter, actor: User, sent_on: dt.date, version: int | None
) -> Letter:
    """Record that the letter was sent: it goes into the timeline, and if its stage has a
    record block, the stage is recorded as done on that day, so the response clock starts."""
    if letter.status == Status.SENT:
        raise compose.LetterError("This letter is already marked as sent.", "sent_on")
    if sent_on > case_advice.today():
        raise compose.LetterError("The date must be today or in the past", "sent_on")
    if sent_on < letter.created_at.date() - dt.timedelta(days=366):
        raise compose.LetterError("Enter the date you sent the letter", "sent_on")
    concern = letter.concern
    rules = case_advice.rules_for(letter.case.area)
    spec = rules.step_index.get(letter.step) if letter.step else None
    with transaction.atomic():
        changed = Letter.objects.filter(pk=letter.pk, status=Status.DRAFT)
        if version is not None:
            changed = changed.filter(version=version)
        if not changed.update(
            status=Status.SENT, sent_on=sent_on, version=F("version") + 1, updated_at=timezone.now()
        ):
            raise VersionConflict("letter")
        letter.refresh_from_db()
        names = ", ".join(compose.enclosure_name(e) for e in letter.enclosures.all())
        entry = entry_create(
            case=letter.case,
            actor=actor,
            kind=EntryKind.LETTER_SENT,
            concern=concern,
            date=sent_on,
            title=letter.title,
            people=letter.to_name[:500],
            body=letter.body[:20000],
            actions=f"Answer due by {compose.long_date(letter.respond_by)}. "
            + (f"Enclosed: {names}" if names else ""),
        )
        evidence = list(letter.enclosures.all())
        for item in evidence:
            if item.entry_id is None:
                Evidence.objects.filter(pk=item.pk).update(entry=entry)
        Letter.objects.filter(pk=letter.pk).update(entry=entry)
        letter.refresh_from_db()
        kind = letter_type(letter.letter_type)
        records = spec is not None and spec.spec.record is not None and spec.spec.record.made
        if records and kind is not None and not kind.any_stage:
            stage_event_record(
                concern=concern,
                actor=actor,
                step=letter.step,
                kind=EventKind.MADE,
                date=sent_on,
                how="in_writing",
                to_whom=letter.to_name[:200],
                summary=f"Letter sent: {letter.title}",
                confirmed=True,
            )
        audit_record(actor=actor, action=Action.SENT, case=letter.case, obj=letter)
    return letter
