"""A letter written out three ways from one structured letter (compose.Document): DOCX, an
accessible PDF (tagged, with its language and title), and plain text for an email."""

from __future__ import annotations

from django.template.loader import render_to_string

from sendroute.documents.docx import text_to_docx
from sendroute.documents.pdf import html_to_pdf

from .compose import Document

ENCLOSED = "Enclosed"


def as_text(doc: Document) -> str:
    parts = [f"To: {doc.to_name}", doc.date, "", *[p + "\n" for p in doc.paragraphs]]
    if doc.enclosures:
        parts += [f"{ENCLOSED}:", *[f"- {e}" for e in doc.enclosures], ""]
    return "\n".join(parts).rstrip() + "\n"


def as_docx(doc: Document) -> bytes:
    return text_to_docx(
        title=doc.title,
        lang=doc.lang,
        heading_lines=[f"To: {doc.to_name}", doc.date],
        paragraphs=doc.paragraphs,
        list_heading=ENCLOSED,
        list_items=doc.enclosures,
    )


def as_html(doc: Document) -> str:
    return render_to_string(
        "letters/letter_print.html",
        {"doc": doc, "paragraphs": [p.split("\n") for p in doc.paragraphs], "enclosed": ENCLOSED},
    )


def as_pdf(doc: Document) -> bytes:
    return html_to_pdf(as_html(doc))


FORMATS = {
    "txt": ("text/plain; charset=utf-8", "txt"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "pdf": ("application/pdf", "pdf"),
}


def build(doc: Document, fmt: str) -> bytes:
    """The whole file, made before anything is sent: nothing half-made is offered."""
    if fmt == "txt":
        return as_text(doc).encode("utf-8")
    if fmt == "docx":
        return as_docx(doc)
    if fmt == "pdf":
        return as_pdf(doc)
    raise ValueError(f"Choose a format: {', '.join(FORMATS)}.")
