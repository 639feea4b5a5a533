"""Conditions are three-valued (True, False, None for unknown), following Kleene's strong logic.

Leaves are yes/no facts: fact "t" is known true, "f" known false, "u" (and "v") unknown.
"""

from __future__ import annotations

import pytest

from sendroute.rules.conditions import (
    All,
    Always,
    AnyOf,
    Context,
    DeadlinePassed,
    FactIn,
    Not,
    blocking,
    evaluate,
    facts_used,
    parse_condition,
)
from sendroute.rules.errors import PackError
from sendroute.rules.model import Fact

T, F, U = True, False, None
FACTS = {"t": True, "f": False}  # "u" and "v" are not known


def fact(name: str):
    """'fact <name> is true' as a condition."""
    return FactIn(name, frozenset([True]))


LEAF = {T: fact("t"), F: fact("f"), U: fact("u")}


def ctx(deadlines=None) -> Context:
    deadlines = deadlines or {}
    return Context(FACTS, lambda d: deadlines.get(d))


def no_deadline_facts(deadline: str) -> set[str]:
    raise AssertionError(f"deadline {deadline} should not be consulted")


# --- truth tables, written out in full -----------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (T, T, T),
        (T, F, F),
        (T, U, U),
        (F, T, F),
        (F, F, F),
        (F, U, F),
        (U, T, U),
        (U, F, F),
        (U, U, U),
    ],
)
def test_all_is_kleene_and(a, b, expected):
    assert evaluate(All((LEAF[a], LEAF[b])), ctx()) is expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (T, T, T),
        (T, F, T),
        (T, U, T),
        (F, T, T),
        (F, F, F),
        (F, U, U),
        (U, T, T),
        (U, F, U),
        (U, U, U),
    ],
)
def test_any_is_kleene_or(a, b, expected):
    assert evaluate(AnyOf((LEAF[a], LEAF[b])), ctx()) is expected


@pytest.mark.parametrize(("a", "expected"), [(T, F), (F, T), (U, U)])
def test_not_is_kleene_not(a, expected):
    assert evaluate(Not(LEAF[a]), ctx()) is expected


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        pytest.param((T, T, T), T, id="all true"),
        pytest.param((T, U, T), U, id="one unknown"),
        pytest.param((U, U, F), F, id="a false after unknowns decides"),
        pytest.param((F, U, U), F, id="a false before unknowns decides"),
    ],
)
def test_all_of_three_is_false_as_soon_as_one_part_is_false(items, expected):
    assert evaluate(All(tuple(LEAF[i] for i in items)), ctx()) is expected


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        pytest.param((F, F, F), F, id="all false"),
        pytest.param((F, U, F), U, id="one unknown"),
        pytest.param((U, U, T), T, id="a true after unknowns decides"),
    ],
)
def test_any_of_three_is_true_as_soon_as_one_part_is_true(items, expected):
    assert evaluate(AnyOf(tuple(LEAF[i] for i in items)), ctx()) is expected


@pytest.mark.parametrize(
    ("a", "b"), [(a, b) for a in (T, F, U) for b in (T, F, U)], ids=lambda v: str(v)
)
def test_de_morgan_holds_in_three_values(a, b):
    left = evaluate(Not(All((LEAF[a], LEAF[b]))), ctx())
    right = evaluate(AnyOf((Not(LEAF[a]), Not(LEAF[b]))), ctx())
    assert left is right


def test_always_is_decided_without_facts():
    assert evaluate(Always(True), ctx()) is True
    assert evaluate(Always(False), ctx()) is False


@pytest.mark.parametrize(
    ("passed", "asked", "expected"),
    [(True, True, T), (True, False, F), (False, False, T), (False, True, F), (None, True, U)],
)
def test_a_deadline_condition_is_unknown_until_the_deadline_is_known(passed, asked, expected):
    cond = DeadlinePassed("limit", asked)
    assert evaluate(cond, ctx({"limit": passed})) is expected


# --- blocking: only facts that could change an undecided condition ---------------------------


@pytest.mark.parametrize(
    ("cond", "expected"),
    [
        pytest.param(All((fact("f"), fact("u"))), set(), id="all(false, unknown) is decided"),
        pytest.param(AnyOf((fact("t"), fact("u"))), set(), id="any(true, unknown) is decided"),
        pytest.param(All((fact("t"), fact("u"))), {"u"}, id="all(true, unknown) needs it"),
        pytest.param(AnyOf((fact("f"), fact("u"))), {"u"}, id="any(false, unknown) needs it"),
        pytest.param(
            All((fact("u"), fact("v"))), {"u"}, id="all(unknown, unknown) asks its first part first"
        ),
        pytest.param(Not(fact("u")), {"u"}, id="not(unknown)"),
        pytest.param(Not(fact("t")), set(), id="not(true) is decided"),
        pytest.param(
            AnyOf((All((fact("f"), fact("u"))), fact("v"))),
            {"v"},
            id="a decided branch asks nothing",
        ),
        pytest.param(
            All((AnyOf((fact("u"), fact("t"))), fact("v"))),
            {"v"},
            id="a branch that is already true asks nothing",
        ),
        pytest.param(Always(True), set(), id="always"),
    ],
)
def test_blocking_returns_only_facts_that_could_change_the_outcome(cond, expected):
    assert blocking(cond, ctx(), no_deadline_facts) == expected


def test_blocking_asks_for_the_facts_an_unknown_deadline_needs():
    cond = All((fact("t"), DeadlinePassed("limit", True)))
    assert blocking(cond, ctx({"limit": None}), lambda d: {f"{d}_start"}) == {"limit_start"}


def test_blocking_ignores_a_deadline_that_is_already_known():
    cond = AnyOf((DeadlinePassed("limit", True), fact("u")))
    assert blocking(cond, ctx({"limit": True}), no_deadline_facts) == set()


def test_every_fact_blocking_a_condition_is_one_it_mentions():
    cond = AnyOf((All((fact("u"), fact("t"))), Not(fact("v")), fact("f")))
    assert blocking(cond, ctx(), no_deadline_facts) <= facts_used(cond)


@pytest.mark.parametrize("value", [True, False])
def test_answering_a_blocking_fact_can_decide_the_condition(value):
    cond = All((fact("t"), fact("u")))
    assert blocking(cond, ctx(), no_deadline_facts) == {"u"}
    answered = Context({**FACTS, "u": value}, lambda d: None)
    assert evaluate(cond, answered) is value


# --- parsing from pack YAML -----------------------------------------------------------------

PACK_FACTS = {
    "risk": Fact(id="risk", type="bool", question="?", why="."),
    "stage": Fact(
        id="stage",
        type="choice",
        question="?",
        why=".",
        values=({"value": "a", "label": "A"}, {"value": "b", "label": "B"}),
    ),
}


def test_parsed_conditions_follow_the_same_three_valued_logic():
    cond = parse_condition(
        {"any": [{"fact": "risk", "is": True}, {"not": {"fact": "stage", "in": ["a"]}}]},
        facts=PACK_FACTS,
        named={},
        where="test",
    )
    assert evaluate(cond, Context({}, lambda d: None)) is None
    assert evaluate(cond, Context({"risk": False, "stage": "b"}, lambda d: None)) is True
    assert evaluate(cond, Context({"risk": False, "stage": "a"}, lambda d: None)) is False
    assert evaluate(cond, Context({"stage": "b"}, lambda d: None)) is True


def test_parsing_refuses_a_value_a_choice_fact_does_not_allow():
    with pytest.raises(PackError, match="'c' is not a value of fact 'stage'"):
        parse_condition({"fact": "stage", "is": "c"}, facts=PACK_FACTS, named={}, where="x")
