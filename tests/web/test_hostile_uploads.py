"""Hostile uploads: every file of the corpus in ``hostile_files`` (programs with the wrong
extension, polyglots, HTML and SVG with script, PDFs that run something, password-protected PDFs,
zip bombs, macros, emails with script, files just over the limit, hostile names, lies in the
multipart header) is sent through the web form and through the API. Each is either refused with
its plain-English message, leaving nothing behind (no row, no file), or kept and only ever sent
back as an attachment a browser will neither show nor run, from a folder that is never served.

The multipart bodies are written here by hand, so that the file name and content type are sent
exactly as an attacker would send them, not as the test client would tidy them.

The corpus runs with a 256KB limit (set in settings) so that "just over the limit" stays quick;
one file of 20MB and one byte is sent against the real default limit."""

from __future__ import annotations

import email.message
import hashlib
import unicodedata
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils.html import escape

from sendroute.cases.evidence_store import KINDS, WINDOWS_RESERVED, evidence_path
from sendroute.cases.models import Evidence
from tests.web.conftest import sign_in_as
from tests.web.hostile_files import (
    CORPUS,
    LIMIT,
    REFUSED,
    STORED_AS_DOWNLOAD,
    UNREADABLE,
    Hostile,
)

pytestmark = [pytest.mark.django_db, pytest.mark.proof]

BOUNDARY = "----sendroute-hostile-7f3a9c"
NEVER_SERVED_AS = {"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml"}


def multipart(hostile: Hostile, **fields: str) -> bytes:
    """A multipart/form-data body as a browser (or an attacker) sends it. Browsers write '"', CR
    and LF in a file name as %22, %0D and %0A; anything else goes as it is, NUL included."""
    name = hostile.name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: {hostile.claimed_type}\r\n\r\n".encode()
        + hostile.content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


@pytest.fixture(scope="module")
def _one_client():
    from django.test import Client

    return Client()


@pytest.fixture
def client(_one_client):
    """One test client for the whole corpus: each new client loads the middleware again, and
    WhiteNoise then scans every static file (most of a second each time). Its cookies are
    cleared for each test, so nobody stays signed in from one test to the next."""
    _one_client.cookies.clear()
    return _one_client


@pytest.fixture
def family(db, settings):
    """A parent with one case, and the corpus's small size limit."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SENDROUTE_EVIDENCE_MAX_BYTES = LIMIT
    from sendroute.accounts.models import Role, User
    from sendroute.cases.services import case_create

    parent = User.objects.create_user(
        email="hostile@example.invalid", password="a long pass phrase 123", role=Role.PARENT
    )
    return parent, case_create(owner=parent, title="Uploads", area="norfolk")


def files_in(folder: Path) -> list[str]:
    """Every file left in the evidence folder, temporary ones included."""
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def served_folders() -> list[Path]:
    folders = [Path(django_settings.STATIC_ROOT)]
    for entry in django_settings.STATICFILES_DIRS:
        folders.append(Path(entry[1] if isinstance(entry, tuple) else entry))
    media = getattr(django_settings, "MEDIA_ROOT", "")
    if media:
        folders.append(Path(media))
    return [f.resolve() for f in folders]


def assert_nothing_kept(evidence_dir: Path) -> None:
    assert not Evidence.objects.exists()
    assert files_in(evidence_dir) == []


def assert_kept_outside_the_web_root(evidence: Evidence, hostile: Hostile, evidence_dir: Path):
    assert evidence.content_type == hostile.stored_type
    stored = evidence_path(evidence).resolve()
    assert stored.parent == Path(evidence_dir).resolve()
    assert stored.read_bytes() == hostile.content
    assert evidence.sha256 == hashlib.sha256(hostile.content).hexdigest()
    for folder in served_folders():
        assert not stored.is_relative_to(folder), f"{stored} is under {folder}"
    assert files_in(evidence_dir) == [stored.name]  # no temporary file left beside it


def assert_only_a_download(client, response, evidence: Evidence, hostile: Hostile, **headers):
    """The file comes back only as an attachment of its real (safe) type, that the browser is
    told not to sniff, show or run; its name has no folders and no control characters."""
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == hostile.content
    content_type = response["Content-Type"]
    assert content_type == hostile.stored_type
    assert content_type in KINDS or content_type == "application/octet-stream"
    assert content_type.split(";")[0].strip().lower() not in NEVER_SERVED_AS
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in [
        d.strip().split(" ")[0] for d in response["Content-Security-Policy"].split(";")
    ]
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition
    assert "\n" not in disposition
    parsed = email.message.Message()
    parsed["Content-Disposition"] = disposition
    assert parsed.get_content_disposition() == "attachment"
    filename = parsed.get_filename()
    assert filename, disposition
    assert "/" not in filename
    assert "\\" not in filename
    assert '"' not in filename
    assert not any(unicodedata.category(ch)[0] == "C" for ch in filename), repr(filename)
    assert filename.split(".")[0].strip().upper() not in WINDOWS_RESERVED
    kind = KINDS[hostile.stored_type]
    assert filename.lower().endswith((kind.extension, *kind.also)), filename
    # and the stored file cannot be fetched from where static files are served
    static = client.get(f"{django_settings.STATIC_URL}{evidence.stored_name}", **headers)
    assert static.status_code == 404


IDS = [h.label for h in CORPUS]


# -- through the web form -----------------------------------------------------------------------


@pytest.mark.parametrize("hostile", CORPUS, ids=IDS)
def test_each_hostile_file_sent_through_the_web_form_is_refused_or_kept_only_as_a_download(
    client, family, evidence_dir, hostile
):
    parent, case = family
    sign_in_as(client, parent)
    url = reverse("cases:evidence_new", kwargs={"case_id": case.public_id})
    response = client.post(url, multipart(hostile, title=""), content_type=CONTENT_TYPE)
    if hostile.expected == UNREADABLE:
        assert response.status_code == 400
        assert_nothing_kept(evidence_dir)
        return
    if hostile.expected == REFUSED:
        assert response.status_code == 400, response.status_code
        page = response.content.decode()
        assert "There is a problem" in page
        assert escape(hostile.message) in page
        assert 'href="#file"' in page
        assert_nothing_kept(evidence_dir)
        return
    assert hostile.expected == STORED_AS_DOWNLOAD
    assert response.status_code == 302, response.content.decode()[:2000]
    evidence = Evidence.objects.get()
    assert_kept_outside_the_web_root(evidence, hostile, evidence_dir)
    download = client.get(
        reverse(
            "cases:evidence_download",
            kwargs={"case_id": case.public_id, "evidence_id": evidence.public_id},
        )
    )
    assert_only_a_download(client, download, evidence, hostile)


# -- through the API ------------------------------------------------------------------------------


@pytest.mark.parametrize("hostile", CORPUS, ids=IDS)
def test_each_hostile_file_sent_through_the_api_is_refused_or_kept_only_as_a_download(
    client, family, evidence_dir, hostile
):
    from sendroute.accounts.services import token_create

    parent, case = family
    token, _ = token_create(user=parent)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    url = f"/api/v1/cases/{case.public_id}/evidence"
    response = client.post(url, multipart(hostile), content_type=CONTENT_TYPE, **auth)
    if hostile.expected == UNREADABLE:
        assert response.status_code == 400
        assert_nothing_kept(evidence_dir)
        return
    if hostile.expected == REFUSED:
        # The API's contract: a request it cannot take is 422, naming the field at fault.
        assert response.status_code == 422, response.content
        problem = response.json()
        assert problem["field"] == "file"
        assert problem["detail"] == hostile.message
        assert_nothing_kept(evidence_dir)
        return
    assert hostile.expected == STORED_AS_DOWNLOAD
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == hostile.stored_type
    evidence = Evidence.objects.get()
    assert_kept_outside_the_web_root(evidence, hostile, evidence_dir)
    download = client.get(f"{url}/{evidence.public_id}/download", **auth)
    assert_only_a_download(client, download, evidence, hostile, **auth)


# -- the corpus itself ----------------------------------------------------------------------------


def test_the_corpus_has_at_least_200_files_of_every_kind_the_issue_names():
    categories = {h.category for h in CORPUS}
    assert len(CORPUS) >= 200
    assert {
        "wrong extension",
        "polyglot",
        "size",
        "zip bomb or hostile zip",
        "html or svg with script",
        "encrypted pdf",
        "pdf with active content",
        "macros and ole2",
        "email",
        "hostile name",
        "mime type lie",
    } <= categories
    assert {h.expected for h in CORPUS} == {REFUSED, STORED_AS_DOWNLOAD, UNREADABLE}
    assert all(h.message for h in CORPUS if h.expected == REFUSED)
    assert all(h.stored_type in KINDS for h in CORPUS if h.expected == STORED_AS_DOWNLOAD)


# -- the real limit: 20MB and one byte ---------------------------------------------------------


def test_a_file_of_20mb_and_one_byte_is_refused_against_the_default_limit(
    client, family, evidence_dir, settings
):
    settings.SENDROUTE_EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
    parent, case = family
    sign_in_as(client, parent)
    big = Hostile(
        "20MB and one byte",
        "size",
        "letter.pdf",
        b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024 + 1 - 9),
        REFUSED,
        message="The selected file must be smaller than 20MB",
    )
    assert len(big.content) == 20 * 1024 * 1024 + 1
    url = reverse("cases:evidence_new", kwargs={"case_id": case.public_id})
    response = client.post(url, multipart(big, title=""), content_type=CONTENT_TYPE)
    assert response.status_code == 400
    assert big.message in response.content.decode()
    assert_nothing_kept(evidence_dir)


def test_a_file_of_20mb_and_one_byte_is_refused_by_the_api_against_the_default_limit(
    client, family, evidence_dir, settings
):
    from sendroute.accounts.services import token_create

    settings.SENDROUTE_EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
    parent, case = family
    token, _ = token_create(user=parent)
    big = Hostile(
        "20MB and one byte",
        "size",
        "letter.pdf",
        b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024 + 1 - 9),
        REFUSED,
        message="The selected file must be smaller than 20MB",
    )
    response = client.post(
        f"/api/v1/cases/{case.public_id}/evidence",
        multipart(big),
        content_type=CONTENT_TYPE,
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    assert response.json()["detail"] == big.message
    assert_nothing_kept(evidence_dir)
