"""Word documents (DOCX) with python-docx: a title, plain paragraphs and a list, with the
document's title and language set in its properties."""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt


def text_to_docx(
    *,
    title: str,
    lang: str,
    heading_lines: Sequence[str],
    paragraphs: Sequence[str],
    list_heading: str = "",
    list_items: Sequence[str] = (),
) -> bytes:
    """A DOCX: heading lines (address, date), the paragraphs (a line break inside a paragraph is
    kept), then a heading and a bulleted list if there are items."""
    doc = Document()
    doc.core_properties.title = title
    doc.core_properties.language = lang
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(12)
    rpr = style.element.get_or_add_rPr()
    lang_el = rpr.find(qn("w:lang"))
    if lang_el is None:
        lang_el = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang_el)
    lang_el.set(qn("w:val"), lang)
    for line in heading_lines:
        doc.add_paragraph(line)
    for text in paragraphs:
        para = doc.add_paragraph()
        lines = text.split("\n")
        for i, line in enumerate(lines):
            run = para.add_run(line)
            if i < len(lines) - 1:
                run.add_break()
    if list_items:
        doc.add_heading(list_heading, level=2)
        for item in list_items:
            doc.add_paragraph(item, style="List Bullet")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
