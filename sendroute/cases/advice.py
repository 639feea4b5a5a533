"""The rules core applied to a saved concern: its route's advice and deadlines, a snapshot of what
the advice said, and what changed since the last time (shown when facts or stages change)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sendroute.journey.services import journey_today
from sendroute.rules import InputError, RuleSet, advise, load_ruleset, parse_facts
from sendroute.rules.advice import Advice, ConcernAdvice, DeadlineOut, WarningOut

from .models import Concern


def today() -> dt.date:
    """Today in England (fixed by SENDROUTE_TODAY in tests and demonstrations)."""
    return journey_today()


def rules_for(area: str) -> RuleSet:
    return load_ruleset(area)


def pack_version(rules: RuleSet) -> str:
    return ", ".join(f"{pid} {version}" for pid, version in _packs(rules))


def _packs(rules: RuleSet) -> list[tuple[str, str]]:
    return [(p.id, p.version) for p in rules.packs]


def checked_facts(raw: dict[str, Any], rules: RuleSet, on: dt.date) -> dict[str, Any]:
    """The facts the rules accept; an answer that is no longer valid is left out, not fatal."""
    facts: dict[str, Any] = {}
    for name, value in raw.items():
        try:
            facts.update(parse_facts({name: value}, rules, on))
        except InputError:
            continue
    return facts


@dataclass(frozen=True)
class ConcernView:
    """Everything the case file shows about one concern, worked out now."""

    advice: Advice
    route: ConcernAdvice | None
    deadlines: tuple[DeadlineOut, ...]
    warnings: tuple[WarningOut, ...]

    @property
    def next_step(self) -> str:
        if self.route and self.route.next_steps:
            return self.route.next_steps[0].id
        return ""

    def step(self, step_id: str) -> Any:
        if self.route is None:
            return None
        for group in (
            self.route.next_steps,
            self.route.other_options,
            self.route.not_open,
            self.route.undecided,
            self.route.done,
        ):
            for step in group:
                if step.id == step_id:
                    return step
        return None

    def snapshot(self) -> dict[str, Any]:
        """What the advice says, in a form kept with the concern to compare against later."""
        return {
            "next": [s.id for s in self.route.next_steps] if self.route else [],
            "not_open": [s.id for s in self.route.not_open] if self.route else [],
            "deadlines": {d.id: d.date.isoformat() if d.date else None for d in self.deadlines},
        }


def concern_view(
    concern: Concern, rules: RuleSet | None = None, on: dt.date | None = None
) -> ConcernView:
    rules = rules or rules_for(concern.case.area)
    on = on or today()
    advice = advise(rules, checked_facts(concern.facts, rules, on), on)
    route = next((c for c in advice.concerns if c.route == concern.route), None)
    route_steps = {s.spec.id for r in rules.routes if r.spec.id == concern.route for s in r.steps}
    deadlines = tuple(d for d in advice.deadlines if d.step is None or d.step in route_steps)
    return ConcernView(advice, route, deadlines, advice.warnings)


def _title(rules: RuleSet, kind: str, item_id: str) -> str:
    if kind == "step":
        try:
            return rules.step(item_id).spec.title
        except KeyError:
            return item_id
    spec = rules.deadlines.get(item_id)
    return spec.spec.title if spec else item_id


def changes(before: dict[str, Any], after: dict[str, Any], rules: RuleSet) -> list[str]:
    """What changed in the advice, in plain English (empty when nothing did)."""
    if not before:
        return []
    said: list[str] = []
    old_next, new_next = before.get("next", []), after.get("next", [])
    if old_next != new_next:
        if new_next:
            said.append("Your next step is now: " + _title(rules, "step", new_next[0]) + ".")
        else:
            said.append("There is no next step on this route now.")
    for step in after.get("not_open", []):
        if step not in before.get("not_open", []):
            said.append("This is no longer open to you: " + _title(rules, "step", step) + ".")
    old_dl, new_dl = before.get("deadlines", {}), after.get("deadlines", {})
    for dl_id, date in new_dl.items():
        title = _title(rules, "deadline", dl_id)
        if dl_id not in old_dl and date:
            said.append(f"New date: {title}, {_long(date)}.")
        elif dl_id in old_dl and old_dl[dl_id] != date and date:
            was = f" (it was {_long(old_dl[dl_id])})" if old_dl[dl_id] else ""
            said.append(f"Date changed: {title}, now {_long(date)}{was}.")
    for dl_id in old_dl:
        if dl_id not in new_dl:
            said.append(f"No longer applies: {_title(rules, 'deadline', dl_id)}.")
    return said


def _long(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"
