"""A pytest plugin that runs YAML scenarios against the rules core, as OpenFisca does.

A scenario file holds a list of scenarios (or a mapping with ``scenarios:``). Each scenario:

    name: what the scenario proves, as a sentence
    area: norfolk                # optional, default norfolk
    today: 2026-11-27            # required: the date to treat as today
    facts: {fact: value, ...}
    expect:                      # every key is optional; each one is checked
      routes: [school]                       exactly these concerns, in order
      next_steps: [step-id, ...]             exactly these next steps (any order)
      next_steps_include: [step-id]
      other_options_include: [step-id]
      not_open_include: [step-id]
      status: {step-id: open|open_late|not_yet|closed|undecided|done|absent}
      reasons_include: {step-id: "words in one of its reasons"}
      deadlines: {deadline-id: {date: YYYY-MM-DD, status: ..., working_days_left: N, calendar_days_left: N, explanation_includes: "..."}}
      no_deadlines: [deadline-id]
      warnings: [warning-id]                 these warnings are shown (others may be too)
      no_warnings: [warning-id]
      next_question: fact-id or null
      missing_facts_include: [fact-id]
      missing_facts_exclude: [fact-id]
    error: "words in the message"            instead of expect: the input must be refused
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from sendroute.rules import InputError, advise_raw
from sendroute.rules.advice import Advice
from sendroute.rules.yamlfile import load_yaml_file

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
EXPECT_KEYS = {
    "routes",
    "next_steps",
    "next_steps_include",
    "other_options_include",
    "not_open_include",
    "status",
    "reasons_include",
    "deadlines",
    "no_deadlines",
    "warnings",
    "no_warnings",
    "next_question",
    "missing_facts_include",
    "missing_facts_exclude",
}


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".yaml" and SCENARIO_DIR in file_path.parents:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self):  # type: ignore[no-untyped-def]
        data = load_yaml_file(self.path)
        scenarios = data["scenarios"] if isinstance(data, dict) else data
        names: set[str] = set()
        for spec in scenarios:
            name = spec["name"]
            if name in names:
                raise ValueError(f"{self.path}: two scenarios are called {name!r}")
            names.add(name)
            yield ScenarioItem.from_parent(self, name=name, spec=spec)


class ScenarioError(AssertionError):
    pass


class ScenarioItem(pytest.Item):
    def __init__(self, *, spec: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec

    def runtest(self) -> None:
        spec = self.spec
        unknown = set(spec) - {"name", "area", "today", "facts", "expect", "error"}
        if unknown:
            raise ScenarioError(f"unknown scenario keys {sorted(unknown)}")
        today = spec["today"]
        if isinstance(today, str):
            today = dt.date.fromisoformat(today)
        if "error" in spec:
            try:
                advise_raw(spec.get("facts") or {}, area=spec.get("area", "norfolk"), today=today)
            except InputError as exc:
                if spec["error"].lower() not in str(exc).lower():
                    raise ScenarioError(
                        f"error {str(exc)!r} does not mention {spec['error']!r}"
                    ) from None
                return
            raise ScenarioError("the input was accepted, but it should have been refused")
        advice = advise_raw(spec.get("facts") or {}, area=spec.get("area", "norfolk"), today=today)
        check_expectations(advice, spec.get("expect") or {})

    def repr_failure(self, excinfo, style=None):  # type: ignore[no-untyped-def]
        if isinstance(excinfo.value, ScenarioError):
            return f"scenario {self.name!r} in {self.path.name}: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):  # type: ignore[no-untyped-def]
        return self.path, 0, f"scenario: {self.name}"


def _all_steps(advice: Advice) -> dict[str, str]:
    steps = {}
    for concern in advice.concerns:
        for group in (
            concern.done,
            concern.next_steps,
            concern.other_options,
            concern.not_open,
            concern.undecided,
        ):
            for step in group:
                steps[step.id] = step.status
    return steps


def check_expectations(advice: Advice, expect: dict[str, Any]) -> None:
    unknown = set(expect) - EXPECT_KEYS
    if unknown:
        raise ScenarioError(f"unknown expectations {sorted(unknown)}")
    if not expect:
        raise ScenarioError("a scenario must expect something")
    steps = _all_steps(advice)
    next_ids = [s.id for c in advice.concerns for s in c.next_steps]
    other_ids = [s.id for c in advice.concerns for s in c.other_options]
    not_open_ids = [s.id for c in advice.concerns for s in c.not_open]
    problems: list[str] = []

    def check(ok: bool, message: str) -> None:
        if not ok:
            problems.append(message)

    if "routes" in expect:
        got = [c.route for c in advice.concerns]
        check(got == expect["routes"], f"routes: expected {expect['routes']}, got {got}")
    if "next_steps" in expect:
        check(
            sorted(next_ids) == sorted(expect["next_steps"]),
            f"next steps: expected {expect['next_steps']}, got {next_ids}",
        )
    for key, ids, label in (
        ("next_steps_include", next_ids, "next steps"),
        ("other_options_include", other_ids, "other options"),
        ("not_open_include", not_open_ids, "not open"),
    ):
        for sid in expect.get(key, []):
            check(sid in ids, f"{label}: expected {sid!r} among {ids}")
    for sid, status in (expect.get("status") or {}).items():
        got = steps.get(sid, "absent")
        check(got == status, f"step {sid}: expected status {status}, got {got}")
    for sid, words in (expect.get("reasons_include") or {}).items():
        step = advice.step(sid)
        texts = [r.text for r in step.reasons] if step else []
        check(
            any(words.lower() in t.lower() for t in texts),
            f"step {sid}: no reason mentions {words!r}; reasons: {texts}",
        )
    for did, want in (expect.get("deadlines") or {}).items():
        got_dl = advice.deadline(did)
        if got_dl is None:
            problems.append(
                f"deadline {did}: expected, but not in the advice ({[d.id for d in advice.deadlines]})"
            )
            continue
        for field, value in want.items():
            if field == "explanation_includes":
                text = " ".join(got_dl.explanation)
                check(
                    value.lower() in text.lower(),
                    f"deadline {did}: explanation lacks {value!r}: {text}",
                )
                continue
            actual = getattr(got_dl, field)
            if isinstance(value, dt.date) or field == "date":
                value = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
            check(actual == value, f"deadline {did}: {field} expected {value}, got {actual}")
    for did in expect.get("no_deadlines", []):
        check(advice.deadline(did) is None, f"deadline {did}: should not be in the advice")
    warning_ids = [w.id for w in advice.warnings]
    for wid in expect.get("warnings", []):
        check(wid in warning_ids, f"warning {wid}: expected among {warning_ids}")
    for wid in expect.get("no_warnings", []):
        check(wid not in warning_ids, f"warning {wid}: should not be shown")
    if "next_question" in expect:
        got_q = advice.next_question.fact if advice.next_question else None
        check(
            got_q == expect["next_question"],
            f"next question: expected {expect['next_question']}, got {got_q}",
        )
    for fid in expect.get("missing_facts_include", []):
        check(
            fid in advice.missing_facts,
            f"missing facts: expected {fid!r} among {advice.missing_facts}",
        )
    for fid in expect.get("missing_facts_exclude", []):
        check(
            fid not in advice.missing_facts,
            f"missing facts: {fid!r} should not be asked; got {advice.missing_facts}",
        )
    if problems:
        raise ScenarioError("; ".join(problems))
