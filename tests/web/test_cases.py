"""The case file: save advice as a case, record what happened at each stage and see the advice move
on, keep notes whose edits are never lost, and refuse stale edits and repeated submissions."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from sendroute.cases.advice import concern_view
from sendroute.cases.models import Case, Concern, Entry, StageEvent
from sendroute.cases.services import (
    CaseError,
    StageNeedsConfirmation,
    VersionConflict,
    case_update,
    concern_create,
    entry_create,
    entry_edit,
    stage_event_record,
)

from .conftest import sign_in_as

pytestmark = pytest.mark.django_db

SCHOOL = {"concern_about": ["school"], "school_stage": "met_head_or_senco", "child_at_risk": False}


def _walk_journey(client, answers):
    """Put answers in the advice journey's cookie, as the question pages would."""
    from django.core import signing

    from sendroute.journey.answers_cookie import COOKIE, SALT

    data = {"journey": {"concerns": [{"answers": answers, "skipped": [], "asked": list(answers)}]}}
    client.cookies[COOKIE] = signing.dumps(data, salt=SALT, compress=True)


def test_saving_the_advice_as_a_case_keeps_one_concern_per_route_with_its_facts(client, people):
    owner = people["owner"]
    sign_in_as(client, owner)
    _walk_journey(client, SCHOOL)
    form = client.get("/cases/new?from=advice")
    assert form.status_code == 200
    key = re.search(r'name="form_key" value="([^"]+)"', form.content.decode()).group(1)
    data = {
        "title": "Sam and reading",
        "child_name": "S",
        "child_has_ehc_plan": "no",
        "from": "advice",
        "form_key": key,
    }
    response = client.post("/cases/new", data)
    assert response.status_code == 302
    case = Case.objects.get(title="Sam and reading")
    # One concern per route the advice showed: the school's, and disagreement resolution.
    assert set(case.concerns.values_list("route", flat=True)) == {"school", "send"}
    concern = case.concerns.get(route="school")
    assert concern.facts["school_stage"] == "met_head_or_senco"
    assert concern.current_step == "school-formal-complaint"
    assert "england" in concern.pack_version
    # The same form sent again (a double click, a retry) does not make a second case.
    again = client.post("/cases/new", data)
    assert again["Location"] == response["Location"]
    assert Case.objects.filter(title="Sam and reading").count() == 1
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Make a formal complaint" in page.content.decode()


def test_the_advice_page_offers_to_save_a_case(client):
    _walk_journey(client, SCHOOL)
    html = client.get("/advice").content.decode()
    assert "Save this as a case" in html
    assert "/account/sign-in?next=/cases/new%3Ffrom%3Dadvice" in html


def test_recording_a_complaint_and_its_answer_moves_the_route_on(people):
    owner, case = people["owner"], people["case"]
    concern = concern_create(case=case, actor=owner, route="school", facts=SCHOOL)
    assert concern.current_step == "school-formal-complaint"
    _, result = stage_event_record(
        concern=concern,
        actor=owner,
        step="school-formal-complaint",
        kind="made",
        date=dt.date(2026, 11, 2),
        how="in_writing",
        to_whom="Head teacher",
    )
    concern.refresh_from_db()
    assert concern.current_step == "school-wait-response"
    assert any("next step" in line.lower() for line in result.changed)
    _, result = stage_event_record(
        concern=concern,
        actor=owner,
        step="school-formal-complaint",
        kind="response",
        date=dt.date(2026, 11, 20),
        outcome="not_satisfied",
    )
    concern.refresh_from_db()
    assert concern.current_step == "school-governors"
    assert StageEvent.objects.filter(concern=concern).count() == 2


def test_a_council_complaint_gives_a_response_date_counted_in_working_days(people):
    owner, case = people["owner"], people["case"]
    facts = {"concern_about": ["council"], "council_service": "send", "child_at_risk": False}
    concern = concern_create(case=case, actor=owner, route="council", facts=facts)
    step = "council-formal-complaint"
    stage_event_record(
        concern=concern,
        actor=owner,
        step=step,
        kind="made",
        date=dt.date(2026, 11, 27),
        confirmed=True,
    )
    concern.refresh_from_db()
    due = {d.id: d for d in concern_view(concern).deadlines}
    assert "council-stage1-response" in due
    deadline = due["council-stage1-response"]
    # 15 working days after Friday 27 November 2026: Monday 30 November is the first.
    assert deadline.date == dt.date(2026, 12, 18)
    assert deadline.explanation  # every date can be explained


def test_skipping_a_stage_needs_confirmation_and_then_is_recorded(people):
    owner, case = people["owner"], people["case"]
    facts = {"concern_about": ["school"], "school_stage": "not_started", "child_at_risk": False}
    concern = concern_create(case=case, actor=owner, route="school", facts=facts)
    with pytest.raises(StageNeedsConfirmation) as refused:
        stage_event_record(
            concern=concern,
            actor=owner,
            step="school-governors",
            kind="made",
            date=dt.date(2026, 11, 20),
        )
    assert refused.value.check.skipped
    assert not StageEvent.objects.filter(concern=concern).exists()
    stage_event_record(
        concern=concern,
        actor=owner,
        step="school-governors",
        kind="made",
        date=dt.date(2026, 11, 20),
        confirmed=True,
    )
    assert StageEvent.objects.filter(concern=concern).count() == 1


def test_a_stage_form_with_a_future_date_gets_a_specific_error(client, people):
    owner, case = people["owner"], people["case"]
    concern = concern_create(case=case, actor=owner, route="school", facts=SCHOOL)
    sign_in_as(client, owner)
    url = f"/cases/{case.public_id}/concerns/{concern.public_id}/record"
    response = client.post(
        url,
        {
            "step": "school-formal-complaint",
            "kind": "made",
            "date-day": "1",
            "date-month": "1",
            "date-year": "2027",
        },
    )
    assert response.status_code == 400
    assert "The date must be today or in the past" in response.content.decode()
    response = client.post(
        url,
        {
            "step": "school-formal-complaint",
            "kind": "made",
            "date-day": "31",
            "date-month": "2",
            "date-year": "2026",
        },
    )
    assert "must be a real date" in response.content.decode()


def test_recording_through_the_form_shows_what_changed(client, people):
    owner, case = people["owner"], people["case"]
    concern = concern_create(case=case, actor=owner, route="school", facts=SCHOOL)
    sign_in_as(client, owner)
    url = f"/cases/{case.public_id}/concerns/{concern.public_id}/record"
    data = {
        "step": "school-formal-complaint",
        "kind": "made",
        "how": "in_writing",
        "date-day": "2",
        "date-month": "11",
        "date-year": "2026",
        "form_key": str(uuid.uuid4()),
        "version": str(concern.version),
    }
    response = client.post(url, data, follow=True)
    html = response.content.decode()
    assert "What changed" in html
    assert "Your next step is now" in html
    client.post(url, data)  # the same form again
    assert StageEvent.objects.filter(concern=concern).count() == 1


def test_editing_a_note_keeps_every_earlier_version(people):
    owner, case = people["owner"], people["case"]
    entry = entry_create(
        case=case,
        actor=owner,
        kind="note",
        date=dt.date(2026, 11, 3),
        title="Meeting with SENCo",
        people="Ms Khan",
        body="Said they would",
        actions="",
    )
    entry_edit(
        entry=entry,
        actor=owner,
        version=1,
        date=dt.date(2026, 11, 3),
        title="Meeting with the SENCo",
        people="Ms Khan",
        body="Agreed a plan",
        actions="Plan by 4 Dec",
    )
    entry.refresh_from_db()
    assert entry.version == 2
    assert [r.body for r in entry.revisions.order_by("number")] == [
        "Said they would",
        "Agreed a plan",
    ]
    assert entry.current.title == "Meeting with the SENCo"


def test_a_stale_edit_is_refused_and_nothing_is_overwritten(people):
    owner, case = people["owner"], people["case"]
    entry = entry_create(
        case=case,
        actor=owner,
        kind="note",
        date=dt.date(2026, 11, 3),
        title="First",
        people="",
        body="",
        actions="",
    )
    entry_edit(
        entry=entry,
        actor=owner,
        version=1,
        date=dt.date(2026, 11, 3),
        title="Second",
        people="",
        body="",
        actions="",
    )
    stale = Entry.objects.get(pk=entry.pk)
    stale.version = 1
    with pytest.raises(VersionConflict):
        entry_edit(
            entry=stale,
            actor=owner,
            version=1,
            date=dt.date(2026, 11, 3),
            title="Third",
            people="",
            body="",
            actions="",
        )
    assert entry.revisions.count() == 2
    with pytest.raises(VersionConflict):
        case_update(case=case, actor=owner, version=case.version + 5, title="New name")
    case.refresh_from_db()
    assert case.title == "Sam at Oak School"


def test_a_stale_note_form_gets_a_clear_conflict_message(client, people):
    owner, case = people["owner"], people["case"]
    entry = entry_create(
        case=case,
        actor=owner,
        kind="note",
        date=dt.date(2026, 11, 3),
        title="First",
        people="",
        body="",
        actions="",
    )
    entry_edit(
        entry=entry,
        actor=owner,
        version=1,
        date=dt.date(2026, 11, 3),
        title="Second",
        people="",
        body="",
        actions="",
    )
    sign_in_as(client, owner)
    response = client.post(
        f"/cases/{case.public_id}/timeline/{entry.public_id}/edit",
        {"version": "1", "title": "Mine", "date-day": "3", "date-month": "11", "date-year": "2026"},
    )
    assert response.status_code == 409
    assert "Someone else changed this" in response.content.decode()
    assert entry.current.title == "Second"


def test_the_timeline_shows_stages_notes_and_letters_in_date_order(client, people):
    owner, case = people["owner"], people["case"]
    concern = concern_create(case=case, actor=owner, route="school", facts=SCHOOL)
    entry_create(
        case=case,
        actor=owner,
        kind="letter_sent",
        date=dt.date(2026, 11, 10),
        title="Letter to governors",
        people="",
        body="",
        actions="",
    )
    entry_create(
        case=case,
        actor=owner,
        kind="note",
        date=dt.date(2026, 10, 1),
        title="Call with teacher",
        people="",
        body="",
        actions="",
    )
    stage_event_record(
        concern=concern,
        actor=owner,
        step="school-formal-complaint",
        kind="made",
        date=dt.date(2026, 10, 15),
    )
    sign_in_as(client, owner)
    html = client.get(f"/cases/{case.public_id}/").content.decode()
    order = [
        html.index(t)
        for t in ("Call with teacher", "Complaint or request made", "Letter to governors")
    ]
    assert order == sorted(order)


def test_the_timeline_shows_each_entrys_newest_version_and_its_own_files_only(client, people):
    from sendroute.cases.models import Evidence

    owner, case = people["owner"], people["case"]

    def note(title: str, day: int) -> Entry:
        return entry_create(
            case=case, actor=owner, kind="note", date=dt.date(2026, 10, day), title=title
        )

    edited, plain = note("First words", 1), note("Phone call with the SENCo", 2)
    for version, title in enumerate(("Second words", "Meeting with the head"), start=1):
        entry_edit(
            entry=edited, actor=owner, version=version, date=dt.date(2026, 10, 1), title=title
        )

    def attach(title: str, entry: Entry | None) -> None:
        Evidence.objects.create(
            case=case,
            entry=entry,
            title=title,
            original_name="f.pdf",
            stored_name=uuid.uuid4().hex + ".pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
            uploaded_by=owner,
        )

    attach("Minutes of the meeting", edited)
    attach("School report", None)
    sign_in_as(client, owner)
    html = client.get(f"/cases/{case.public_id}/").content.decode()
    timeline = html[html.index('id="timeline"') : html.index('id="evidence"')]
    assert "Meeting with the head" in timeline
    assert "First words" not in timeline
    assert "Second words" not in timeline
    assert "Edited 2 times" in timeline
    meeting = timeline[timeline.index(f"entry-{edited.public_id}") :]
    meeting = meeting[: meeting.index("</li>")]
    assert "Attached:" in meeting
    assert "Minutes of the meeting" in meeting
    call = timeline[timeline.index(f"entry-{plain.public_id}") :]
    assert "Attached:" not in call[: call.index("</li>")]
    assert "School report" not in timeline  # a file of the whole case is listed under Evidence
    assert "School report" in html


def test_a_case_page_records_who_looked_at_it(client, people):
    from sendroute.cases.models import AuditEvent

    case = people["case"]
    sign_in_as(client, people["linked_adviser"])
    assert client.get(f"/cases/{case.public_id}/").status_code == 200
    viewed = AuditEvent.objects.filter(case_id=case.pk, action="case.viewed")
    assert viewed.get().actor_id == people["linked_adviser"].pk


@pytest.mark.parametrize("who", ["other_family", "unlinked_adviser", "staff", "administrator"])
def test_another_persons_case_answers_404(client, people, who):
    case = people["case"]
    concern = concern_create(case=case, actor=people["owner"], route="school", facts=SCHOOL)
    sign_in_as(client, people[who])
    for url in (
        f"/cases/{case.public_id}/",
        f"/cases/{case.public_id}/concerns/{concern.public_id}/",
        f"/cases/{case.public_id}/timeline/new",
    ):
        assert client.get(url).status_code == 404


def test_changing_an_answer_recomputes_the_advice_and_says_what_changed(client, people):
    owner, case = people["owner"], people["case"]
    concern = concern_create(case=case, actor=owner, route="school", facts=SCHOOL)
    sign_in_as(client, owner)
    url = f"/cases/{case.public_id}/concerns/{concern.public_id}/answers/school_stage"
    response = client.post(
        url,
        {"school_stage": "formal_complaint_answered", "version": str(concern.version)},
        follow=True,
    )
    assert (
        "Your next step is now: Ask for your complaint to go to the governors"
        in response.content.decode()
    )
    concern.refresh_from_db()
    assert concern.current_step == "school-governors"


def test_the_embedded_database_does_not_use_wal(tmp_path):
    """SQLite before 3.51.3 can corrupt a WAL database (sqlite.org/wal.html): we use the rollback
    journal instead. This opens a database file with the options the app gives SQLite (whichever
    database this run uses) and fails if the journal mode is ever WAL."""
    from django.conf import settings
    from django.db.backends.sqlite3.base import DatabaseWrapper

    wrapper = DatabaseWrapper(
        {
            **settings.DATABASES["default"],
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(tmp_path / "check.sqlite3"),
            "OPTIONS": settings.SQLITE_OPTIONS,
        }
    )
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            mode = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            synchronous = cursor.fetchone()[0]
    finally:
        wrapper.close()
    assert mode.lower() == "delete"
    assert synchronous == 2  # FULL: a commit is on disk before it is acknowledged


def test_concerns_of_a_deleted_case_go_with_it(people):
    from sendroute.cases.services import case_delete

    owner, case = people["owner"], people["case"]
    concern_create(case=case, actor=owner, route="school", facts=SCHOOL)
    case_delete(case=case, actor=owner)
    assert not Concern.objects.exists()


@pytest.mark.parametrize("text", ["before\x00after", "half a pair \ud800"])
def test_text_no_database_can_keep_gets_a_clear_error_not_a_crash(people, text):
    owner, case = people["owner"], people["case"]
    with pytest.raises(CaseError) as refused:
        entry_create(
            case=case,
            actor=owner,
            kind="note",
            date=dt.date(2026, 11, 3),
            title=text,
            people="",
            body="",
            actions="",
        )
    assert refused.value.field == "title"
    with pytest.raises(CaseError):
        case_update(case=case, actor=owner, version=case.version, child_name=text)
    with pytest.raises(CaseError):
        concern_create(case=case, actor=owner, route="school", facts={"other": [text]})


def test_the_api_refuses_a_null_character_with_a_problem_naming_the_field(client, people):
    from sendroute.accounts.services import token_create

    token, _ = token_create(user=people["owner"])
    response = client.post(
        f"/api/v1/cases/{people['case'].public_id}/notes",
        {"kind": "note", "title": "a\x00b", "date": "2026-11-02"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    assert response.json()["field"] == "title"


@pytest.mark.parametrize("year", ["²⁰¹⁵", "٢٠١٥", "20 15", "2015.0", "2" * 5000])
def test_a_year_of_birth_that_is_not_plain_digits_gets_a_clear_error(people, year):
    from sendroute.cases.services import CaseError, case_update

    case = people["case"]
    with pytest.raises(CaseError, match="Year of birth must be a year, like 2015"):
        case_update(case=case, actor=people["owner"], version=case.version, child_birth_year=year)
    case.refresh_from_db()
    assert case.child_birth_year is None


@pytest.mark.parametrize("after_query", [1, 2, 3, 4])
def test_a_note_saved_while_the_timeline_is_read_never_breaks_it(people, after_query):
    """Pages are read without a transaction, one query after another, while others write: a note
    (an entry and its first revision, saved together) added between any two of the timeline's
    queries must leave a timeline that is whole, never an entry without its revision (which
    once answered a 500 under the load benchmark's mix of reads and notes)."""
    from django.db import connection

    from sendroute.cases.timeline import case_timeline

    owner, case = people["owner"], people["case"]
    entry_create(case=case, actor=owner, kind="note", date=dt.date(2026, 10, 1), title="Before")
    seen = {"selects": 0, "written": False}

    def write_between_queries(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("SELECT"):
            seen["selects"] += 1
            if seen["selects"] == after_query and not seen["written"]:
                seen["written"] = True
                entry_create(
                    case=case, actor=owner, kind="note", date=dt.date(2026, 10, 2), title="During"
                )
        return result

    with connection.execute_wrapper(write_between_queries):
        items = case_timeline(case)
    assert all(i.revision is not None for i in items if i.kind != "event")
    titles = [i.title for i in items]
    assert "Before" in titles
    assert set(titles) <= {"Before", "During"}
