"""Evidence files as PDF pages for a bundle. PDFs go in as they are; images, Word documents
(.docx) and saved emails (.eml) are rendered to PDF here, offline: nothing is fetched from the
internet while rendering. Files that cannot be added (Word 97-2003, Outlook messages, damaged or
password-protected PDFs, missing or changed files) come back with a note saying why, so that the
bundle's index can list them: nothing is ever dropped silently."""

from __future__ import annotations

import base64
import email
import email.policy
import io
import logging
import re
from dataclasses import dataclass
from email.message import EmailMessage
from html import escape
from html.parser import HTMLParser

import mammoth
from PIL import Image
from pypdf import PdfReader

from sendroute.cases.evidence_store import (
    DOC,
    DOCX,
    EML,
    JPEG,
    MSG,
    PDF,
    PNG,
    EvidenceUnavailableError,
    evidence_open,
)
from sendroute.cases.models import Evidence
from sendroute.documents.pdf import html_to_pdf

log = logging.getLogger(__name__)

WORD_NOTE = "Converted from Word: the layout may differ from the original."
EMAIL_NOTE = "Converted from a saved email."
OLD_FORMAT_NOTE = (
    "This Word 97-2003 document (or Outlook message) could not be added: open it and save it "
    "as PDF, then add it again."
)
PROTECTED_NOTE = (
    "This PDF is password protected, so it could not be added: save a copy without a password "
    "and add it again."
)
DAMAGED_NOTE = "This file is damaged, so it could not be added: save it again and add it again."
UNAVAILABLE_NOTE = (
    "This file could not be added: it is missing or has changed since it was uploaded. "
    "Add it again."
)
UNKNOWN_NOTE = "This kind of file could not be added: save it as PDF and add it again."

# Big images are scaled down before they go in: a phone photo needs no more for an A4 page.
IMAGE_MAX_SIDE = 2000


@dataclass
class Converted:
    """One evidence file as PDF: ``reader`` is None when it could not be added (``note`` says
    why); otherwise ``note`` is any remark for the index (such as "Converted from Word")."""

    evidence: Evidence
    reader: PdfReader | None
    note: str = ""

    @property
    def pages(self) -> int:
        return len(self.reader.pages) if self.reader is not None else 0

    @property
    def included(self) -> bool:
        return self.reader is not None


def evidence_to_pdf(evidence: Evidence) -> Converted:
    """The evidence file as a PDF, or a note saying why it could not be added."""
    kind = evidence.content_type
    if kind in (DOC.content_type, MSG.content_type):
        return Converted(evidence, None, OLD_FORMAT_NOTE)
    if kind not in (PDF.content_type, DOCX.content_type, EML.content_type) and kind not in (
        JPEG.content_type,
        PNG.content_type,
    ):
        return Converted(evidence, None, UNKNOWN_NOTE)
    try:
        with evidence_open(evidence) as f:
            data = f.read()
    except EvidenceUnavailableError:
        return Converted(evidence, None, UNAVAILABLE_NOTE)
    try:
        if kind == PDF.content_type:
            return _pdf(evidence, data)
        if kind in (JPEG.content_type, PNG.content_type):
            return Converted(evidence, _read(_image_pdf(evidence, data)))
        if kind == DOCX.content_type:
            return Converted(evidence, _read(_docx_pdf(evidence, data)), WORD_NOTE)
        return Converted(evidence, _read(_email_pdf(evidence, data)), EMAIL_NOTE)
    except Exception:  # a damaged file: many libraries, many kinds of error
        log.warning("Evidence could not be converted for a bundle: %s", evidence.public_id)
        return Converted(evidence, None, DAMAGED_NOTE)


def _read(pdf: bytes) -> PdfReader:
    reader = PdfReader(io.BytesIO(pdf))
    if len(reader.pages) == 0:
        raise ValueError("no pages")
    return reader


def _pdf(evidence: Evidence, data: bytes) -> Converted:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return Converted(evidence, None, PROTECTED_NOTE)
        count = len(reader.pages)
        for page in reader.pages:  # touch each page, so damage shows now, not while merging
            page.mediabox  # noqa: B018
    except Exception:
        return Converted(evidence, None, DAMAGED_NOTE)
    if count == 0:
        return Converted(evidence, None, DAMAGED_NOTE)
    return Converted(evidence, reader)


# -- rendering ----------------------------------------------------------------------------------

_PAGE_CSS = """
@page { size: A4; margin: 20mm 20mm 25mm 20mm; }
body { font-family: sans-serif; font-size: 11pt; line-height: 1.4; }
h1 { font-size: 14pt; }
dl { margin: 0 0 1em 0; } dt { font-weight: bold; float: left; width: 5em; } dd { margin-left: 5em; }
.body { white-space: pre-wrap; overflow-wrap: anywhere; }
img.evidence { display: block; max-width: 100%; max-height: 240mm; margin: 0 auto; }
table { border-collapse: collapse; } td, th { border: 1px solid #999; padding: 2pt 4pt; }
"""


def _document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_PAGE_CSS}</style></head>"
        f"<body>{body}</body></html>"
    )


def _image_pdf(evidence: Evidence, data: bytes) -> bytes:
    """The image on an A4 page, scaled to fit, with the evidence title as its text alternative.
    It is decoded and saved again as PNG first, so only pixels go into the PDF."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        picture = image.convert("RGB") if image.mode not in ("RGB", "L") else image.copy()
    picture.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=False)
    src = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
    body = f'<img class="evidence" src="{src}" alt="{escape(evidence.title)}">'
    return html_to_pdf(_document(evidence.title, body))


_NOT_DATA_SRC = re.compile(
    r"""<img\b[^>]*\bsrc\s*=\s*(["']?)(?!data:)[^"'\s>]*\1[^>]*>""", re.IGNORECASE
)


def offline_html(fragment: str) -> str:
    """HTML with nothing that would be fetched: images must be inline (data:) ones."""
    fragment = _NOT_DATA_SRC.sub("", fragment)
    return re.sub(r"<(link|script|style|iframe|object|embed)\b[^>]*>", "", fragment, flags=re.I)


def _docx_pdf(evidence: Evidence, data: bytes) -> bytes:
    result = mammoth.convert_to_html(io.BytesIO(data))
    return html_to_pdf(_document(evidence.title, offline_html(str(result.value))))


class _Text(HTMLParser):
    """The text of an HTML email, for showing as plain text (no markup, nothing fetched)."""

    BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)

    def text(self) -> str:
        return re.sub(r"\n{3,}", "\n\n", "".join(self.parts)).strip()


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.text()


def _email_pdf(evidence: Evidence, data: bytes) -> bytes:
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(message, EmailMessage):
        raise TypeError("not an email")
    headers = "".join(
        f"<dt>{name}</dt><dd>{escape(str(message.get(name, '') or ''))}</dd>"
        for name in ("From", "To", "Cc", "Date", "Subject")
        if message.get(name)
    )
    part = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if part is not None:
        content = str(part.get_content())
        text = html_text(content) if part.get_content_type() == "text/html" else content
    attachments = [a.get_filename() or "an unnamed attachment" for a in message.iter_attachments()]
    listed = ""
    if attachments:
        items = "".join(f"<li>{escape(str(n))}</li>" for n in attachments)
        listed = f"<h2>Attachments (not included here)</h2><ul>{items}</ul>"
    body = (
        f"<h1>{escape(evidence.title)}</h1><dl>{headers}</dl>"
        f'<div class="body">{escape(text.strip()) or "(This email has no text.)"}</div>{listed}'
    )
    return html_to_pdf(_document(evidence.title, body))
