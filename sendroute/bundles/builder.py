"""Making a bundle's PDF: the evidence of a case (or of one concern) in date order, each file
converted to PDF, behind a cover, an index that gives the page where each document starts, and a
chronology from the timeline; then every page is numbered "Page N of M".

The front matter's own length moves every start page, so it is rendered, counted and rendered
again until its page count stays the same (usually twice)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from io import BytesIO
from typing import BinaryIO

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
)

from sendroute.cases.models import Case, Concern, Evidence
from sendroute.cases.timeline import TimelineItem, case_timeline
from sendroute.documents.pdf import html_to_pdf

from .convert import Converted, evidence_to_pdf

NOTHING_MESSAGE = "There is nothing to put in a bundle yet: add notes, letters or files first"
FRONT_MATTER_TRIES = 5

Progress = Callable[[int, str], None]


class NothingToBundleError(Exception):
    """The case (or concern) has no timeline and no files: there is nothing to bundle."""

    def __init__(self) -> None:
        super().__init__(NOTHING_MESSAGE)


@dataclass(frozen=True)
class IndexEntry:
    number: int
    title: str
    date_text: str
    start_page: int | None  # None when the file could not be added
    pages: int
    note: str


@dataclass
class BuiltBundle:
    pages: int
    front_pages: int
    entries: list[IndexEntry] = field(default_factory=list)

    @property
    def problems(self) -> list[dict[str, str]]:
        return [{"title": e.title, "note": e.note} for e in self.entries if e.start_page is None]


def date_text(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def bundle_evidence(case: Case, concern: Concern | None) -> list[Evidence]:
    """The files that go in, oldest document first (files with no date by when they were
    added)."""
    files = Evidence.objects.filter(case=case)
    if concern is not None:
        files = files.filter(concern=concern) | files.filter(entry__concern=concern)
    return sorted(
        files.distinct(),
        key=lambda e: (e.document_date or e.uploaded_at.date(), e.uploaded_at, e.pk),
    )


def bundle_timeline(case: Case, concern: Concern | None) -> list[TimelineItem]:
    items = case_timeline(case)
    if concern is None:
        return items
    return [i for i in items if i.concern is not None and i.concern.pk == concern.pk]


def bundle_has_content(case: Case, concern: Concern | None) -> bool:
    return bool(bundle_evidence(case, concern) or bundle_timeline(case, concern))


def bundle_pdf(
    case: Case,
    concern: Concern | None,
    out: BinaryIO,
    *,
    prepared_on: dt.date,
    progress: Progress | None = None,
) -> BuiltBundle:
    """Write the bundle's PDF to ``out``. NothingToBundleError if there is nothing to put in."""
    report = progress or (lambda percent, step: None)
    files = bundle_evidence(case, concern)
    timeline = bundle_timeline(case, concern)
    if not files and not timeline:
        raise NothingToBundleError

    converted: list[Converted] = []
    for number, evidence in enumerate(files, start=1):
        report(
            5 + 75 * (number - 1) // max(len(files), 1), f"Adding document {number} of {len(files)}"
        )
        converted.append(evidence_to_pdf(evidence))

    report(82, "Writing the index and chronology")
    front_pages = 1
    for _ in range(FRONT_MATTER_TRIES):
        entries = _entries(converted, front_pages)
        front = PdfReader(
            BytesIO(html_to_pdf(_front_matter(case, concern, prepared_on, entries, timeline)))
        )
        if len(front.pages) == front_pages:
            break
        front_pages = len(front.pages)
    else:  # pragma: no cover - the length settles within two or three tries
        raise RuntimeError("The index's length did not settle")

    report(88, "Putting the documents together")
    writer = PdfWriter()
    writer.append(front)
    writer.add_outline_item(title="Cover, index and chronology", page_number=0)
    for item, entry in zip(converted, entries, strict=True):
        if item.reader is not None and entry.start_page is not None:
            writer.append(item.reader, import_outline=False)
            writer.add_outline_item(
                title=f"{entry.number}. {entry.title}", page_number=entry.start_page - 1
            )

    report(94, "Numbering the pages")
    total = len(writer.pages)
    stamper = _Stamper(writer)
    for index, page in enumerate(writer.pages, start=1):
        stamper.stamp(page, f"Page {index} of {total}")
    writer.add_metadata({"/Title": _bundle_title(case, concern)})
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    writer.write(out)
    return BuiltBundle(pages=total, front_pages=front_pages, entries=entries)


def _entries(converted: list[Converted], front_pages: int) -> list[IndexEntry]:
    entries = []
    next_page = front_pages + 1
    for number, item in enumerate(converted, start=1):
        evidence = item.evidence
        when = (
            date_text(evidence.document_date)
            if evidence.document_date
            else f"No date (added {date_text(evidence.uploaded_at.date())})"
        )
        start = next_page if item.included else None
        entries.append(IndexEntry(number, evidence.title, when, start, item.pages, item.note))
        next_page += item.pages
    return entries


def _bundle_title(case: Case, concern: Concern | None) -> str:
    return f"Bundle: {case.title}" + (f" – {concern.title}" if concern else "")


_FRONT_CSS = """
@page { size: A4; margin: 20mm 20mm 25mm 20mm; }
body { font-family: sans-serif; font-size: 11pt; line-height: 1.4; color: #0b0c0c; }
h1 { font-size: 24pt; margin: 40mm 0 10mm 0; } h2 { font-size: 16pt; }
section + section { break-before: page; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #b1b4b6; padding: 3pt 4pt; }
th { border-bottom: 2px solid #0b0c0c; }
td.num { width: 2.5em; } td.page { width: 6em; } td.date { width: 9em; }
.note { font-size: 10pt; color: #3f3f3f; }
a.chronology::after { content: target-counter(attr(href), page); }
"""


def _front_matter(
    case: Case,
    concern: Concern | None,
    prepared_on: dt.date,
    entries: list[IndexEntry],
    timeline: list[TimelineItem],
) -> str:
    who = f"the family of {case.child_name}" if case.child_name else "the family"
    cover = (
        f"<section><h1>{escape(_bundle_title(case, concern))}</h1>"
        f"<p>Case: {escape(case.title)}</p>"
        f"<p>{'Concern: ' + escape(concern.title) if concern else 'The whole case'}</p>"
        f"<p>Prepared on {date_text(prepared_on)}</p>"
        f"<p>Prepared by {escape(who)}</p></section>"
    )
    rows = [
        '<tr><td class="num"></td><td>Chronology</td><td class="date"></td>'
        '<td class="page">Page <a class="chronology" href="#chronology"></a></td></tr>'
    ]
    for e in entries:
        page = f"Page {e.start_page}" if e.start_page is not None else "Not included"
        note = f'<br><span class="note">{escape(e.note)}</span>' if e.note else ""
        rows.append(
            f'<tr><td class="num">{e.number}</td><td>{escape(e.title)}{note}</td>'
            f'<td class="date">{escape(e.date_text)}</td><td class="page">{page}</td></tr>'
        )
    index = (
        "<section><h2>Index</h2><table><thead><tr><th>No.</th><th>Document</th>"
        f"<th>Date</th><th>Starts on</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "</section>"
    )
    if timeline:
        lines = "".join(
            f'<tr><td class="date">{date_text(i.date)}</td><td>{escape(i.title)}'
            + (
                f'<br><span class="note">{escape(i.concern.title)}</span>'
                if concern is None and i.concern
                else ""
            )
            + "</td></tr>"
            for i in timeline
        )
        chronology = (
            f"<table><thead><tr><th>Date</th><th>What happened</th></tr></thead>"
            f"<tbody>{lines}</tbody></table>"
        )
    else:
        chronology = "<p>Nothing has been recorded in the timeline yet.</p>"
    chronology = f'<section><h2 id="chronology">Chronology</h2>{chronology}</section>'
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{escape(_bundle_title(case, concern))}</title><style>{_FRONT_CSS}</style>"
        f"</head><body>{cover}{index}{chronology}</body></html>"
    )


class _Stamper:
    """Writes "Page N of M" centred at the foot of each page, on a white box, marked as an
    artifact (page numbers are not part of a document's content for screen readers).

    The page's own content is left unparsed: it is wrapped in q/Q (so any graphics state it
    leaves behind cannot move the number) and the number is drawn after it. Parsing and
    rewriting every page's content, as pypdf's merge_page does, is 10 times slower."""

    SIZE = 9

    def __init__(self, writer: PdfWriter) -> None:
        self.writer = writer
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
        self.font = writer._add_object(font)  # pypdf has no public way to add an object
        self.save = self._stream(b"q\n")

    def _stream(self, data: bytes) -> IndirectObject:
        stream = DecodedStreamObject()
        stream.set_data(data)
        return self.writer._add_object(stream)

    def stamp(self, page: PageObject, text: str) -> None:
        if page.rotation % 360:
            page.transfer_rotation_to_content()  # rare: parses the page's content
        box = page.mediabox
        left, bottom, width = float(box.left), float(box.bottom), float(box.width)
        text_width = len(text) * self.SIZE * 0.5
        x, y = left + (width - text_width) / 2, bottom + 12
        draw = (
            f"Q /Artifact BMC q 1 g {x - 4:.2f} {y - 3:.2f} {text_width + 8:.2f} "
            f"{self.SIZE + 5} re f 0 g BT /SRPageNo {self.SIZE} Tf {x:.2f} {y:.2f} Td "
            f"({text}) Tj ET Q EMC\n"
        )
        contents = page.get("/Contents")
        parts = ArrayObject([self.save])
        if contents is not None:
            resolved = contents.get_object()
            if isinstance(resolved, ArrayObject):
                parts.extend(resolved)
            else:
                parts.append(contents)
        parts.append(self._stream(draw.encode("ascii")))
        page[NameObject("/Contents")] = parts
        found = page.get("/Resources")
        resources = found.get_object() if found is not None else None
        if not isinstance(resources, DictionaryObject):
            # Resources may be inherited from the page tree: copy them onto the page.
            resources = DictionaryObject(_inherited(page, "/Resources") or {})
            page[NameObject("/Resources")] = resources
        found = resources.get("/Font")
        fonts = found.get_object() if found is not None else None
        if not isinstance(fonts, DictionaryObject):
            fonts = DictionaryObject()
            resources[NameObject("/Font")] = fonts
        fonts[NameObject("/SRPageNo")] = self.font


def _inherited(page: PageObject, key: str) -> DictionaryObject | None:
    node = page.get("/Parent")
    for _ in range(64):  # a page tree is never this deep; a loop in a damaged file stops here
        if node is None:
            return None
        parent = node.get_object()
        if not isinstance(parent, DictionaryObject):
            return None
        value = parent.get(key)
        if value is not None:
            found = value.get_object()
            return found if isinstance(found, DictionaryObject) else None
        node = parent.get("/Parent")
    return None
