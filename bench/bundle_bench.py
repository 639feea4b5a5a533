"""Benchmark of bundles: the time and peak memory to build a bundle of about 200 pages from 40
mixed evidence files (25 PDFs of 3 to 11 pages, 5 PNG photos, 5 Word documents, 5 saved emails)
and a timeline of 30 entries.

Run with `.venv/bin/python bench/bundle_bench.py`. It makes a throw-away database and evidence
folder, then builds each thing ROUNDS times, each in a fresh process (as the db_worker would),
and reports the median time and the largest peak resident size (ru_maxrss, which counts the C
libraries WeasyPrint and Pillow use). Baselines measured in the same run: merging the same 25
PDFs with pypdf only (no conversion, front matter or page numbers), and a process that only
imports everything.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PDF_COUNT, PNG_COUNT, DOCX_COUNT, EML_COUNT = 25, 5, 5, 5


def _django(folder: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "sendroute.web.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["SENDROUTE_EVIDENCE_DIR"] = str(folder / "evidence")
    os.environ.setdefault("SENDROUTE_TODAY", "2026-11-27")
    import django

    django.setup()


# -- the files ----------------------------------------------------------------------------------


def _pdf(number: int, pages: int) -> bytes:
    from sendroute.documents.pdf import html_to_pdf

    words = " ".join(["The school said it would review the support plan each term."] * 12)
    body = "".join(
        f'<h1>Letter {number}, page {p}</h1><p>{words}</p><p style="break-after: page">{words}</p>'
        for p in range(1, pages + 1)
    )
    return html_to_pdf(
        f'<html lang="en-GB"><head><title>Letter {number}</title></head><body>{body}</body></html>'
    )


def _png(number: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 1200), (240, 240, 235))
    draw = ImageDraw.Draw(image)
    for i in range(0, 1600, 40):
        draw.line((i, 0, 1600 - i, 1200), fill=(i % 255, 80, 160), width=3)
    draw.text((40, 40), f"Photo {number}", fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _docx(number: int) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(f"Minutes of meeting {number}", level=1)
    for i in range(45):
        document.add_paragraph(
            f"Item {i + 1}. The SENCo agreed to arrange an assessment and to write by the end of "
            "the month with the outcome and the support that will be put in place."
        )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _eml(number: int) -> bytes:
    body = "\r\n\r\n".join(
        f"Paragraph {i}: thank you for your email; we will look into this and reply."
        for i in range(8)
    )
    return (
        "From: School Office <office@school.example>\r\nTo: Parent <parent@example.org>\r\n"
        f"Date: Mon, 2 Nov 2026 09:{number:02d}:00 +0000\r\nSubject: Reply {number}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def setup(folder: Path) -> dict[str, object]:
    """A database with one case holding the 40 files and a timeline."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from sendroute.accounts.models import Role, User
    from sendroute.cases.evidence_store import evidence_path, evidence_save
    from sendroute.cases.models import Case
    from sendroute.cases.services import entry_create

    owner = User.objects.create_user(email="bench@example.org", password="x" * 20, role=Role.PARENT)
    case = Case.objects.create(
        owner=owner, title="Sam and reading", area="norfolk", child_name="Sam"
    )
    files: list[tuple[str, bytes]] = []
    files += [(f"letter{i}.pdf", _pdf(i, 3 + i % 9)) for i in range(PDF_COUNT)]
    files += [(f"photo{i}.png", _png(i)) for i in range(PNG_COUNT)]
    files += [(f"minutes{i}.docx", _docx(i)) for i in range(DOCX_COUNT)]
    files += [(f"reply{i}.eml", _eml(i)) for i in range(EML_COUNT)]
    pdfs = []
    start = dt.date(2026, 1, 5)
    for n, (name, data) in enumerate(files):
        evidence = evidence_save(
            case=case,
            actor=owner,
            upload=SimpleUploadedFile(name, data),
            title=f"Document {n + 1}: {name}",
            document_date=start + dt.timedelta(days=(n * 7) % 300),
        )
        if name.endswith(".pdf"):
            pdfs.append(str(evidence_path(evidence)))
    for n in range(30):
        entry_create(
            case=case,
            actor=owner,
            kind="note",
            date=start + dt.timedelta(days=n * 10),
            title=f"Meeting {n + 1} with the school",
            people="",
            body="",
            actions="",
        )
    return {"case": case.pk, "pdfs": pdfs}


# -- one measured run, in its own process -------------------------------------------------------


def child(mode: str, folder: Path, info: dict[str, object]) -> None:
    _django(folder)
    from pypdf import PdfReader, PdfWriter

    from sendroute.bundles.builder import bundle_pdf
    from sendroute.cases.models import Case

    case = Case.objects.get(pk=info["case"])
    out_path = folder / f"out-{mode}.pdf"
    pages = 0
    begin = time.perf_counter()
    if mode == "bundle":
        with out_path.open("wb") as out:
            pages = bundle_pdf(case, None, out, prepared_on=dt.date(2026, 11, 27)).pages
    elif mode == "merge":
        writer = PdfWriter()
        for name in info["pdfs"]:  # type: ignore[attr-defined]
            writer.append(PdfReader(name))
        pages = len(writer.pages)
        with out_path.open("wb") as out:
            writer.write(out)
    seconds = time.perf_counter() - begin
    size = out_path.stat().st_size if out_path.exists() else 0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "pages": pages, "bytes": size})
    )


def run(mode: str, folder: Path, info: dict[str, object]) -> dict[str, float]:
    results = []
    for _ in range(ROUNDS):
        done = subprocess.run(
            [sys.executable, __file__, "--child", mode, str(folder), json.dumps(info)],
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "peak_mb": max(r["peak_mb"] for r in results),
        "pages": results[0]["pages"],
        "mb": results[0]["bytes"] / 1024 / 1024,
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bundle-bench-") as name:
        folder = Path(name)
        _django(folder)
        begin = time.perf_counter()
        info = setup(folder)
        made = time.perf_counter() - begin
        print(f"Python {platform.python_version()} on {platform.machine()}, {ROUNDS} rounds each")
        print(
            f"Made {PDF_COUNT + PNG_COUNT + DOCX_COUNT + EML_COUNT} evidence files in {made:.1f}s"
        )
        rows = [
            ("imports only (baseline)", run("imports", folder, info)),
            (f"pypdf merge of the {PDF_COUNT} PDFs (baseline)", run("merge", folder, info)),
            ("bundle of all 40 files", run("bundle", folder, info)),
        ]
        print()
        print(f"{'what':<40} {'pages':>6} {'median s':>9} {'peak MB':>8} {'PDF MB':>7}")
        for label, r in rows:
            print(
                f"{label:<40} {r['pages']:>6} {r['seconds']:>9.2f} {r['peak_mb']:>8.0f} {r['mb']:>7.1f}"
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), json.loads(sys.argv[4]))
    else:
        main()
