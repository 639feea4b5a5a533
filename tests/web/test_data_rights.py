"""Data rights: a family downloads everything they own (export.json and their files, in a zip),
and deletes their account and everything in it once they have confirmed who they are."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sendroute.accounts.models import ApiToken, SignInAttempt, User
from sendroute.accounts.services import token_create, token_user
from sendroute.cases.audit import Action
from sendroute.cases.calendar_feed import feed_create
from sendroute.cases.evidence_store import evidence_path, evidence_save
from sendroute.cases.models import AuditEvent, CalendarFeed, Case, Share
from sendroute.cases.services import case_create, concern_create, entry_create, entry_edit
from tests.web.conftest import sign_in_as

pytestmark = pytest.mark.django_db
PASSWORD = "a long pass phrase 123"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def upload(case, actor, name="Letter from school.pdf", content=PDF, **more):
    return evidence_save(
        case=case, actor=actor, upload=SimpleUploadedFile(name, content), title="A letter", **more
    )


@pytest.fixture
def full_case(people):
    """The owner's case with a concern, a note edited once, and a file."""
    owner, case = people["owner"], people["case"]
    concern = concern_create(
        case=case,
        actor=owner,
        route="council",
        facts={"council_complaint_date": "2026-11-13"},
        title="Council answer",
    )
    entry = entry_create(
        case=case,
        actor=owner,
        kind="note",
        concern=concern,
        date=dt.date(2026, 11, 20),
        title="Call with the SENCo",
        body="First version",
    )
    entry_edit(
        entry=entry,
        actor=owner,
        version=entry.version,
        date=dt.date(2026, 11, 20),
        title="Call with the SENCo",
        body="Second version",
    )
    evidence = upload(case, owner, "../Letter: from school?.pdf", concern=concern)
    return {"case": case, "concern": concern, "entry": entry, "evidence": evidence}


def download(client):
    response = client.post("/account/download")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="sendroute-download-2026-11-27.zip"'
    )
    assert response["Cache-Control"] == "no-store, private"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


# -- download everything -------------------------------------------------------------------------


def test_the_download_page_explains_what_is_in_it_and_downloads_nothing(client, people, full_case):
    sign_in_as(client, people["owner"])
    page = client.get("/account/download")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Download everything" in text
    assert "export.json" in text
    assert "You have 1 case." in text
    assert not AuditEvent.objects.filter(action=Action.CASE_EXPORTED).exists()


def test_the_zip_holds_export_json_with_every_revision_and_the_files(client, people, full_case):
    sign_in_as(client, people["owner"])
    archive = download(client)
    evidence = full_case["evidence"]
    assert evidence.original_name == "Letter: from school?.pdf"
    file_name = f"files/{evidence.public_id}-Letter_from_school_.pdf"
    assert sorted(archive.namelist()) == sorted(["export.json", file_name])
    assert archive.read(file_name) == PDF

    data = json.loads(archive.read("export.json"))
    assert data["person"]["email"] == "owner@example.org"
    [case] = data["cases"]
    assert case["id"] == str(full_case["case"].public_id)
    assert case["title"] == "Sam at Oak School"
    assert case["child_name"] == "Sam"
    [concern] = case["concerns"]
    assert concern["title"] == "Council answer"
    assert concern["facts"]["council_complaint_date"] == "2026-11-13"
    [entry] = case["timeline"]
    assert entry["concern"] == concern["id"]
    assert [(r["number"], r["body"]) for r in entry["revisions"]] == [
        (1, "First version"),
        (2, "Second version"),
    ]
    [item] = case["evidence"]
    assert item["file"] == file_name
    assert (
        item["sha256"]
        == hashlib.sha256(PDF).hexdigest()
        == hashlib.sha256(archive.read(file_name)).hexdigest()
    )
    assert item["size"] == len(PDF)
    assert item["concern"] == concern["id"]
    assert [(s["adviser"], s["access"], s["revoked_at"]) for s in case["shares"]] == [
        ("linked@example.org", "edit", None)
    ]
    actions = [a["action"] for a in case["audit"]]
    assert Action.CASE_CREATED in actions
    assert Action.SHARE_GRANTED in actions
    assert Action.ENTRY_EDITED in actions
    assert Action.CASE_EXPORTED in actions
    assert all(
        set(a) == {"at", "who", "role", "action", "object_type", "object_id", "via"}
        for a in case["audit"]
    )


def test_someone_with_no_cases_downloads_just_their_account_details(client, people):
    sign_in_as(client, people["young_person"])
    assert "You have no cases yet" in client.get("/account/download").content.decode()
    data = json.loads(download(client).read("export.json"))
    assert data["person"]["email"] == "young@example.org"
    assert data["cases"] == []


def test_each_downloaded_case_is_recorded_in_its_audit(client, people, full_case):
    owner = people["owner"]
    second = case_create(owner=owner, title="Second case", area="norfolk")
    sign_in_as(client, owner)
    download(client)
    for case in (full_case["case"], second):
        assert (
            AuditEvent.objects.filter(
                case_id=case.pk, action=Action.CASE_EXPORTED, actor_id=owner.pk
            ).count()
            == 1
        )


def test_nobody_elses_cases_are_in_the_download(client, people, full_case):
    other = people["other_family"]
    theirs = case_create(
        owner=other, title="The other family's case", area="norfolk", child_name="Alex"
    )
    upload(theirs, other, "their letter.pdf")
    sign_in_as(client, other)
    archive = download(client)
    data = json.loads(archive.read("export.json"))
    assert [c["title"] for c in data["cases"]] == ["The other family's case"]
    assert "Sam at Oak School" not in archive.read("export.json").decode()
    assert len([n for n in archive.namelist() if n.startswith("files/")]) == 1
    assert not AuditEvent.objects.filter(
        case_id=full_case["case"].pk, action=Action.CASE_EXPORTED
    ).exists()


def test_a_missing_or_changed_file_is_left_out_and_said_so(client, people, full_case):
    evidence_path(full_case["evidence"]).write_bytes(b"%PDF-1.4 changed")
    missing = upload(full_case["case"], people["owner"], "gone.pdf")
    evidence_path(missing).unlink()
    sign_in_as(client, people["owner"])
    archive = download(client)
    assert archive.namelist() == ["export.json"]
    items = json.loads(archive.read("export.json"))["cases"][0]["evidence"]
    assert sorted(i["file_unavailable"] for i in items) == ["changed", "missing"]


@pytest.mark.parametrize("who", ["linked_adviser", "staff", "administrator"])
def test_only_families_download_or_delete_an_account_here(client, people, who):
    sign_in_as(client, people[who])
    assert client.get("/account/download").status_code == 404
    assert client.post("/account/download").status_code == 404
    assert client.get("/account/delete").status_code == 404
    assert (
        client.post(
            "/account/delete", {"email": people[who].email, "password": PASSWORD}
        ).status_code
        == 404
    )
    assert User.objects.filter(pk=people[who].pk).exists()


def test_signed_out_people_are_sent_to_sign_in(client, db):
    for url in ("/account/download", "/account/delete"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in")


# -- delete my account ---------------------------------------------------------------------------


def test_the_delete_page_warns_and_deletes_nothing(client, people, full_case):
    sign_in_as(client, people["owner"])
    page = client.get("/account/delete")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Delete your account" in text
    assert "You cannot undo this" in text
    assert (
        "A record that your case was viewed or changed is kept for security. It contains no details about your child."
        in text
    )
    assert User.objects.filter(pk=people["owner"].pk).exists()
    assert Case.objects.filter(pk=full_case["case"].pk).exists()


@pytest.mark.parametrize(
    ("email", "password", "field", "message"),
    [
        ("", "", "email", "Enter your email address"),
        ("", "", "password", "Enter your password"),
        ("owner@example.org", "", "password", "Enter your password"),
        ("other@example.org", PASSWORD, "email", "Enter the email address you sign in with"),
        ("owner@example.org", "not my password at all", "password", "The password is not right"),
    ],
)
def test_a_wrong_email_or_password_deletes_nothing(
    client, people, full_case, email, password, field, message
):
    owner = people["owner"]
    sign_in_as(client, owner)
    response = client.post("/account/delete", {"email": email, "password": password})
    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text
    assert message in text
    assert f'href="#{field}"' in text
    assert User.objects.filter(pk=owner.pk).exists()
    assert Case.objects.filter(pk=full_case["case"].pk).exists()
    assert evidence_path(full_case["evidence"]).exists()
    assert client.get("/cases/").status_code == 200  # still signed in


def test_a_wrong_password_counts_as_a_failed_sign_in_and_too_many_are_refused(client, people):
    sign_in_as(client, people["owner"])
    for _ in range(5):
        client.post(
            "/account/delete", {"email": "owner@example.org", "password": "not my password at all"}
        )
    assert SignInAttempt.objects.filter(email="owner@example.org", succeeded=False).count() == 5
    response = client.post("/account/delete", {"email": "owner@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "too many wrong passwords" in response.content.decode()
    assert User.objects.filter(pk=people["owner"].pk).exists()


def test_deleting_the_account_removes_everything_but_the_audit(
    client, people, full_case, django_capture_on_commit_callbacks
):
    owner, case = people["owner"], full_case["case"]
    second = case_create(owner=owner, title="Second case", area="norfolk")
    second_file = upload(second, owner, "second.pdf")
    files = [evidence_path(full_case["evidence"]), evidence_path(second_file)]
    token, _ = token_create(user=owner)
    feed_create(owner)
    other_case = case_create(
        owner=people["other_family"], title="Other family's case", area="norfolk"
    )
    audit_before = AuditEvent.objects.count()
    case_ids = [case.pk, second.pk]
    adviser_client = sign_in_as(client.__class__(), people["linked_adviser"])

    sign_in_as(client, owner)
    session_key = client.session.session_key
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/delete", {"email": " Owner@Example.org ", "password": PASSWORD}
        )
    assert response.status_code == 302
    assert response["Location"] == "/account/deleted"

    assert not User.objects.filter(pk=owner.pk).exists()
    assert not Case.objects.filter(pk__in=case_ids).exists()
    assert not Share.objects.filter(case_id__in=case_ids).exists()
    assert not ApiToken.objects.filter(user_id=owner.pk).exists()
    assert token_user(token=token) is None
    assert not CalendarFeed.objects.filter(user_id=owner.pk).exists()
    assert not any(f.exists() for f in files)
    assert Case.objects.filter(pk=other_case.pk).exists()
    # The adviser it was shared with loses it at once.
    assert adviser_client.get(f"/cases/{case.public_id}/").status_code == 404
    # Signed out, and the old session is gone from the server.
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get("/cases/").status_code == 302
    # The audit rows stay, with what happened.
    assert AuditEvent.objects.count() > audit_before
    assert AuditEvent.objects.filter(case_id__in=case_ids, action=Action.CASE_CREATED).count() == 2
    assert AuditEvent.objects.filter(case_id__in=case_ids, action=Action.CASE_DELETED).count() == 2
    assert AuditEvent.objects.filter(actor_id=owner.pk, action=Action.ACCOUNT_DELETED).count() == 1

    done = client.get("/account/deleted")
    assert done.status_code == 200
    text = done.content.decode()
    assert "Your account has been deleted" in text
    assert "It contains no details about your child." in text


def test_a_young_person_can_delete_their_account_too(client, people):
    young = people["young_person"]
    case_create(owner=young, title="My case", area="norfolk")
    sign_in_as(client, young)
    response = client.post("/account/delete", {"email": young.email, "password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=young.pk).exists()
    assert not Case.objects.filter(title="My case").exists()
