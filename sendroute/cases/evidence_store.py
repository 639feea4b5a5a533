"""Evidence files: which files are accepted (decided by their content, never by their name or
what the browser says), saving them outside the web root under names the server makes with a
SHA-256 checksum, opening them again only while the checksum still matches, and deleting them.

Accepted: PDF, Word (.docx, and .doc from Word 97-2003), JPG and PNG images, and saved emails
(.eml text, and Outlook .msg). Everything else is refused, HTML, SVG, scripts and programs
included. Word files with macros and password-protected Word files are refused too, and so are
PDFs that run something when they are opened (JavaScript, launching a program, Flash, XFA forms)
or carry other files, and PDFs that need a password to open. Genuine letters and reports almost
never contain scripts; a filled-in form that does can be printed to a new PDF, which drops them,
and that is what the message says. Scripts kept would also travel on inside the bundles sent to
councils and tribunals.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import mmap
import os
import re
import secrets
import tempfile
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any, BinaryIO

import olefile
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sendroute.accounts.models import User

from . import advice as case_advice
from .audit import Action, audit_record
from .models import Case, Concern, Entry, Evidence
from .services import CaseError, check_text

log = logging.getLogger(__name__)

TYPE_MESSAGE = "The selected file must be a PDF, Word document, image (JPG or PNG) or saved email"
EMPTY_MESSAGE = "The selected file is empty"
CHOOSE_MESSAGE = "Select a file"
PROTECTED_MESSAGE = "The selected file is password protected"
MACROS_MESSAGE = "The selected Word document contains macros. Save it as a Word document without macros (.docx) and try again"
PDF_PROTECTED_MESSAGE = (
    "The selected PDF is password protected. Save a copy without a password and try again"
)
PDF_SCRIPT_MESSAGE = (
    "The selected PDF contains a script or a program that could run when it is opened. "
    "Print it to a new PDF (choose ‘Save as PDF’ or ‘Microsoft Print to PDF’ as the printer) "
    "and try again"
)
PDF_ATTACHED_MESSAGE = (
    "The selected PDF has other files attached inside it. Print it to a new PDF (choose ‘Save "
    "as PDF’ or ‘Microsoft Print to PDF’ as the printer), add the attached files on their own, "
    "and try again"
)
PDF_UNCHECKED_MESSAGE = (
    "The selected PDF is damaged, so it could not be checked. Print it to a new PDF (choose "
    "‘Save as PDF’ or ‘Microsoft Print to PDF’ as the printer) and try again"
)

TITLE_MAX = 200
NAME_MAX = 255
CHUNK = 64 * 1024
HEAD_BYTES = 8 * 1024
# A .docx is a zip: refuse zip bombs by what the zip says it unpacks to, before unpacking any.
DOCX_MAX_ENTRIES = 2000
DOCX_MAX_UNPACKED = 200 * 1024 * 1024
DOCX_MAX_RATIO = 100  # for any part over 1MB unpacked
DOCX_CONTENT_TYPES_MAX = 1024 * 1024
# A saved email's headers must come within this many bytes of the start.
EMAIL_HEAD_MAX = 64 * 1024
# PDF names that make a PDF run something when it is opened (or carry other files): such PDFs
# are refused. (A PDF "encrypted" only to stop printing or copying opens without a password and
# is checked the same way; one that needs a password to open cannot be checked, and is refused.)
PDF_SCRIPT_NAMES = frozenset({b"JS", b"JavaScript", b"Launch", b"RichMedia", b"XFA"})
PDF_ATTACHED_NAMES = frozenset({b"EmbeddedFile", b"EmbeddedFiles"})
# An object stream (where PDF 1.5+ keeps dictionaries, compressed) may unpack to at most this.
PDF_OBJECT_STREAM_MAX = 16 * 1024 * 1024
# Names Windows keeps for devices: never offered as a download name.
WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)


@dataclass(frozen=True)
class Kind:
    """A kind of file that is accepted: its content type, the extension it is stored with (and
    that downloads get), the other extensions that mean the same, and a name for people."""

    content_type: str
    extension: str
    label: str
    also: tuple[str, ...] = ()


PDF = Kind("application/pdf", ".pdf", "PDF")
DOCX = Kind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docx",
    "Word document",
)
DOC = Kind("application/msword", ".doc", "Word document")
JPEG = Kind("image/jpeg", ".jpg", "JPG image", (".jpeg",))
PNG = Kind("image/png", ".png", "PNG image")
EML = Kind("message/rfc822", ".eml", "Saved email")
MSG = Kind("application/vnd.ms-outlook", ".msg", "Outlook email")
KINDS = {k.content_type: k for k in (PDF, DOCX, DOC, JPEG, PNG, EML, MSG)}


class EvidenceUnavailableError(Exception):
    """The stored file is missing, or is no longer the file that was uploaded (its checksum or
    size differs). Nothing is sent."""

    def __init__(self, evidence: Evidence, reason: str) -> None:
        super().__init__(f"evidence {evidence.public_id} is {reason}")
        self.reason = reason  # "missing" or "changed"


EvidenceUnavailable = EvidenceUnavailableError  # the earlier name, still used by export.py


# -- the folder ---------------------------------------------------------------------------------


def evidence_dir() -> Path:
    folder = Path(settings.SENDROUTE_EVIDENCE_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def evidence_path(evidence: Evidence) -> Path:
    return evidence_dir() / Path(evidence.stored_name).name


def evidence_files_delete(stored_names: Iterable[str]) -> None:
    """Remove stored files (after the rows that named them are gone). Missing files are fine."""
    folder = evidence_dir()
    for name in stored_names:
        (folder / Path(name).name).unlink(missing_ok=True)


def evidence_strays_delete(stored_names: Iterable[str]) -> None:
    """Remove those of these files that no row names: call it when a transaction around
    ``evidence_save`` rolled back after the file was stored, so that no stray file is left."""
    names = [Path(n).name for n in stored_names]
    kept = set(Evidence.objects.filter(stored_name__in=names).values_list("stored_name", flat=True))
    evidence_files_delete(n for n in names if n not in kept)


def evidence_orphans_delete(*, older_than_seconds: int = 3600) -> list[str]:
    """Remove files in the folder that no row names (left by a process that stopped between
    storing a file and saving its row) once they are older than an upload could take. Returns
    the names removed. For a scheduled clean-up."""
    folder = evidence_dir()
    cutoff = time.time() - older_than_seconds
    on_disk = {p.name: p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < cutoff}
    known = set(
        Evidence.objects.filter(stored_name__in=list(on_disk)).values_list("stored_name", flat=True)
    )
    removed = sorted(name for name in on_disk if name not in known)
    evidence_files_delete(removed)
    return removed


# -- names and sizes ----------------------------------------------------------------------------


def display_name(raw: str | None) -> str:
    """The name a file was uploaded with, safe to show and to offer as a download name: no
    folders, no control or invisible formatting characters (such as right-to-left overrides),
    at most 255 characters, keeping its extension."""
    name = re.split(r"[\\/]", raw or "")[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10 and stem:
            name = f"{stem[: NAME_MAX - len(ext) - 1]}.{ext}"
        else:
            name = name[:NAME_MAX]
    return name or "file"


def evidence_download_name(evidence: Evidence) -> str:
    """The original name, with the extension of what the file really is when that differs
    (a PDF uploaded as 'letter.docx' downloads as 'letter.pdf')."""
    kind = KINDS.get(evidence.content_type)
    name = display_name(evidence.original_name)
    if kind is None:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and f".{ext.lower()}" in (kind.extension, *kind.also):
        return _not_reserved(name)
    base = stem if dot and stem else name
    return _not_reserved(f"{base[: NAME_MAX - len(kind.extension)]}{kind.extension}")


def _not_reserved(name: str) -> str:
    """A name Windows would take for a device (CON.pdf, nul.docx, COM1.jpg) gets a prefix, and
    double quotes (which end a quoted name in a header) become single ones."""
    name = name.replace('"', "'")
    if name.split(".")[0].strip().upper() in WINDOWS_RESERVED:
        return f"file-{name}"[:NAME_MAX]
    return name


def size_text(size: int) -> str:
    """A size limit as GOV.UK writes it: 20MB, 500KB."""
    mb, kb = 1024 * 1024, 1024
    if size >= mb and size % mb == 0:
        return f"{size // mb}MB"
    if size >= kb and size % kb == 0:
        return f"{size // kb}KB"
    return f"{size} bytes"


def max_bytes() -> int:
    return int(settings.SENDROUTE_EVIDENCE_MAX_BYTES)


def too_large_message() -> str:
    return f"The selected file must be smaller than {size_text(max_bytes())}"


# -- what a file is -----------------------------------------------------------------------------


def _refuse(message: str = TYPE_MESSAGE) -> CaseError:
    return CaseError(message, "file")


def file_kind(path: Path) -> Kind:
    """What the file at ``path`` is, from its content; CaseError (field "file") if it is not
    one of the accepted kinds."""
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    if not head:
        raise _refuse(EMPTY_MESSAGE)
    if re.match(rb"%PDF-[12]\.\d", head):
        _pdf_check(path)
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return PNG
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    if head.startswith(olefile.MAGIC):
        return _ole_kind(path)
    if _is_email(path, head):
        return EML
    raise _refuse()


# PDF name tokens (/Name, with #xx escapes), and the keyword that starts a stream's data.
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_KEY_NAME = re.compile(
    rb"/(JS|JavaScript|Launch|RichMedia|XFA|EmbeddedFiles?|Encrypt|ObjStm)"
    rb"(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"
)
_PDF_ESCAPED_NAME = re.compile(
    rb"/[^\x00\t\n\x0c\r ()<>\[\]{}/%#]*#[^\x00\t\n\x0c\r ()<>\[\]{}/%]*"
)
_PDF_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")  # not "endstream": checked as found
_PDF_OTHER_FILTERS = frozenset(
    {b"ASCIIHexDecode", b"AHx", b"ASCII85Decode", b"A85", b"LZWDecode", b"LZW"}
    | {b"RunLengthDecode", b"RL", b"Crypt", b"CCITTFaxDecode", b"DCTDecode", b"JBIG2Decode"}
    | {b"JPXDecode"}
)


def _pdf_all_names(data: bytes | mmap.mmap) -> set[bytes]:
    """Every name in ``data``, with #xx escapes undone (/J#53 is /JS)."""
    return {
        _PDF_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), m.group(1))
        for m in _PDF_NAME.finditer(data)
    }


def _pdf_names(data: bytes | mmap.mmap) -> set[bytes]:
    """The names in ``data`` that matter here, found quickly in a large file: those written
    plainly, and every name written with #xx escapes (rare), undone."""
    names = {m.group(1) for m in _PDF_KEY_NAME.finditer(data)}
    names.update(_pdf_all_names(b" ".join(m.group(0) for m in _PDF_ESCAPED_NAME.finditer(data))))
    return names


def _pdf_refuse_names(names: set[bytes]) -> None:
    if names & PDF_SCRIPT_NAMES:
        raise _refuse(PDF_SCRIPT_MESSAGE)
    if names & PDF_ATTACHED_NAMES:
        raise _refuse(PDF_ATTACHED_MESSAGE)


def _pdf_check(path: Path) -> None:
    """Refuse a PDF that runs something when opened (JavaScript, launching a program, Flash,
    XFA forms) or carries other files, looking at its dictionaries wherever they are: in the
    file itself and in its compressed object streams. A PDF that needs a password to open is
    refused: it cannot be checked, and nobody else could read it."""
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        names = _pdf_names(data)
        _pdf_refuse_names(names)
        if b"Encrypt" in names and _pdf_check_encrypted(path):
            return
        for found in _PDF_STREAM.finditer(data):
            if data[max(found.start() - 3, 0) : found.start()] == b"end":
                continue
            begins = data.rfind(b"obj", 0, found.start())
            header = data[max(begins, 0) : found.start()]
            if b"ObjStm" not in header and b"#" not in header:
                continue
            header_names = _pdf_all_names(header)
            if b"ObjStm" not in header_names:
                continue  # page content, pictures, fonts: no dictionaries in them
            ends = data.find(b"endstream", found.end())
            packed = data[found.end() : ends if ends >= 0 else len(data)]
            if header_names & _PDF_OTHER_FILTERS:
                raise _refuse(PDF_UNCHECKED_MESSAGE)  # no real PDF packs its objects so
            if b"Filter" in header_names:
                inflate = zlib.decompressobj()
                try:
                    unpacked = inflate.decompress(packed, PDF_OBJECT_STREAM_MAX)
                except zlib.error:
                    raise _refuse(PDF_UNCHECKED_MESSAGE) from None
                if not inflate.eof or inflate.unconsumed_tail:
                    raise _refuse(PDF_UNCHECKED_MESSAGE)  # cut short, or unpacks to too much
            else:
                unpacked = packed
            _pdf_refuse_names(_pdf_names(unpacked))
        if b"ObjStm" in names:
            _pdf_check_object_streams(path)


def _pdf_object_stream_names(reader: Any) -> set[bytes]:
    """The names in the object streams of a PDF read by pypdf, found through its cross-reference
    table (whatever the dictionaries around them say), each stream unpacked (and decrypted) once."""
    names: set[bytes] = set()
    for number in sorted({at[0] for at in reader.xref_objStm.values()}):
        names |= _pdf_names(reader.get_object(number).get_data())
    return names


def _pdf_check_object_streams(path: Path) -> None:
    """The dictionaries in a PDF's object streams, as a PDF reader finds them (through the
    cross-reference table, whatever the dictionaries around them say)."""
    from pypdf import PdfReader

    try:
        names = _pdf_object_stream_names(PdfReader(str(path), strict=False))
    except Exception:  # pypdf raises many kinds of error on a damaged or hostile file
        raise _refuse(PDF_UNCHECKED_MESSAGE) from None
    _pdf_refuse_names(names)


def _pdf_check_encrypted(path: Path) -> bool:
    """An encrypted PDF: refused if it needs a password to open; if it opens without one (it is
    only locked against printing or copying), the dictionaries in its object streams are
    checked once decrypted. False if the PDF is not encrypted after all. A PDF encrypted with
    AES cannot be decrypted here (no AES library is installed, so the bundle cannot add it
    either): only its dictionaries outside object streams, never encrypted, are checked."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    try:
        try:
            reader = PdfReader(str(path), strict=False)  # tries the empty password itself
            if not reader.is_encrypted:
                return False
            opened = reader.decrypt("")
        except DependencyError:
            return True  # AES
        if not opened:
            raise _refuse(PDF_PROTECTED_MESSAGE)
        names = _pdf_object_stream_names(reader)
    except CaseError:
        raise
    except Exception:  # pypdf raises many kinds of error on a damaged or hostile file
        raise _refuse(PDF_UNCHECKED_MESSAGE) from None
    _pdf_refuse_names(names)
    return True


def _zip_kind(path: Path) -> Kind:
    """A .docx: a zip holding [Content_Types].xml that declares a Word document, and
    word/document.xml. Zip bombs, encrypted zips and macro-enabled documents are refused."""
    try:
        with zipfile.ZipFile(path) as package:
            parts = package.infolist()
            if not parts or len(parts) > DOCX_MAX_ENTRIES:
                raise _refuse()
            names = {p.filename for p in parts}
            if any(_unsafe_part_name(n) for n in names):
                raise _refuse()
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                raise _refuse()
            if any(p.flag_bits & 0x1 for p in parts):
                raise _refuse(PROTECTED_MESSAGE)
            if sum(p.file_size for p in parts) > DOCX_MAX_UNPACKED:
                raise _refuse()
            for part in parts:
                if part.file_size > 1024 * 1024 and part.file_size > DOCX_MAX_RATIO * max(
                    part.compress_size, 1
                ):
                    raise _refuse()
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise _refuse(MACROS_MESSAGE)
            with package.open("[Content_Types].xml") as f:
                types = f.read(DOCX_CONTENT_TYPES_MAX + 1)
            if len(types) > DOCX_CONTENT_TYPES_MAX:
                raise _refuse()
            if b"macroEnabled" in types:
                raise _refuse(MACROS_MESSAGE)
            if b"wordprocessingml.document.main+xml" not in types:
                raise _refuse()
            with package.open("word/document.xml") as f:
                document = f.read(1024)
            if b"<" not in document:
                raise _refuse()
    except CaseError:
        raise
    except Exception:  # a damaged or hostile zip: BadZipFile, zlib.error, EOFError, struct.error...
        raise _refuse() from None
    return DOCX


def _unsafe_part_name(name: str) -> bool:
    """A zip entry no Word document has, that could write outside a folder it is unpacked to:
    an absolute path, a drive, a parent folder (..), a backslash or a control character."""
    parts = name.split("/")
    return (
        name.startswith("/")
        or "\\" in name
        or ":" in name
        or ".." in parts
        or any(unicodedata.category(ch)[0] == "C" for ch in name)
    )


def _ole_kind(path: Path) -> Kind:
    """An OLE2 compound file (D0 CF 11 E0): a Word 97-2003 document has a WordDocument stream,
    an Outlook message has __properties_version1.0 and __substg1.0_ streams. Other OLE2 files
    (Excel, PowerPoint, Windows Installer packages, password-protected .docx) are refused."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            top = {entry[0].lower() for entry in ole.listdir(streams=True, storages=True)}
            if "encryptedpackage" in top:
                raise _refuse(PROTECTED_MESSAGE)
            if "worddocument" in top:
                with ole.openstream("WordDocument") as stream:
                    fib = stream.read(12)
                if len(fib) < 12 or fib[:2] != b"\xec\xa5":
                    raise _refuse()
                if int.from_bytes(fib[10:12], "little") & 0x0100:  # fEncrypted
                    raise _refuse(PROTECTED_MESSAGE)
                if "macros" in top:
                    raise _refuse(MACROS_MESSAGE)
                return DOC
            if "__properties_version1.0" in top and any(n.startswith("__substg1.0_") for n in top):
                return MSG
    except CaseError:
        raise
    except Exception:  # olefile raises many kinds of error on a damaged or hostile file
        raise _refuse() from None
    raise _refuse()


_HEADER = re.compile(rb"[!-9;-~]+:")  # an RFC 5322 field name (printable, no colon) and a colon


def _is_email(path: Path, head: bytes) -> bool:
    """A saved email (.eml): RFC 5322 header lines up to the first blank line, with a From
    header and at least one other header an email has."""
    with path.open("rb") as f:
        start = f.read(EMAIL_HEAD_MAX + 1)
    end = re.search(rb"\r?\n\r?\n", start)
    if end is not None:
        block = start[: end.start()]
    elif len(start) <= EMAIL_HEAD_MAX:
        block = start  # headers only, no body
    else:
        return False
    if b"\x00" in block:
        return False
    lines = block.splitlines()
    if lines and lines[0].startswith(b"From "):  # the mbox separator some programs save
        lines = lines[1:]
    count = 0
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not count:
                return False
            continue
        if not _HEADER.match(line):
            return False
        count += 1
    if count < 2:
        return False
    headers = BytesHeaderParser(policy=compat32).parsebytes(b"\r\n".join(lines) + b"\r\n\r\n")
    others = ("date", "subject", "to", "received", "message-id", "mime-version")
    return bool(str(headers.get("From") or "").strip()) and any(h in headers for h in others)


# -- saving, opening, deleting ------------------------------------------------------------------


def _chunks(upload: Any) -> Iterator[bytes]:
    if hasattr(upload, "chunks"):
        yield from upload.chunks(CHUNK)
        return
    while block := upload.read(CHUNK):
        yield block


def evidence_save(
    *,
    case: Case,
    actor: User,
    upload: Any,
    title: str,
    concern: Concern | None = None,
    entry: Entry | None = None,
    document_date: Any = None,
    via: str = "web",
) -> Evidence:
    """Store an uploaded file (a Django UploadedFile, or any binary file object with a name) as
    evidence of ``case``. It is streamed to a temporary file beside the others while its
    SHA-256 and size are worked out (stopping as soon as it is over the limit), its kind is
    found from its content, then it is renamed to a name the server makes and its row saved.
    If anything fails, no file is left. Raises CaseError (with the field at fault)."""
    if upload is None:
        raise _refuse(CHOOSE_MESSAGE)
    original = display_name(getattr(upload, "name", ""))
    check_text(title, "title")
    title = " ".join((title or "").split())
    if not title:  # the file's name, shortened if need be: a long name is not the person's fault
        title = original if len(original) <= TITLE_MAX else f"{original[: TITLE_MAX - 1]}…"
    if len(title) > TITLE_MAX:
        raise CaseError(f"The title must be {TITLE_MAX} characters or fewer", "title")
    if concern is not None and concern.case_id != case.pk:
        raise CaseError("Choose a concern of this case", "concern")
    if entry is not None and entry.case_id != case.pk:
        raise CaseError("Choose a note or letter of this case", "entry")
    if document_date is not None and document_date > case_advice.today():
        raise CaseError("The date on the document must be today or in the past", "document_date")
    limit = max_bytes()
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise _refuse(too_large_message())

    folder = evidence_dir()
    handle, temp_name = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")  # mode 0600
    temp = Path(temp_name)
    stored: Path | None = None
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(handle, "wb") as out:
            for block in _chunks(upload):
                size += len(block)
                if size > limit:
                    raise _refuse(too_large_message())
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise _refuse(EMPTY_MESSAGE)
        kind = file_kind(temp)
        stored = folder / f"{secrets.token_hex(16)}{kind.extension}"
        os.chmod(temp, 0o600)
        os.replace(temp, stored)
        with transaction.atomic():
            evidence = Evidence.objects.create(
                case=case,
                concern=concern,
                entry=entry,
                title=title,
                original_name=original,
                stored_name=stored.name,
                content_type=kind.content_type,
                size=size,
                sha256=digest.hexdigest(),
                document_date=document_date,
                uploaded_by=actor,
            )
            Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
            audit_record(
                actor=actor, action=Action.EVIDENCE_UPLOADED, case=case, obj=evidence, via=via
            )
    except BaseException:
        temp.unlink(missing_ok=True)
        if stored is not None:
            stored.unlink(missing_ok=True)
        raise
    return evidence


def evidence_open(evidence: Evidence) -> BinaryIO:
    """The stored file, opened for reading, once its size and SHA-256 are checked against those
    recorded at upload; EvidenceUnavailableError if it is missing or has changed. The caller closes
    it (FileResponse does)."""
    try:
        f = evidence_path(evidence).open("rb")
    except FileNotFoundError:
        log.warning("Evidence file missing: %s", evidence.public_id)
        raise EvidenceUnavailableError(evidence, "missing") from None
    try:
        digest = hashlib.sha256()
        size = 0
        while block := f.read(CHUNK):
            size += len(block)
            digest.update(block)
        if size != evidence.size or not hmac.compare_digest(digest.hexdigest(), evidence.sha256):
            log.warning("Evidence file changed since upload: %s", evidence.public_id)
            raise EvidenceUnavailableError(evidence, "changed")
        f.seek(0)
    except BaseException:
        f.close()
        raise
    return f


def evidence_delete(evidence: Evidence, actor: User, *, via: str = "web") -> None:
    """Delete a file of a case: its row now, the stored file once that is committed."""
    case = evidence.case
    name = evidence.stored_name
    with transaction.atomic():
        # Sent twice at once: the second finds it gone and does nothing (one audit row).
        if not Evidence.objects.select_for_update().filter(pk=evidence.pk).exists():
            return
        audit_record(actor=actor, action=Action.EVIDENCE_DELETED, case=case, obj=evidence, via=via)
        evidence.delete()
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
        transaction.on_commit(lambda: evidence_files_delete([name]))
