"""Conditions over facts, evaluated in three values: True, False, or None for "not known yet".

A condition in a pack is plain YAML data, never code:

    {fact: child_at_risk, is: true}          a yes/no or choice fact has this value
    {fact: school_stage, in: [a, b]}         a choice fact has one of these values
    {fact: concern_about, includes: school}  a multi-choice fact includes this value
    {fact: age, at_least: 16} / {fact: age, below: 16}
    {deadline: lgsco-time-limit, passed: true}   today is after the deadline's last day
    {all: [...]}, {any: [...]}, {not: ...}, {condition: a-named-condition}, {always: true}

``all``, ``any`` and ``not`` follow Kleene's three-valued logic, so partial facts give honest,
partial answers: ``all`` is False as soon as one part is False, even if others are unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import PackError
from .model import Fact

__all__ = [
    "All",
    "Always",
    "AnyOf",
    "Condition",
    "DeadlinePassed",
    "FactCompare",
    "FactIn",
    "FactIncludes",
    "Not",
    "Truth",
    "blocking",
    "describe",
    "evaluate",
    "facts_used",
    "parse_condition",
]

Truth = bool | None


@dataclass(frozen=True)
class Always:
    value: bool


@dataclass(frozen=True)
class FactIn:
    fact: str
    values: frozenset[Any]


@dataclass(frozen=True)
class FactIncludes:
    fact: str
    value: str


@dataclass(frozen=True)
class FactCompare:
    fact: str
    op: str  # "at_least" or "below"
    number: float


@dataclass(frozen=True)
class DeadlinePassed:
    deadline: str
    passed: bool


@dataclass(frozen=True)
class All:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Always | FactIn | FactIncludes | FactCompare | DeadlinePassed | All | AnyOf | Not

TRUE = Always(True)


class Context:
    """What a condition is evaluated against: the facts, and a way to ask about deadlines."""

    def __init__(self, facts: Mapping[str, Any], deadline_passed: Callable[[str], Truth]) -> None:
        self.facts = facts
        self.deadline_passed = deadline_passed
        # Results by condition identity: named conditions are shared by many rules and the facts
        # do not change during one evaluation, so each condition is worked out once.
        # Each entry keeps its condition alive, so an id is never reused within one context.
        self.memo: dict[int, tuple[Condition, Truth]] = {}


def evaluate(cond: Condition, ctx: Context) -> Truth:
    """True, False, or None when the facts so far cannot decide."""
    hit = ctx.memo.get(id(cond))
    if hit is not None and hit[0] is cond:
        return hit[1]
    value = _evaluate(cond, ctx)
    ctx.memo[id(cond)] = (cond, value)
    return value


def _evaluate(cond: Condition, ctx: Context) -> Truth:
    if isinstance(cond, Always):
        return cond.value
    if isinstance(cond, FactIn):
        value = ctx.facts.get(cond.fact)
        return None if value is None else value in cond.values
    if isinstance(cond, FactIncludes):
        value = ctx.facts.get(cond.fact)
        return None if value is None else cond.value in value
    if isinstance(cond, FactCompare):
        value = ctx.facts.get(cond.fact)
        if value is None:
            return None
        number = float(value)
        return number >= cond.number if cond.op == "at_least" else number < cond.number
    if isinstance(cond, DeadlinePassed):
        passed = ctx.deadline_passed(cond.deadline)
        return None if passed is None else passed == cond.passed
    if isinstance(cond, All):
        result: Truth = True
        for item in cond.items:
            value = evaluate(item, ctx)
            if value is False:
                return False
            if value is None:
                result = None
        return result
    if isinstance(cond, AnyOf):
        result = False
        for item in cond.items:
            value = evaluate(item, ctx)
            if value is True:
                return True
            if value is None:
                result = None
        return result
    value = evaluate(cond.item, ctx)
    return None if value is None else not value


def blocking(cond: Condition, ctx: Context, deadline_facts: Callable[[str], set[str]]) -> set[str]:
    """The unknown facts that keep ``cond`` undecided. Empty when ``cond`` is decided.

    Only parts that are themselves undecided are searched: a fact that could not change the
    outcome (because a sibling already decides it) is never returned, so it is never asked.
    """
    if evaluate(cond, ctx) is not None:
        return set()
    if isinstance(cond, FactIn | FactIncludes | FactCompare):
        return {cond.fact}
    if isinstance(cond, DeadlinePassed):
        return deadline_facts(cond.deadline)
    if isinstance(cond, All):
        # Parts of an "all" are asked in order: the first undecided part gates the rest (a
        # route's own condition comes first), so a later part is only asked once it can matter.
        for item in cond.items:
            if evaluate(item, ctx) is None:
                return blocking(item, ctx, deadline_facts)
        return set()
    if isinstance(cond, AnyOf):
        found: set[str] = set()
        for item in cond.items:
            found |= blocking(item, ctx, deadline_facts)
        return found
    if isinstance(cond, Not):
        return blocking(cond.item, ctx, deadline_facts)
    return set()


def facts_used(cond: Condition) -> set[str]:
    """Every fact a condition mentions (deadline facts excluded)."""
    if isinstance(cond, FactIn | FactIncludes | FactCompare):
        return {cond.fact}
    if isinstance(cond, All | AnyOf):
        return set().union(*(facts_used(i) for i in cond.items)) if cond.items else set()
    if isinstance(cond, Not):
        return facts_used(cond.item)
    return set()


def deadlines_used(cond: Condition) -> set[str]:
    """Every deadline a condition mentions."""
    if isinstance(cond, DeadlinePassed):
        return {cond.deadline}
    if isinstance(cond, All | AnyOf):
        return set().union(*(deadlines_used(i) for i in cond.items)) if cond.items else set()
    if isinstance(cond, Not):
        return deadlines_used(cond.item)
    return set()


def parse_condition(
    raw: Any,
    *,
    facts: Mapping[str, Fact],
    named: Mapping[str, Any],
    where: str,
    cache: dict[str, Condition] | None = None,
    _seen: tuple[str, ...] = (),
) -> Condition:
    """Turn raw YAML into a condition, checking every fact, value and key it names.

    ``cache`` shares one parsed object per named condition, so that each is evaluated once.
    """
    if raw is None:
        return TRUE
    if not isinstance(raw, dict):
        raise PackError(
            f"a condition must be a mapping such as {{fact: ..., is: ...}}, not {raw!r}.",
            field=where,
        )
    keys = set(raw)
    if keys == {"always"}:
        if not isinstance(raw["always"], bool):
            raise PackError("'always' takes true or false.", field=where)
        return Always(raw["always"])
    if keys == {"all"} or keys == {"any"}:
        key = "all" if "all" in raw else "any"
        items = raw[key]
        if not isinstance(items, list) or not items:
            raise PackError(f"'{key}' takes a non-empty list of conditions.", field=where)
        parsed = tuple(
            parse_condition(
                item,
                facts=facts,
                named=named,
                where=f"{where}.{key}[{i}]",
                cache=cache,
                _seen=_seen,
            )
            for i, item in enumerate(items)
        )
        return All(parsed) if key == "all" else AnyOf(parsed)
    if keys == {"not"}:
        return Not(
            parse_condition(
                raw["not"], facts=facts, named=named, where=f"{where}.not", cache=cache, _seen=_seen
            )
        )
    if keys == {"condition"}:
        name = raw["condition"]
        if name not in named:
            raise PackError(
                f"there is no named condition {name!r}. Define it in conditions/.", field=where
            )
        if name in _seen:
            raise PackError(f"the named condition {name!r} refers to itself.", field=where)
        if cache is not None and name in cache:
            return cache[name]
        resolved = parse_condition(
            named[name],
            facts=facts,
            named=named,
            where=f"condition {name}",
            cache=cache,
            _seen=(*_seen, name),
        )
        if cache is not None:
            cache[name] = resolved
        return resolved
    if "deadline" in keys:
        if keys != {"deadline", "passed"} or not isinstance(raw["passed"], bool):
            raise PackError(
                "a deadline condition is {deadline: ID, passed: true|false}.", field=where
            )
        return DeadlinePassed(str(raw["deadline"]), raw["passed"])
    if "fact" in keys:
        return _parse_fact_condition(raw, facts=facts, where=where)
    raise PackError(
        f"unknown condition keys {sorted(keys)}. Use fact/is, fact/in, fact/includes, "
        "fact/at_least, fact/below, deadline/passed, all, any, not, condition or always.",
        field=where,
    )


def _parse_fact_condition(
    raw: dict[str, Any], *, facts: Mapping[str, Fact], where: str
) -> Condition:
    name = raw["fact"]
    fact = facts.get(name)
    if fact is None:
        raise PackError(
            f"the condition names an unknown fact {name!r}. Add it to facts/ or fix the name.",
            field=where,
        )
    ops = set(raw) - {"fact"}
    if len(ops) != 1:
        raise PackError(
            "a fact condition takes exactly one of is, in, includes, at_least, below.", field=where
        )
    (op,) = ops
    allowed = {v.value for v in fact.values}

    def check_value(value: Any) -> Any:
        if fact.type == "bool":
            if not isinstance(value, bool):
                raise PackError(
                    f"fact {name!r} is yes/no: compare it with true or false, not {value!r}.",
                    field=where,
                )
        elif fact.type in ("choice", "multichoice"):
            if value not in allowed:
                raise PackError(
                    f"{value!r} is not a value of fact {name!r}; it allows {sorted(allowed)}.",
                    field=where,
                )
        else:
            raise PackError(
                f"fact {name!r} is a {fact.type}; it cannot be compared with '{op}'.", field=where
            )
        return value

    if op == "is":
        if fact.type == "multichoice":
            raise PackError(f"fact {name!r} takes several answers: use 'includes'.", field=where)
        return FactIn(name, frozenset([check_value(raw["is"])]))
    if op == "in":
        values = raw["in"]
        if not isinstance(values, list) or not values or fact.type == "multichoice":
            raise PackError(
                f"'in' takes a non-empty list of values of the choice fact {name!r}.", field=where
            )
        return FactIn(name, frozenset(check_value(v) for v in values))
    if op == "includes":
        if fact.type != "multichoice":
            raise PackError(
                f"'includes' is for multi-choice facts; {name!r} is a {fact.type}.", field=where
            )
        return FactIncludes(name, check_value(raw["includes"]))
    if op in ("at_least", "below"):
        if (
            fact.type != "number"
            or isinstance(raw[op], bool)
            or not isinstance(raw[op], int | float)
        ):
            raise PackError(f"'{op}' compares a number fact with a number.", field=where)
        return FactCompare(name, op, float(raw[op]))
    raise PackError(
        f"unknown fact comparison {op!r}; use is, in, includes, at_least or below.", field=where
    )


def describe(cond: Condition, facts: Mapping[str, Fact]) -> str:
    """A condition in words, for `sendroute explain`: 'school_stage is one of: a, b'."""

    def label(fact_id: str, value: Any) -> str:
        fact = facts.get(fact_id)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if fact is not None:
            for v in fact.values:
                if v.value == value:
                    return f"{value} ({v.label})"
        return str(value)

    if isinstance(cond, Always):
        return "always" if cond.value else "never"
    if isinstance(cond, FactIn):
        values = sorted(cond.values, key=str)
        if len(values) == 1:
            return f"{cond.fact} is {label(cond.fact, values[0])}"
        return f"{cond.fact} is one of: " + ", ".join(label(cond.fact, v) for v in values)
    if isinstance(cond, FactIncludes):
        return f"{cond.fact} includes {label(cond.fact, cond.value)}"
    if isinstance(cond, FactCompare):
        word = "at least" if cond.op == "at_least" else "below"
        return f"{cond.fact} is {word} {cond.number:g}"
    if isinstance(cond, DeadlinePassed):
        return f"the deadline {cond.deadline} has {'passed' if cond.passed else 'not passed'}"
    if isinstance(cond, All | AnyOf):
        word = "all of" if isinstance(cond, All) else "any of"
        parts = [describe(item, facts) for item in cond.items]
        return f"{word}: (" + "; ".join(parts) + ")"
    return f"not ({describe(cond.item, facts)})"
