"""Benchmark of letters: the time and peak memory to build one letter as plain text, DOCX and
an accessible PDF, from one structured letter, and to fill a letter's template.

Run with `.venv/bin/python bench/letters_bench.py`. Times are medians of ROUNDS builds after a
warm-up (time.perf_counter_ns). Memory is the tracemalloc peak of one build (Python allocations
only) and the peak resident size (VmHWM) of a fresh process that builds one letter, which
also counts the C libraries WeasyPrint uses. Baselines measured in the same run: a one-paragraph
WeasyPrint PDF, and a process that only imports everything.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendroute.web.settings")

import django  # noqa: E402

django.setup()

from sendroute.documents.pdf import html_to_pdf  # noqa: E402
from sendroute.letters import compose, render  # noqa: E402
from sendroute.letters.catalogue import catalogue  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))

CONTEXT = {
    "child_name": "Sam",
    "child_school_year": "Year 4",
    "has_ehc_plan": False,
    "case_title": "Sam and reading",
    "concern_title": "School, nursery or college",
    "to_name": "The school, nursery or college",
    "today": "27 November 2026",
    "respond_by": "28 December 2026",
    "respond_rule": "which is 20 working days from today: the time I am asking for",
    "complaint_date": "2 November 2026",
    "step_title": "Make a formal complaint",
    "asked": [],
    "answered": [{"date": "20 November 2026", "outcome": "not resolved", "summary": ""}],
    "timeline": [
        {"date": f"{d} November 2026", "what": "Meeting with the SENCo"} for d in range(1, 9)
    ],
    "direct_grounds": ["a child is at risk"],
    "procedure_completed": True,
    "citations": [
        "Maintained schools must have and publish a complaints procedure. Source: Education Act "
        "2002 s.29."
    ]
    * 3,
}


def fill() -> str:
    return compose.tidy(compose._env().get_template("school-complaint.txt").render(**CONTEXT))


def letter() -> compose.Document:
    import datetime as dt

    return compose.document(
        title=catalogue().types["school-complaint"].title,
        to_name="The school, nursery or college",
        date=dt.date(2026, 11, 27),
        body=fill(),
        enclosures=["School report, dated 2 November 2026", "Notes of the meeting", "Email"],
    )


TRIVIAL = (
    '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>A</title></head>'
    "<body><p>One paragraph.</p></body></html>"
)


def jobs() -> dict[str, Callable[[], object]]:
    doc = letter()
    return {
        "baseline: one-paragraph PDF": lambda: html_to_pdf(TRIVIAL),
        "fill the template": fill,
        "plain text": lambda: render.build(doc, "txt"),
        "DOCX": lambda: render.build(doc, "docx"),
        "PDF (tagged, PDF/UA-1)": lambda: render.build(doc, "pdf"),
    }


def timed(fn: Callable[[], object]) -> float:
    fn()  # warm-up: fonts, imports, caches
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return statistics.median(samples)


def traced_peak(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024


def peak_rss_mib() -> float:
    """This process's peak resident size: VmHWM (ru_maxrss can carry the parent's peak over)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_of(label: str) -> float:
    """Peak RSS in MiB of a fresh process that builds one letter (or none, for 'imports')."""
    out = subprocess.run(
        [sys.executable, __file__, "--rss", label], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--rss":
        label = sys.argv[2]
        built = jobs()  # the structured letter is made in every process, the baseline too
        if label != "imports":
            built[label]()
        print(peak_rss_mib())
        return
    print(f"Python {platform.python_version()} on {platform.machine()}, {ROUNDS} rounds each")
    print(f"{'build':32} {'median ms':>10} {'py peak KiB':>12} {'process RSS MiB':>16}")
    print(f"{'baseline: imports, no build':32} {'':>10} {'':>12} {rss_of('imports'):16.1f}")
    for label, fn in jobs().items():
        print(f"{label:32} {timed(fn):10.2f} {traced_peak(fn):12.0f} {rss_of(label):16.1f}")


if __name__ == "__main__":
    main()
