"""Benchmark of the rules core: full advice and the next-question step, over every scenario.

Run with `make bench`. Reports per-evaluation median and p99 in microseconds, measured with
time.perf_counter_ns over repeated rounds after a warm-up, and a baseline measured in the same
run (parsing the same facts only) so the numbers can be compared across machines.
"""

from __future__ import annotations

import datetime as dt
import platform
import statistics
import sys
import time
from pathlib import Path

from sendroute.rules import advise, load_ruleset, parse_facts
from sendroute.rules.yamlfile import load_yaml_file

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 30


def scenarios() -> list[tuple[str, dict, dt.date]]:
    out = []
    for path in sorted((ROOT / "tests" / "scenarios").glob("*.yaml")):
        data = load_yaml_file(path)
        for spec in data["scenarios"] if isinstance(data, dict) else data:
            if "error" in spec:
                continue
            out.append(
                (
                    spec.get("area", "norfolk"),
                    spec.get("facts") or {},
                    dt.date.fromisoformat(str(spec["today"])),
                )
            )
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(q * (len(ordered) - 1)))
    return ordered[index]


def measure(label: str, fn, cases) -> dict[str, float]:
    for case in cases:  # warm-up: caches, imports
        fn(*case)
    samples: list[float] = []
    for _ in range(ROUNDS):
        for case in cases:
            start = time.perf_counter_ns()
            fn(*case)
            samples.append((time.perf_counter_ns() - start) / 1000)
    result = {
        "median": statistics.median(samples),
        "p99": percentile(samples, 0.99),
        "n": len(samples),
    }
    print(
        f"{label:<38} median {result['median']:8.1f} us   p99 {result['p99']:8.1f} us   ({result['n']} evaluations)"
    )
    return result


def main() -> int:
    rules = {area: load_ruleset(area) for area in {"norfolk"}}
    raw = scenarios()
    cases = [
        (rules[area], parse_facts(facts, rules[area], today), today) for area, facts, today in raw
    ]
    print(f"sendroute rules benchmark: {len(cases)} scenarios x {ROUNDS} rounds")
    print(
        f"python {platform.python_version()} on {platform.machine()}, {platform.processor() or 'unknown cpu'}"
    )
    base = measure(
        "baseline: parse facts only",
        lambda r, f, t: parse_facts(
            {
                k: (
                    sorted(v)
                    if isinstance(v, frozenset)
                    else v.isoformat()
                    if isinstance(v, dt.date)
                    else v
                )
                for k, v in f.items()
            },
            r,
            t,
        ),
        cases,
    )
    full = measure("full advice (advise)", advise, cases)
    question = measure(
        "next question (advise().next_question)",
        lambda r, f, t: advise(r, f, t).next_question,
        cases,
    )
    print(f"ratio full advice / baseline: {full['median'] / base['median']:.1f}x")
    target = 1000.0
    verdict = "meets" if full["median"] < target else "MISSES"
    print(
        f"target: full advice under {target:.0f} us per evaluation -> median {verdict} the target"
    )
    del question
    return 0


if __name__ == "__main__":
    sys.exit(main())
