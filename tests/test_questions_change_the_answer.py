"""Ask only what changes the answer: every fact the engine asks for can change the advice.

For partial fact sets drawn from the scenarios (each scenario with some of its facts forgotten),
every fact in ``missing_facts`` must have at least one answer that changes what the family is told
(step statuses, next steps, deadlines or warnings). A fact that could not change anything must
never be asked.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendroute.rules import advise, load_ruleset, parse_facts
from sendroute.rules.advice import Advice
from sendroute.rules.model import Fact
from sendroute.rules.yamlfile import load_yaml_file

ROOT = Path(__file__).resolve().parent
RULES = load_ruleset("norfolk")


def _scenarios() -> list[tuple[dict[str, Any], dt.date]]:
    out = []
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        data = load_yaml_file(path)
        for spec in data["scenarios"] if isinstance(data, dict) else data:
            if "error" not in spec and spec.get("area", "norfolk") == "norfolk":
                out.append(
                    (dict(spec.get("facts") or {}), dt.date.fromisoformat(str(spec["today"])))
                )
    return out


SCENARIOS = _scenarios()


def what_the_family_is_told(advice: Advice) -> Any:
    """The advice without its bookkeeping about what is still unknown."""
    steps = []
    for concern in advice.concerns:
        for group in ("done", "next_steps", "other_options", "not_open", "undecided"):
            for step in getattr(concern, group):
                # Statuses and groups, not the wording of reasons: a step already closed for one
                # reason is not changed by learning a second reason it is closed.
                steps.append((concern.route, group, step.id, step.status))
    deadlines = [(d.id, d.date, d.status) for d in advice.deadlines]
    warnings = [w.id for w in advice.warnings]
    return steps, deadlines, warnings


def candidate_answers(fact: Fact, today: dt.date) -> list[Any]:
    if fact.type == "bool":
        return [True, False]
    if fact.type == "choice":
        return [v.value for v in fact.values]
    if fact.type == "multichoice":
        return [[v.value] for v in fact.values] + [[v.value for v in fact.values]]
    if fact.type == "date":
        offsets = [0, 1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 180, 250, 364, 365, 366, 400, 730, 1500]
        return [(today - dt.timedelta(days=d)).isoformat() for d in offsets]
    if fact.type == "number":
        return [0, 5, 10, 15, 16, 17, 18, 19, 25, 26]
    return ["some text"]


def _leave_one_out() -> list[tuple[dict[str, Any], dt.date, str]]:
    """Every fact of every complete scenario (one whose advice asks nothing more)."""
    cases = []
    for facts, today in SCENARIOS:
        if advise(RULES, parse_facts(facts, RULES, today), today).missing_facts:
            continue
        for name in sorted(facts):
            cases.append((facts, today, name))
    return cases


@pytest.mark.parametrize(("facts", "today", "name"), _leave_one_out())
def test_a_forgotten_fact_is_asked_for_exactly_when_it_matters(
    facts: dict[str, Any], today: dt.date, name: str
) -> None:
    """Forget one fact of a scenario. If the engine asks for it, some answer must change the
    advice; if it does not ask, no answer may change the advice (nothing that matters is missed)."""
    partial = {k: v for k, v in facts.items() if k != name}
    advice = advise(RULES, parse_facts(partial, RULES, today), today)
    told = what_the_family_is_told(advice)
    changes = [
        answer
        for answer in candidate_answers(RULES.facts[name], today)
        if what_the_family_is_told(
            advise(RULES, parse_facts({**partial, name: answer}, RULES, today), today)
        )
        != told
    ]
    if name in advice.missing_facts:
        assert changes, f"{name!r} is asked for, but no answer to it changes the advice"
    else:
        assert not changes, (
            f"{name!r} is not asked for, but answering {changes[0]!r} changes the advice"
        )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_next_question_is_always_one_the_engine_needs(data: st.DataObject) -> None:
    """With any part of a scenario forgotten, the next question is a fact that is still unknown
    and that some undecided step, deadline or warning depends on."""
    facts, today = data.draw(st.sampled_from(SCENARIOS))
    keep = data.draw(st.lists(st.sampled_from(sorted(facts)), unique=True)) if facts else []
    partial = {k: facts[k] for k in keep}
    advice = advise(RULES, parse_facts(partial, RULES, today), today)
    if advice.next_question is None:
        assert advice.missing_facts == ()
        return
    assert advice.next_question.fact == advice.missing_facts[0]
    assert advice.next_question.fact not in partial


def test_a_fully_answered_scenario_asks_nothing_more() -> None:
    facts = {
        "child_at_risk": False,
        "abuse_allegation": False,
        "missing_education": False,
        "concern_about": ["school"],
        "school_stage": "procedure_completed",
    }
    advice = advise(RULES, parse_facts(facts, RULES, dt.date(2026, 11, 27)), dt.date(2026, 11, 27))
    assert advice.next_question is None
    assert advice.missing_facts == ()


@pytest.mark.parametrize("fact", ["school_incident_date", "school_blocking_procedure"])
def test_facts_that_cannot_matter_once_the_procedure_is_finished_are_not_asked(fact: str) -> None:
    facts = {
        "child_at_risk": False,
        "abuse_allegation": False,
        "missing_education": False,
        "concern_about": ["school"],
        "school_stage": "procedure_completed",
    }
    advice = advise(RULES, parse_facts(facts, RULES, dt.date(2026, 11, 27)), dt.date(2026, 11, 27))
    assert fact not in advice.missing_facts
