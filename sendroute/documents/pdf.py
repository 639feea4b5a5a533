"""PDF from HTML with WeasyPrint: tagged PDF/UA-1 with the document's language and title set, so
that screen readers can read it and text can be selected and searched."""

from __future__ import annotations

from weasyprint import HTML


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """A tagged, accessible PDF (PDF/UA-1). The HTML must set ``<html lang="en-GB">`` and a
    ``<title>``: they become the document's language and title."""
    if "<title>" not in html or ' lang="' not in html:
        raise ValueError("The document needs a language (<html lang>) and a <title>.")
    return bytes(HTML(string=html, base_url=base_url).write_pdf(pdf_variant="pdf/ua-1"))
