"""The load benchmark's results as Markdown tables (bench/results/*.md, and docs/performance.md
between its results markers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
DOC = ROOT / "docs" / "performance.md"
START = "<!-- load-bench results: start (written by bench/load_bench.py --write-docs) -->"
END = "<!-- load-bench results: end -->"


def _met(flag: Any) -> str:
    return "**met**" if flag else "**not met**"


def _table(head: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return [*out, ""]


CASE_PAGE = "case page (signed in, 20 timeline entries)"


def render_markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    s = r["settings"]
    t = r["targets"]
    lines = [
        f"Run of {r['started']} ({r.get('seconds', '?')} s). Command: `{r['command']}`",
        "",
        f"Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gb']} GB RAM, Linux "
        f"{m['kernel']}; load average {m['load_average_at_start']} at the start and "
        f"{r.get('load_average_at_end')} at the end. Python {m['python']}, SQLite {m['sqlite']}, "
        f"PostgreSQL {m['postgresql']}, Django {m['django']}, {m['gunicorn']}, {m['wrk'].split(' [')[0]}. "
        f"Server: {m['server']}.",
        "",
        f"Each number is the median of {s['rounds']} rounds; wrk runs of {s['seconds']:g} s (P1, "
        f"P3) and {s['page_seconds']:g} s (P4, P5). Scales {s['scales']}; P1, P3 and P5 at "
        f"S={s['main_scale']:g}.",
        "",
    ]
    if "P1" in r:
        p = r["P1"]
        lines += [f"### P1 page cost (S={p['scale']:g}, 8 connections)", ""]
        rows = [
            [label, v["rps"], v["p50"], v["p99"], v["4xx_total"] + v["5xx_total"]]
            for label, v in p["pages"].items()
        ]
        lines += _table(["Page", "req/s", "p50 ms", "p99 ms", "non-2xx"], rows)
        page = p["pages"][CASE_PAGE] if CASE_PAGE in p["pages"] else list(p["pages"].values())[-1]
        lines += _table(
            ["Measure", "Measured", "Target", "Result"],
            [
                [
                    "case page req/s / Django floor",
                    p["ratio_to_django_floor"],
                    f">= {t['p1_ratio']}",
                    _met(p["ratio_to_django_floor"] >= t["p1_ratio"]),
                ],
                ["case page req/s / bare WSGI", p["ratio_to_bare_wsgi"], "(reported)", ""],
                *(
                    [
                        [
                            "requirements floor req/s / Django floor",
                            p["requirements_floor_to_django_floor"],
                            "(reported)",
                            "",
                        ],
                        [
                            "case page req/s / requirements floor",
                            p["ratio_to_requirements_floor"],
                            "(reported)",
                            "",
                        ],
                    ]
                    if "requirements_floor_to_django_floor" in p
                    else []
                ),
                [
                    "case page p99",
                    f"{page['p99']} ms",
                    f"<= {t['p1_p99_ms']:g} ms",
                    _met(page["p99"] <= t["p1_p99_ms"]),
                ],
            ],
        )
        lines += [f"Timeline entries on the page: {p['timeline_entries_on_page']}.", ""]
    if "P2" in r:
        p = r["P2"]
        lines += ["### P2 query cost (in process, median of many repetitions)", ""]
        rows = []
        for run, v in p["runs"].items():
            for name, x in v["timings"].items():
                rows.append(
                    [
                        run,
                        name,
                        x["orm_ms"],
                        x["raw_ms"],
                        x["ratio"],
                        f"<= {t['p2_ratio']:g}",
                        _met(x["ratio"] <= t["p2_ratio"]),
                    ]
                )
        lines += _table(
            ["Data", "Query work", "ORM ms", "raw SQL ms", "ratio", "Target", "Result"], rows
        )
        pages = list(next(iter(p["runs"].values()))["queries"])
        runs = list(p["runs"])
        lines += _table(
            ["Page (queries per request)", *runs],
            [[page, *(p["runs"][run]["queries"].get(page, "") for run in runs)] for page in pages],
        )
        lines += ["CPU time of the Django process per request (ms, in process, median of 20):", ""]
        lines += _table(
            ["Page (CPU ms per request)", *runs],
            [
                [page, *(p["runs"][run].get("cpu_ms", {}).get(page, "") for run in runs)]
                for page in pages
            ],
        )
        lines += [
            "Same number of queries at every scale: "
            f"{'yes' if p['queries_fixed_across_scales'] else 'NO'} "
            f"({_met(p['queries_fixed_across_scales'])}).",
            "",
        ]
    if "P3" in r:
        lines += ["### P3 writes ('add a note', 16 concurrent writers)", ""]
        rows = []
        for backend, v in r["P3"].items():
            a = v["app"]
            rows.append(
                [
                    backend,
                    a["acks_per_s"],
                    a["p99"],
                    v["raw"]["commits_per_s"],
                    v["ratio_to_raw"],
                    a["5xx_total"],
                    v["database_is_locked"],
                    f"{a['saved_total']} / {a['acks_total']}",
                    _met(v["met"]),
                ]
            )
        lines += _table(
            [
                "Backend",
                "acknowledged notes/s",
                "p99 ms",
                "raw commits/s",
                "app / raw",
                "5xx",
                "'database is locked'",
                "saved / acknowledged",
                f"Target >= {t['p3_acks_per_s']:g}/s, p99 <= {t['p3_p99_ms']:g} ms",
            ],
            rows,
        )
    if "P4" in r:
        p = r["P4"]
        low, high = p["compared"]
        lines += [f"### P4 data scale (p95 at S={high} against S={low}, 8 connections)", ""]
        rows = []
        for label, ratio in p["ratios"].items():
            lo = p["scales"][low]["pages"][label]
            hi = p["scales"][high]["pages"][label]
            rows.append(
                [
                    label,
                    lo["p95"],
                    hi["p95"],
                    ratio,
                    f"<= {t['p4_ratio']:g}",
                    _met(ratio <= t["p4_ratio"]),
                ]
            )
        if not rows:
            for label, v in next(iter(p["scales"].values()))["pages"].items():
                rows.append([label, v["p95"], "", "", "", ""])
        lines += _table(
            ["Page", f"p95 ms S={low}", f"p95 ms S={high}", "ratio", "Target", "Result"], rows
        )
        rss = ", ".join(f"S={k}: {v['worker_rss_mb']}" for k, v in p["scales"].items())
        lines += [
            f"Memory per gunicorn worker (RSS, MB, after the run): {rss}; largest "
            f"{p['max_worker_rss_mb']} MB (target <= {t['p4_rss_mb']:g} MB: "
            f"{_met(p['max_worker_rss_mb'] <= t['p4_rss_mb'])}). Error responses: {p['errors']}.",
            "",
        ]
    if "P5" in r:
        p = r["P5"]
        lines += ["### P5 backends (90% page reads, 10% 'add a note')", ""]
        backends = list(p["backends"])
        head = ["Connections"]
        for b in backends:
            head += [f"{b} req/s", f"{b} notes/s", f"{b} p99 ms"]
        rows = []
        levels = [lv["connections"] for lv in p["backends"][backends[0]]["levels"]]
        for i, c in enumerate(levels):
            row: list[Any] = [c]
            for b in backends:
                lv = p["backends"][b]["levels"][i]
                row += [lv["rps"], lv["writes_per_s"], lv["p99"]]
            rows.append(row)
        lines += _table(head, rows)
        for b in backends:
            k = p["backends"][b]["knee"]
            tk = k.get("throughput_knee", {})
            lines.append(
                f"- {b}: knee (p99 <= 200 ms) at {k['connections']} connections, {k['rps']} req/s "
                f"({k['writes_per_s']} notes/s), p99 {k['p99']} ms; throughput stops rising after "
                f"{tk.get('connections')} connections ({tk.get('rps')} req/s, p99 "
                f"{tk.get('p99')} ms); 'database is locked': "
                f"{p['backends'][b]['database_is_locked']}."
            )
        if "ratio_by_connections" in p:
            lines.append(
                "- PostgreSQL / SQLite throughput at the knee: "
                f"{p['ratio_postgres_to_sqlite_at_knee']}; best throughput: "
                f"{p.get('ratio_postgres_to_sqlite_best')}; by connections: "
                f"{p['ratio_by_connections']}."
            )
        lines.append("")
    return "\n".join(lines)


def write_docs(markdown: str) -> None:
    text = DOC.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{DOC} has no results markers: add {START} and {END}")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    DOC.write_text(before + START + "\n\n" + markdown + "\n" + END + after)
