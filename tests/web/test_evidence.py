"""Evidence files: accepted by what they contain (never their name), stored outside the web root
under names the server makes with a checksum, downloaded as attachments only by people who can
see the case, and deleted only after a confirmation."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
import uuid
import zipfile
import zlib
from math import ceil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sendroute.cases.audit import Action
from sendroute.cases.evidence_store import (
    EvidenceUnavailableError,
    display_name,
    evidence_open,
    evidence_orphans_delete,
    evidence_save,
    file_kind,
)
from sendroute.cases.models import AuditEvent, Evidence
from sendroute.cases.services import CaseError, entry_create, share_grant
from tests.web.conftest import sign_in_as

TYPE_ERROR = "The selected file must be a PDF, Word document, image (JPG or PNG) or saved email"

# -- tiny sample files, made here ---------------------------------------------------------------

PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\x00" * 32
    + b"\xff\xd9"
)
EML = (
    b"From: Sam's parent <parent@example.org>\r\n"
    b"To: senco@oak-school.example\r\n"
    b"Subject: Meeting about Sam's support\r\n"
    b"Date: Tue, 3 Mar 2026 10:00:00 +0000\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Thank you for meeting us today.\r\n"
)


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def docx(
    extra: dict[str, bytes] | None = None,
    content_types: bytes | None = None,
    compress: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    types = content_types or (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        b'<Override PartName="/word/document.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        b"</Types>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr(
            "_rels/.rels",
            b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            b"</Relationships>",
        )
        z.writestr(
            "word/document.xml",
            b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            b"<w:body><w:p><w:r><w:t>Letter</w:t></w:r></w:p></w:body></w:document>",
        )
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def ole2(streams: dict[str, bytes], storages: tuple[str, ...] = ()) -> bytes:
    """A minimal OLE2 compound file (version 3, 512-byte sectors) holding these streams at the
    top level. Each stream is padded to 4096 bytes so that it lives in ordinary sectors."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    names = [*streams, *storages]
    dir_sectors = ceil((1 + len(names)) * 128 / 512)
    fat = [fat_sector] + [2 + i if i < dir_sectors - 1 else end for i in range(dir_sectors)]
    data, starts, sector = b"", {}, 1 + dir_sectors
    for name, content in streams.items():
        content = content.ljust(4096, b"\0")
        count = ceil(len(content) / 512)
        starts[name] = (sector, len(content))
        fat += [sector + k + 1 if k < count - 1 else end for k in range(count)]
        data += content.ljust(count * 512, b"\0")
        sector += count
    assert len(fat) <= 128
    fat += [free] * (128 - len(fat))

    def entry(
        name: str, kind: int, start: int = end, size: int = 0, child: int = free, right: int = free
    ) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0" if name else b""
        return struct.pack(
            "<64sHBBIII16sIQQIQ",
            raw.ljust(64, b"\0"),
            len(raw),
            kind,
            1,
            free,
            right,
            child,
            b"\0" * 16,
            0,
            0,
            0,
            start,
            size,
        )

    entries = [entry("Root Entry", 5, child=1 if names else free)]
    for i, name in enumerate(names, start=1):
        right = i + 1 if i < len(names) else free
        if name in streams:
            entries.append(entry(name, 2, *starts[name], right=right))
        else:
            entries.append(entry(name, 1, start=0, right=right))
    directory = b"".join(entries) + entry("", 0) * (dir_sectors * 4 - len(entries))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        1,
        1,
        0,
        4096,
        end,
        0,
        end,
        0,
    ) + struct.pack("<109I", 0, *[free] * 108)
    return header + struct.pack("<128I", *fat) + directory + data


def word_fib(flags: int = 0) -> bytes:
    return b"\xec\xa5\xc1\x00" + b"\x00" * 6 + struct.pack("<H", flags) + b"\x00" * 20


DOC = ole2({"WordDocument": word_fib(), "1Table": b"\x00" * 16})
MSG = ole2(
    {"__properties_version1.0": b"\x00" * 32, "__substg1.0_0037001F": "Meeting".encode("utf-16-le")}
)

ACCEPTED = {
    "pdf": ("letter.pdf", PDF, "application/pdf", ".pdf"),
    "docx": (
        "letter.docx",
        docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
    ),
    "doc": ("old letter.doc", DOC, "application/msword", ".doc"),
    "jpeg": ("photo.jpeg", JPEG, "image/jpeg", ".jpg"),
    "png": ("screenshot.png", png(), "image/png", ".png"),
    "eml": ("email.eml", EML, "message/rfc822", ".eml"),
    "msg": ("email.msg", MSG, "application/vnd.ms-outlook", ".msg"),
}

REFUSED = {
    "html named .pdf": (
        "letter.pdf",
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        TYPE_ERROR,
    ),
    "svg with a script": (
        "photo.png",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        TYPE_ERROR,
    ),
    "windows program": (
        "letter.pdf",
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120 + b"PE\x00\x00",
        TYPE_ERROR,
    ),
    "shell script": ("notes.eml", b"#!/bin/sh\nrm -rf /\n", TYPE_ERROR),
    "plain text": ("notes.txt", b"Notes of the meeting with the SENCo.\n", TYPE_ERROR),
    "headers without a From": (
        "page.eml",
        b"Subject: hi\nContent-Type: text/html\n\n<script>alert(1)</script>",
        TYPE_ERROR,
    ),
    "zip appended to html": (
        "letter.docx",
        b"<html><script>alert(1)</script></html>" + docx(),
        TYPE_ERROR,
    ),
    "zip that is not a Word document": ("letter.docx", docx(content_types=b"<Types/>"), TYPE_ERROR),
    "Word with macros": (
        "letter.docx",
        docx({"word/vbaProject.bin": b"\x00" * 64}),
        "The selected Word document contains macros. Save it as a Word document without macros (.docx) and try again",
    ),
    "Excel 97 file": ("sheet.doc", ole2({"Workbook": b"\x09\x08" + b"\x00" * 30}), TYPE_ERROR),
    "password-protected Word 97": (
        "secret.doc",
        ole2({"WordDocument": word_fib(flags=0x0100)}),
        "The selected file is password protected",
    ),
    "password-protected docx": (
        "secret.docx",
        ole2({"EncryptionInfo": b"\x00" * 8, "EncryptedPackage": b"\x00" * 8}),
        "The selected file is password protected",
    ),
    "damaged OLE2 file": (
        "letter.doc",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 600,
        TYPE_ERROR,
    ),
    "empty file": ("letter.pdf", b"", "The selected file is empty"),
}


# -- helpers ------------------------------------------------------------------------------------


def new_url(case, **query):
    url = reverse("cases:evidence_new", kwargs={"case_id": case.public_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def case_url(case):
    return reverse("cases:case", kwargs={"case_id": case.public_id}) + "#evidence"


def download_url(evidence):
    return reverse(
        "cases:evidence_download",
        kwargs={"case_id": evidence.case.public_id, "evidence_id": evidence.public_id},
    )


def delete_url(evidence):
    return reverse(
        "cases:evidence_delete",
        kwargs={"case_id": evidence.case.public_id, "evidence_id": evidence.public_id},
    )


def upload(client, case, name, content, *, query=None, **fields):
    data = {
        "file": SimpleUploadedFile(name, content, content_type="application/octet-stream"),
        "title": "",
        **fields,
    }
    return client.post(new_url(case, **(query or {})), data)


def stored_files(evidence_dir: Path) -> list[Path]:
    return sorted(p for p in evidence_dir.iterdir() if p.is_file()) if evidence_dir.exists() else []


@pytest.fixture
def owner(client, people):
    return sign_in_as(client, people["owner"])


def saved(people, name="letter.pdf", content=PDF, **kwargs):
    return evidence_save(
        case=people["case"],
        actor=people["owner"],
        upload=SimpleUploadedFile(name, content),
        title=kwargs.pop("title", "Letter"),
        **kwargs,
    )


# -- what is accepted ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ACCEPTED)
def test_each_accepted_kind_is_stored_with_the_type_found_in_its_content(
    owner, people, evidence_dir, kind
):
    name, content, content_type, extension = ACCEPTED[kind]
    response = upload(owner, people["case"], name, content, title="The council's letter")
    assert response.status_code == 302
    assert response["Location"] == case_url(people["case"])
    evidence = Evidence.objects.get()
    assert evidence.content_type == content_type
    assert evidence.original_name == name
    assert evidence.title == "The council's letter"
    assert evidence.size == len(content)
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.stored_name.endswith(extension)
    assert evidence.uploaded_by == people["owner"]
    [stored] = stored_files(evidence_dir)
    assert stored.name == evidence.stored_name
    assert stored.read_bytes() == content
    assert stored.stat().st_mode & 0o777 == 0o600
    assert (
        AuditEvent.objects.filter(
            action=Action.EVIDENCE_UPLOADED, object_id=str(evidence.public_id)
        ).count()
        == 1
    )


def test_the_browsers_content_type_is_ignored(owner, people):
    upload_file = SimpleUploadedFile(
        "letter.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    response = owner.post(new_url(people["case"]), {"file": upload_file, "title": ""})
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_a_pdf_named_docx_is_stored_and_downloaded_as_a_pdf(owner, people):
    upload(owner, people["case"], "letter.docx", PDF)
    evidence = Evidence.objects.get()
    assert evidence.content_type == "application/pdf"
    assert evidence.stored_name.endswith(".pdf")
    response = owner.get(download_url(evidence))
    assert response["Content-Disposition"] == 'attachment; filename="letter.pdf"'
    response.close()


@pytest.mark.parametrize("kind", REFUSED)
def test_files_that_are_not_accepted_are_refused_with_a_specific_error(
    owner, people, evidence_dir, kind
):
    name, content, message = REFUSED[kind]
    response = upload(owner, people["case"], name, content)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert message.replace("'", "&#39;") in page
    assert 'href="#file"' in page
    assert not Evidence.objects.exists()
    assert stored_files(evidence_dir) == []


def test_a_zip_bomb_dressed_as_a_word_document_is_refused_without_unpacking_it(
    owner, people, evidence_dir
):
    bomb = docx({"word/media/image1.png": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024
    response = upload(owner, people["case"], "letter.docx", bomb)
    assert response.status_code == 400
    assert TYPE_ERROR in response.content.decode()
    assert stored_files(evidence_dir) == []


def test_a_word_document_with_pictures_that_do_not_compress_is_accepted(owner, people):
    import os

    response = upload(
        owner,
        people["case"],
        "report.docx",
        docx({"word/media/image1.png": os.urandom(2 * 1024 * 1024)}),
    )
    assert response.status_code == 302


def test_a_file_over_the_size_limit_is_refused(owner, people, evidence_dir, settings):
    settings.SENDROUTE_EVIDENCE_MAX_BYTES = 1024
    response = upload(owner, people["case"], "letter.pdf", PDF + b"%" * 2000)
    assert response.status_code == 400
    assert "The selected file must be smaller than 1KB" in response.content.decode()
    assert stored_files(evidence_dir) == []
    assert not Evidence.objects.exists()


def test_a_file_exactly_at_the_limit_is_accepted(owner, people, settings):
    settings.SENDROUTE_EVIDENCE_MAX_BYTES = 1024
    response = upload(owner, people["case"], "letter.pdf", PDF.ljust(1024, b"\n"))
    assert response.status_code == 302


def test_the_default_size_limit_is_20mb_in_the_error(settings):
    from sendroute.cases import evidence_store

    assert settings.SENDROUTE_EVIDENCE_MAX_BYTES == 20 * 1024 * 1024
    assert evidence_store.too_large_message() == "The selected file must be smaller than 20MB"


def test_saving_stops_reading_as_soon_as_the_limit_is_passed(people, evidence_dir, settings):
    settings.SENDROUTE_EVIDENCE_MAX_BYTES = 100 * 1024

    class Endless(io.RawIOBase):
        name = "endless.pdf"
        reads = 0

        def readable(self):
            return True

        def read(self, n=-1):
            self.reads += 1
            assert self.reads < 10, "kept reading past the limit"
            return PDF if self.reads == 1 else b"0" * 65536

    with pytest.raises(CaseError) as refused:
        evidence_save(case=people["case"], actor=people["owner"], upload=Endless(), title="")
    assert refused.value.field == "file"
    assert refused.value.message == "The selected file must be smaller than 100KB"
    assert stored_files(evidence_dir) == []


def test_no_file_chosen_asks_for_one(owner, people):
    response = owner.post(new_url(people["case"]), {"title": "Letter"})
    assert response.status_code == 400
    assert "Select a file" in response.content.decode()


# -- how files are stored -----------------------------------------------------------------------


def test_files_are_stored_outside_the_web_root_under_a_server_made_name(
    owner, people, settings, evidence_dir
):
    upload(owner, people["case"], "Sam's EHC plan.pdf", PDF)
    evidence = Evidence.objects.get()
    [stored] = stored_files(evidence_dir)
    assert not stored.resolve().is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert not stored.resolve().is_relative_to(
        Path(settings.BASE_DIR / "sendroute" / "web" / "static").resolve()
    )
    assert "EHC" not in stored.name
    assert stored.name != evidence.original_name
    assert len(stored.stem) == 32
    assert set(stored.stem) <= set("0123456789abcdef")
    assert evidence.original_name == "Sam's EHC plan.pdf"


def test_the_checksum_is_the_sha256_of_the_stored_bytes(people, evidence_dir):
    evidence = saved(people, content=PDF)
    stored = evidence_dir / evidence.stored_name
    assert (
        hashlib.sha256(stored.read_bytes()).hexdigest()
        == evidence.sha256
        == hashlib.sha256(PDF).hexdigest()
    )


def test_a_title_left_blank_is_the_files_name(owner, people):
    upload(owner, people["case"], "letter from school.pdf", PDF, title="  ")
    assert Evidence.objects.get().title == "letter from school.pdf"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("C:\\fakepath\\letter.pdf", "letter.pdf"),
        ("../../etc/passwd", "passwd"),
        ("photo\u202egpj.exe", "photogpj.exe"),
        ("bad\x00name\r\n.pdf", "badname.pdf"),
        ("", "file"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_the_original_name_is_kept_only_in_a_safe_form(raw, shown):
    assert display_name(raw) == shown


def test_a_database_failure_leaves_no_file(people, evidence_dir, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(Evidence.objects, "create", broken)
    with pytest.raises(RuntimeError):
        saved(people)
    assert stored_files(evidence_dir) == []


def test_a_database_failure_during_an_upload_leaves_no_file(
    owner, people, evidence_dir, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(Evidence.objects, "create", broken)
    with pytest.raises(RuntimeError):
        upload(owner, people["case"], "letter.pdf", PDF)
    assert stored_files(evidence_dir) == []


def test_a_rollback_after_the_file_was_saved_leaves_no_file(
    owner, people, evidence_dir, monkeypatch
):
    from django.db import transaction

    def fails_after(*, key, user, do):
        with transaction.atomic():
            do()
            raise RuntimeError("the request failed after the file was saved")

    monkeypatch.setattr("sendroute.cases.views.evidence.submit_once", fails_after)
    with pytest.raises(RuntimeError):
        upload(owner, people["case"], "letter.pdf", PDF)
    assert not Evidence.objects.exists()
    assert stored_files(evidence_dir) == []


def test_files_no_row_names_are_cleaned_up_once_old(people, evidence_dir):
    kept = saved(people)
    stray = evidence_dir / "0123456789abcdef0123456789abcdef.pdf"
    stray.write_bytes(PDF)
    assert evidence_orphans_delete(older_than_seconds=3600) == []
    assert evidence_orphans_delete(older_than_seconds=-1) == [stray.name]
    assert [p.name for p in stored_files(evidence_dir)] == [kept.stored_name]


def test_the_same_form_submitted_twice_stores_one_file(owner, people, evidence_dir):
    key = str(uuid.uuid4())
    first = upload(owner, people["case"], "letter.pdf", PDF, form_key=key)
    second = upload(owner, people["case"], "letter.pdf", PDF, form_key=key)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Evidence.objects.count() == 1
    assert len(stored_files(evidence_dir)) == 1


def test_a_refused_file_can_be_sent_again_with_the_same_form(owner, people):
    key = str(uuid.uuid4())
    assert (
        upload(owner, people["case"], "letter.pdf", b"<html></html>", form_key=key).status_code
        == 400
    )
    assert upload(owner, people["case"], "letter.pdf", PDF, form_key=key).status_code == 302
    assert Evidence.objects.count() == 1


# -- the form -----------------------------------------------------------------------------------


def test_the_form_is_a_gov_uk_file_upload_that_sends_the_file(owner, people):
    response = owner.get(new_url(people["case"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page
    assert 'name="file"' in page
    assert 'name="form_key"' in page
    assert 'name="document_date-day"' in page
    assert "smaller than 20MB" in page


def test_a_file_can_be_dated_and_linked_to_a_concern(owner, people):
    from sendroute.cases.services import concern_create

    concern = concern_create(case=people["case"], actor=people["owner"], route="school", facts={})
    page = owner.get(new_url(people["case"])).content.decode()
    assert str(concern.public_id) in page
    response = upload(
        owner,
        people["case"],
        "letter.pdf",
        PDF,
        concern=str(concern.public_id),
        **{"document_date-day": "3", "document_date-month": "3", "document_date-year": "2026"},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.concern == concern
    assert evidence.document_date == dt.date(2026, 3, 3)


def test_a_date_in_the_future_is_refused(owner, people):
    response = upload(
        owner,
        people["case"],
        "letter.pdf",
        PDF,
        **{"document_date-day": "1", "document_date-month": "1", "document_date-year": "2030"},
    )
    assert response.status_code == 400
    assert "The date on the document must be today or in the past" in response.content.decode()
    assert 'href="#document_date-day"' in response.content.decode()


def test_a_date_that_is_not_real_is_refused(owner, people):
    response = upload(
        owner,
        people["case"],
        "letter.pdf",
        PDF,
        **{"document_date-day": "31", "document_date-month": "2", "document_date-year": "2026"},
    )
    assert response.status_code == 400
    assert "must be a real date" in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_file_can_be_added_to_a_note_of_the_case(owner, people):
    entry = entry_create(
        case=people["case"],
        actor=people["owner"],
        kind="note",
        date=dt.date(2026, 3, 3),
        title="Meeting with the SENCo",
    )
    assert (
        "Meeting with the SENCo"
        in owner.get(new_url(people["case"], entry=entry.public_id)).content.decode()
    )
    response = upload(owner, people["case"], "minutes.pdf", PDF, query={"entry": entry.public_id})
    assert response.status_code == 302
    assert Evidence.objects.get().entry == entry


def test_a_note_of_another_case_is_not_found(owner, client, people):
    from sendroute.cases.services import case_create

    theirs = case_create(owner=people["other_family"], title="Theirs", area="norfolk")
    entry = entry_create(
        case=theirs,
        actor=people["other_family"],
        kind="note",
        date=dt.date(2026, 3, 3),
        title="Private",
    )
    assert owner.get(new_url(people["case"], entry=entry.public_id)).status_code == 404
    assert (
        upload(
            owner, people["case"], "minutes.pdf", PDF, query={"entry": entry.public_id}
        ).status_code
        == 404
    )
    assert (
        upload(owner, people["case"], "minutes.pdf", PDF, query={"entry": "not-an-id"}).status_code
        == 404
    )
    assert not Evidence.objects.exists()


# -- who may upload -----------------------------------------------------------------------------


def test_an_adviser_who_may_edit_can_add_a_file(client, people):
    sign_in_as(client, people["linked_adviser"])
    assert upload(client, people["case"], "letter.pdf", PDF).status_code == 302


def test_an_adviser_who_may_only_view_cannot_add_a_file(client, people, evidence_dir):
    share_grant(
        case=people["case"],
        actor=people["owner"],
        adviser_email="linked@example.org",
        access="view",
    )
    sign_in_as(client, people["linked_adviser"])
    assert client.get(new_url(people["case"])).status_code == 404
    assert upload(client, people["case"], "letter.pdf", PDF).status_code == 404
    assert stored_files(evidence_dir) == []


@pytest.mark.parametrize("who", ["other_family", "unlinked_adviser", "staff", "administrator"])
def test_people_without_access_cannot_add_a_file(client, people, who):
    sign_in_as(client, people[who])
    assert upload(client, people["case"], "letter.pdf", PDF).status_code == 404
    assert not Evidence.objects.exists()


def test_someone_signed_out_is_sent_to_sign_in_to_add_a_file(client, people):
    response = upload(client, people["case"], "letter.pdf", PDF)
    assert response.status_code == 302
    assert "next=" in response["Location"]
    assert not Evidence.objects.exists()


def test_an_upload_without_the_csrf_token_is_refused(people, evidence_dir):
    from django.test import Client

    strict = sign_in_as(Client(enforce_csrf_checks=True), people["owner"])
    response = upload(strict, people["case"], "letter.pdf", PDF)
    assert response.status_code == 403
    assert stored_files(evidence_dir) == []


# -- downloads ----------------------------------------------------------------------------------


def test_the_owner_downloads_the_file_as_an_attachment_that_is_never_run(owner, people):
    evidence = saved(people, "letter.pdf", PDF)
    response = owner.get(download_url(evidence))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="letter.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Length"] == str(len(PDF))
    assert (
        AuditEvent.objects.filter(
            action=Action.EVIDENCE_DOWNLOADED, object_id=str(evidence.public_id)
        ).count()
        == 1
    )


def test_a_name_with_other_characters_is_sent_safely(owner, people):
    evidence = saved(people, "Lettre de l'école.pdf", PDF)
    response = owner.get(download_url(evidence))
    assert "filename*=utf-8''Lettre%20de%20l%27%C3%A9cole.pdf" in response["Content-Disposition"]
    response.close()


def test_a_linked_adviser_can_download(client, people):
    evidence = saved(people)
    share_grant(
        case=people["case"],
        actor=people["owner"],
        adviser_email="linked@example.org",
        access="view",
    )
    sign_in_as(client, people["linked_adviser"])
    response = client.get(download_url(evidence))
    assert response.status_code == 200
    response.close()


@pytest.mark.parametrize(
    "who", ["other_family", "young_person", "unlinked_adviser", "staff", "administrator"]
)
def test_people_without_access_cannot_download(client, people, who):
    evidence = saved(people)
    sign_in_as(client, people[who])
    assert client.get(download_url(evidence)).status_code == 404
    assert not AuditEvent.objects.filter(action=Action.EVIDENCE_DOWNLOADED).exists()


def test_someone_signed_out_is_sent_to_sign_in_to_download(client, people):
    evidence = saved(people)
    response = client.get(download_url(evidence))
    assert response.status_code == 302
    assert "next=" in response["Location"]


def test_a_file_of_another_case_is_not_found_through_this_case(owner, people):
    from sendroute.cases.services import case_create

    mine_too = case_create(owner=people["owner"], title="Another child", area="norfolk")
    evidence = saved(people)
    wrong = reverse(
        "cases:evidence_download",
        kwargs={"case_id": mine_too.public_id, "evidence_id": evidence.public_id},
    )
    assert owner.get(wrong).status_code == 404
    bad = reverse(
        "cases:evidence_download",
        kwargs={"case_id": people["case"].public_id, "evidence_id": "nope"},
    )
    assert owner.get(bad).status_code == 404


def test_a_file_changed_on_disk_is_not_sent(owner, people, evidence_dir):
    evidence = saved(people)
    (evidence_dir / evidence.stored_name).write_bytes(PDF.replace(b"Catalog", b"Katalog"))
    response = owner.get(download_url(evidence))
    assert response.status_code == 409
    page = response.content.decode()
    assert "This file cannot be downloaded" in page
    assert "%PDF" not in page
    assert not AuditEvent.objects.filter(action=Action.EVIDENCE_DOWNLOADED).exists()
    with pytest.raises(EvidenceUnavailableError):
        evidence_open(evidence)


def test_a_missing_file_is_gone(owner, people, evidence_dir):
    evidence = saved(people)
    (evidence_dir / evidence.stored_name).unlink()
    response = owner.get(download_url(evidence))
    assert response.status_code == 410
    assert "This file cannot be downloaded" in response.content.decode()


# -- deleting -----------------------------------------------------------------------------------


def test_deleting_asks_first_then_removes_the_row_and_the_file(
    owner, people, evidence_dir, django_capture_on_commit_callbacks
):
    evidence = saved(people)
    page = owner.get(delete_url(evidence))
    assert page.status_code == 200
    assert "Are you sure you want to delete this file?" in page.content.decode()
    not_confirmed = owner.post(delete_url(evidence), {})
    assert not_confirmed.status_code == 400
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(delete_url(evidence), {"confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"] == case_url(people["case"])
    assert not Evidence.objects.exists()
    assert stored_files(evidence_dir) == []
    assert (
        AuditEvent.objects.filter(
            action=Action.EVIDENCE_DELETED, object_id=str(evidence.public_id)
        ).count()
        == 1
    )


def test_deleting_cannot_happen_by_following_a_link(owner, people, evidence_dir):
    evidence = saved(people)
    owner.get(delete_url(evidence))
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert len(stored_files(evidence_dir)) == 1


@pytest.mark.parametrize("who", ["other_family", "unlinked_adviser", "staff", "administrator"])
def test_people_without_access_cannot_delete(client, people, who, evidence_dir):
    evidence = saved(people)
    sign_in_as(client, people[who])
    assert client.get(delete_url(evidence)).status_code == 404
    assert client.post(delete_url(evidence), {"confirm": "yes"}).status_code == 404
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_an_adviser_who_may_only_view_cannot_delete(client, people):
    evidence = saved(people)
    share_grant(
        case=people["case"],
        actor=people["owner"],
        adviser_email="linked@example.org",
        access="view",
    )
    sign_in_as(client, people["linked_adviser"])
    assert client.post(delete_url(evidence), {"confirm": "yes"}).status_code == 404
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_deleting_the_case_removes_its_files(
    people, evidence_dir, django_capture_on_commit_callbacks
):
    from sendroute.cases.services import case_delete

    saved(people)
    with django_capture_on_commit_callbacks(execute=True):
        case_delete(case=people["case"], actor=people["owner"])
    assert stored_files(evidence_dir) == []


# -- the case page's list of files --------------------------------------------------------------


def test_the_files_list_links_to_download_and_delete(people):
    from django.template.loader import render_to_string

    evidence = saved(people, title="Letter from the council")
    html = render_to_string(
        "cases/evidence_list.html",
        {"case": people["case"], "evidence": [evidence], "can_edit": True},
    )
    assert 'id="evidence"' in html
    assert download_url(evidence) in html
    assert delete_url(evidence) in html
    assert "Letter from the council" in html
    assert "PDF" in html
    viewer = render_to_string(
        "cases/evidence_list.html",
        {"case": people["case"], "evidence": [evidence], "can_edit": False},
    )
    assert delete_url(evidence) not in viewer


# -- sniffing on its own ------------------------------------------------------------------------


def test_sniffing_reads_content_not_names(tmp_path):
    for _kind, (_name, content, content_type, _ext) in ACCEPTED.items():
        path = tmp_path / "no-extension"
        path.write_bytes(content)
        assert file_kind(path).content_type == content_type


def test_an_upload_over_the_limit_is_dropped_while_it_arrives(owner, people, settings, monkeypatch):
    settings.SENDROUTE_EVIDENCE_MAX_BYTES = 1024

    def not_reached(**kwargs):
        pytest.fail("a file over the limit should be dropped before it reaches the store")

    monkeypatch.setattr("sendroute.cases.views.evidence.evidence_save", not_reached)
    response = upload(owner, people["case"], "letter.pdf", PDF + b"%" * 200_000)
    assert response.status_code == 400
    assert "The selected file must be smaller than 1KB" in response.content.decode()


def test_a_damaged_word_document_is_refused(tmp_path):
    broken = bytearray(docx())
    broken[-30:] = b"\xff" * 30  # the zip's central directory
    path = tmp_path / "letter.docx"
    path.write_bytes(bytes(broken))
    with pytest.raises(CaseError):
        file_kind(path)


def test_clean_evidence_removes_only_files_no_record_names(people, evidence_dir):
    import io as _io
    import os
    import time

    from django.core.management import call_command

    from sendroute.cases.evidence_store import evidence_dir as folder

    kept = folder() / "kept.bin"
    stray = folder() / "stray.bin"
    young = folder() / "young.bin"
    for path in (kept, stray, young):
        path.write_bytes(b"x")
    from sendroute.cases.models import Evidence

    Evidence.objects.create(
        case=people["case"],
        title="t",
        original_name="k",
        stored_name="kept.bin",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
    )
    old = time.time() - 7200
    os.utime(kept, (old, old))
    os.utime(stray, (old, old))
    out = _io.StringIO()
    call_command("clean_evidence", stdout=out)
    assert out.getvalue().strip() == "Removed 1 file."
    assert kept.exists()
    assert young.exists()
    assert not stray.exists()
