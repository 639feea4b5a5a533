"""Bundles: one PDF of a case or a concern, made in the background, with an index that points
to the page where each document starts."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import secrets

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

from sendroute.bundles.models import Bundle, Status
from sendroute.cases.evidence_store import evidence_dir
from sendroute.cases.models import Evidence
from sendroute.cases.services import concern_create, entry_create
from sendroute.documents.pdf import html_to_pdf

from .conftest import sign_in_as

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

EXT = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "message/rfc822": ".eml",
    "application/msword": ".doc",
}


def _pdf(marker: str, pages: int) -> bytes:
    body = "".join(
        f'<p style="break-after: page">{marker} page {n}</p>' for n in range(1, pages + 1)
    )
    return html_to_pdf(
        f'<html lang="en-GB"><head><title>{marker}</title></head><body>{body}</body></html>'
    )


def _encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(_pdf("SECRETDOC", 1)))
    writer.encrypt(user_password="letmein", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _docx(marker: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(f"{marker} the Word document")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _eml(marker: str) -> bytes:
    return (
        "From: School Office <office@school.example>\r\n"
        "To: Parent <parent@example.org>\r\n"
        "Date: Mon, 2 Nov 2026 09:00:00 +0000\r\n"
        "Subject: Meeting\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{marker} the email body.\r\n"
    ).encode()


def _evidence(case, owner, title, data, content_type, day, concern=None) -> Evidence:
    name = secrets.token_hex(16) + EXT[content_type]
    (evidence_dir() / name).write_bytes(data)
    return Evidence.objects.create(
        case=case,
        concern=concern,
        title=title,
        original_name=f"file{EXT[content_type]}",
        stored_name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        document_date=day,
        uploaded_by=owner,
    )


@pytest.fixture
def immediate(settings):
    settings.TASKS = IMMEDIATE


@pytest.fixture
def mixed(people):
    """The case with a timeline note and one file of each kind, dated 1 to 8 October."""
    owner, case = people["owner"], people["case"]
    entry_create(
        case=case,
        actor=owner,
        kind="note",
        date=dt.date(2026, 10, 20),
        title="Meeting with the SENCO",
        people="",
        body="",
        actions="",
    )
    day = dt.date(2026, 10, 1)
    files = [
        ("Letter one", _pdf("MARKERONE", 2), "application/pdf"),
        ("Report two", _pdf("MARKERTWO", 3), "application/pdf"),
        ("Photo of the classroom", _png(), "image/png"),
        (
            "Minutes in Word",
            _docx("MARKERDOCX"),
            EXT and "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("Email from school", _eml("MARKEREMAIL"), "message/rfc822"),
        ("Old Word file", b"\xd0\xcf\x11\xe0 not really", "application/msword"),
        ("Locked PDF", _encrypted_pdf(), "application/pdf"),
        ("Damaged PDF", b"%PDF-1.4\nthis is not a pdf at all", "application/pdf"),
    ]
    # Added in reverse, so the bundle's order must come from the document dates.
    for offset, (title, data, kind) in reversed(list(enumerate(files))):
        _evidence(case, owner, title, data, kind, day + dt.timedelta(days=offset))
    return people


def _make(client, case, what="case"):
    return client.post(reverse("bundles:new", kwargs={"case_id": case.public_id}), {"what": what})


def _download(client, bundle) -> PdfReader:
    response = client.get(
        reverse(
            "bundles:download",
            kwargs={"case_id": bundle.case.public_id, "bundle_id": bundle.public_id},
        )
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return PdfReader(io.BytesIO(b"".join(response.streaming_content)))


def test_bundle_index_points_to_the_page_where_each_document_starts(client, mixed, immediate):
    owner, case = mixed["owner"], mixed["case"]
    sign_in_as(client, owner)
    response = _make(client, case)
    bundle = Bundle.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/bundles/{bundle.public_id}")
    assert bundle.status == Status.DONE, bundle.error

    reader = _download(client, bundle)
    texts = [p.extract_text() for p in reader.pages]
    front = next(i for i, t in enumerate(texts) if "MARKERONE" in t)  # the first document's page
    docx_pages = sum("MARKERDOCX" in t for t in texts)
    email_pages = sum("MARKEREMAIL" in t for t in texts)
    assert docx_pages >= 1
    assert email_pages >= 1
    assert len(reader.pages) == front + 2 + 3 + 1 + docx_pages + email_pages == bundle.pages

    index = " ".join("\n".join(texts[:front]).split())  # words, whatever the wrapping
    markers = {
        "Letter one": "MARKERONE",
        "Report two": "MARKERTWO",
        "Minutes in Word": "MARKERDOCX",
        "Email from school": "MARKEREMAIL",
    }
    starts = {}
    for title in [
        "Letter one",
        "Report two",
        "Photo of the classroom",
        "Minutes in Word",
        "Email from school",
    ]:
        found = re.search(re.escape(title) + r".*?Page (\d+)", index, re.S)
        assert found, title
        starts[title] = int(found.group(1))
    for title, marker in markers.items():
        page = starts[title]
        assert marker in texts[page - 1], title
        assert marker not in texts[page - 2], title  # it starts there, not before
    photo = starts["Photo of the classroom"]
    assert photo == starts["Report two"] + 3
    assert not texts[photo - 1].replace(f"Page {photo} of", "").strip("0123456789 \n")

    # Dates order the documents, and the chronology comes from the timeline.
    assert (
        starts["Letter one"]
        < starts["Report two"]
        < starts["Minutes in Word"]
        < starts["Email from school"]
    )
    assert "Chronology" in index
    assert "Meeting with the SENCO" in index
    assert "Converted from Word" in index

    # Every page is numbered.
    total = len(reader.pages)
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of {total}" in text

    # Files that could not be added are listed with a note, never dropped.
    for title, note in [
        ("Old Word file", "save it as PDF"),
        ("Locked PDF", "password protected"),
        ("Damaged PDF", "damaged"),
    ]:
        assert re.search(re.escape(title) + r".*?" + note + r".*?Not included", index, re.S), title
    assert {p["title"] for p in bundle.problems} == {"Old Word file", "Locked PDF", "Damaged PDF"}
    assert "SECRETDOC" not in "".join(texts)

    page = client.get(
        reverse("bundles:status", kwargs={"case_id": case.public_id, "bundle_id": bundle.public_id})
    )
    html = page.content.decode()
    assert "Your bundle is ready" in html
    assert "Download the bundle" in html
    assert "Locked PDF" in html
    assert 'http-equiv="refresh"' not in html


def test_a_case_with_nothing_in_it_is_refused_with_a_clear_message(client, people, immediate):
    sign_in_as(client, people["owner"])
    response = _make(client, people["case"])
    assert response.status_code == 400
    assert "There is nothing to put in a bundle yet" in response.content.decode()
    assert not Bundle.objects.exists()


# The worker closes its database connection between tasks, as it must in production. Inside a
# test's transaction that would lose the transaction (PostgreSQL), so this test commits instead.
@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_the_page_answers_at_once_and_the_worker_makes_the_bundle(
    client, mixed, settings
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE
    case = mixed["case"]
    sign_in_as(client, mixed["owner"])
    response = _make(client, case)
    bundle = Bundle.objects.get(case=case)
    assert response.status_code == 302
    assert bundle.status == Status.QUEUED
    assert not list((evidence_dir() / "bundles").glob("*.pdf"))
    status = client.get(response["Location"])
    assert "waiting to be made" in status.content.decode()
    assert 'http-equiv="refresh" content="3"' in status.content.decode()
    download = reverse(
        "bundles:download", kwargs={"case_id": case.public_id, "bundle_id": bundle.public_id}
    )
    assert client.get(download).status_code == 404

    assert DBTaskResult.objects.get().status == "READY"
    Bundle.objects.filter(pk=bundle.pk).update(
        status="running", progress=40, step="Adding document 3 of 8"
    )
    running = client.get(response["Location"]).content.decode()
    assert "Adding document 3 of 8 (40% done)" in running
    assert 'http-equiv="refresh" content="3"' in running
    Bundle.objects.filter(pk=bundle.pk).update(status="queued", progress=0, step="")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")  # the worker, once
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    bundle.refresh_from_db()
    assert bundle.status == Status.DONE
    assert bundle.progress == 100
    assert len(_download(client, bundle).pages) == bundle.pages


def test_a_concern_bundle_holds_only_that_concerns_files(client, people, immediate):
    owner, case = people["owner"], people["case"]
    concern = concern_create(
        case=case, actor=owner, route="school", facts={"concern_about": ["school"]}
    )
    _evidence(
        case,
        owner,
        "Concern letter",
        _pdf("INCONCERN", 1),
        "application/pdf",
        dt.date(2026, 10, 1),
        concern,
    )
    _evidence(
        case,
        owner,
        "Other letter",
        _pdf("NOTINCONCERN", 1),
        "application/pdf",
        dt.date(2026, 10, 2),
    )
    sign_in_as(client, owner)
    form = client.get(reverse("bundles:new", kwargs={"case_id": case.public_id}))
    assert concern.title in form.content.decode()
    _make(client, case, str(concern.public_id))
    text = "".join(p.extract_text() for p in _download(client, Bundle.objects.get()).pages)
    assert "INCONCERN" in text
    assert "NOTINCONCERN" not in text


def test_a_failed_build_leaves_no_file_and_offers_no_download(
    client, mixed, immediate, monkeypatch
):
    from sendroute.bundles import services

    def broken(case, concern, out, **kwargs):
        out.write(b"%PDF-1.7 half a bundle")
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "bundle_pdf", broken)
    case = mixed["case"]
    sign_in_as(client, mixed["owner"])
    _make(client, case)
    bundle = Bundle.objects.get()
    assert bundle.status == Status.FAILED
    assert not bundle.stored_name
    assert list((evidence_dir() / "bundles").iterdir()) == []
    status = client.get(
        reverse("bundles:status", kwargs={"case_id": case.public_id, "bundle_id": bundle.public_id})
    )
    assert "could not be made" in status.content.decode()
    assert "Download the bundle" not in status.content.decode()
    download = reverse(
        "bundles:download", kwargs={"case_id": case.public_id, "bundle_id": bundle.public_id}
    )
    assert client.get(download).status_code == 404


def test_a_bundle_changed_on_disk_is_not_downloaded(client, mixed, immediate):
    case = mixed["case"]
    sign_in_as(client, mixed["owner"])
    _make(client, case)
    bundle = Bundle.objects.get()
    (evidence_dir() / "bundles" / bundle.stored_name).write_bytes(b"%PDF-1.7 something else")
    download = reverse(
        "bundles:download", kwargs={"case_id": case.public_id, "bundle_id": bundle.public_id}
    )
    response = client.get(download)
    assert response.status_code == 410
    assert "cannot be downloaded" in response.content.decode()


def test_other_people_get_not_found(client, mixed, immediate):
    case = mixed["case"]
    sign_in_as(client, mixed["owner"])
    _make(client, case)
    bundle = Bundle.objects.get()
    client.logout()
    sign_in_as(client, mixed["other_family"])
    ids = {"case_id": case.public_id}
    assert client.get(reverse("bundles:new", kwargs=ids)).status_code == 404
    assert _make(client, case).status_code == 404
    for name in ("bundles:status", "bundles:download"):
        assert (
            client.get(reverse(name, kwargs={**ids, "bundle_id": bundle.public_id})).status_code
            == 404
        )


def test_deleting_the_case_deletes_its_bundle_files(
    client, mixed, immediate, django_capture_on_commit_callbacks
):
    case = mixed["case"]
    sign_in_as(client, mixed["owner"])
    _make(client, case)
    path = evidence_dir() / "bundles" / Bundle.objects.get().stored_name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        case.delete()
    assert not path.exists()


def test_the_case_and_concern_pages_link_to_making_a_bundle(client, people):
    owner, case = people["owner"], people["case"]
    concern = concern_create(
        case=case, actor=owner, route="school", facts={"concern_about": ["school"]}
    )
    sign_in_as(client, owner)
    new = reverse("bundles:new", kwargs={"case_id": case.public_id})
    assert (
        new
        in client.get(reverse("cases:case", kwargs={"case_id": case.public_id})).content.decode()
    )
    concern_page = client.get(
        reverse(
            "cases:concern", kwargs={"case_id": case.public_id, "concern_id": concern.public_id}
        )
    ).content.decode()
    assert f"{new}?concern={concern.public_id}" in concern_page
    form = client.get(f"{new}?concern={concern.public_id}").content.decode()
    assert f'value="{concern.public_id}" checked' in form


def test_a_pdf_that_opens_without_a_password_and_an_html_email_go_in(client, people, immediate):
    owner, case = people["owner"], people["case"]
    writer = PdfWriter(clone_from=io.BytesIO(_pdf("OPENLOCK", 1)))
    writer.encrypt(user_password="", owner_password="owner")
    locked = io.BytesIO()
    writer.write(locked)
    html_email = (
        b"From: office@school.example\r\nTo: parent@example.org\r\nSubject: Plan\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b'<p>HTMLMARKER <b>the plan</b></p><img src="http://tracker.example/x.png" alt="">'
        b"<script>alert(1)</script>\r\n"
    )
    _evidence(case, owner, "Open PDF", locked.getvalue(), "application/pdf", dt.date(2026, 10, 1))
    _evidence(case, owner, "HTML email", html_email, "message/rfc822", dt.date(2026, 10, 2))
    sign_in_as(client, owner)
    _make(client, case)
    bundle = Bundle.objects.get()
    assert bundle.problems == []
    text = "".join(p.extract_text() for p in _download(client, bundle).pages)
    assert "OPENLOCK" in text
    assert "HTMLMARKER the plan" in text
    assert "alert(1)" not in text


def test_the_same_bundle_form_sent_twice_starts_one_bundle(client, people, settings):
    from sendroute.bundles.models import Bundle
    from sendroute.cases.services import entry_create

    from .conftest import sign_in_as

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    case = people["case"]
    entry_create(
        case=case,
        actor=people["owner"],
        kind="note",
        date=dt.date(2026, 11, 3),
        title="Meeting",
        people="",
        body="",
        actions="",
    )
    sign_in_as(client, people["owner"])
    data = {"what": "case", "form_key": "7d1f3c1e-9b0a-4c53-9c1e-2f0e1a2b3c4d"}
    first = client.post(f"/cases/{case.public_id}/bundles/new", data)
    again = client.post(f"/cases/{case.public_id}/bundles/new", data)
    assert first.status_code == 302
    assert again["Location"] == first["Location"]
    assert Bundle.objects.filter(case=case).count() == 1


def test_a_bundle_abandoned_by_a_stopped_worker_says_so_and_stops_refreshing(client, people):
    from django.utils import timezone

    from sendroute.bundles.models import Bundle, Status

    from .conftest import sign_in_as

    case = people["case"]
    bundle = Bundle.objects.create(
        case=case,
        status=Status.RUNNING,
        progress=40,
        created_by=people["owner"],
        created_at=timezone.now() - dt.timedelta(minutes=31),
    )
    sign_in_as(client, people["owner"])
    html = client.get(f"/cases/{case.public_id}/bundles/{bundle.public_id}").content.decode()
    assert "Your bundle was not finished" in html
    assert 'http-equiv="refresh"' not in html
    assert "Download the bundle" not in html
    fresh = Bundle.objects.create(case=case, status=Status.RUNNING, created_by=people["owner"])
    html = client.get(f"/cases/{case.public_id}/bundles/{fresh.public_id}").content.decode()
    assert 'http-equiv="refresh"' in html
