"""Explaining one rule (a step, deadline, warning or source): its conditions, numbers and sources.

Used by `sendroute explain RULE_ID` and by GET /api/v1/rules/{id}.
"""

from __future__ import annotations

from typing import Any

from .conditions import describe
from .packs import RuleSet

__all__ = ["explain_rule"]


def _cites(rules: RuleSet, ids: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    return [rules.citation_out[c].to_dict() for c in ids]


def explain_rule(rules: RuleSet, rule_id: str) -> dict[str, Any] | None:
    """The rule with this id as plain data, or None when there is no such rule."""
    for route in rules.routes:
        for step in route.steps:
            if step.spec.id != rule_id:
                continue
            s = step.spec
            details: dict[str, Any] = {
                "route": route.spec.id,
                "body": rules.bodies[s.body].name,
                "shown_when": describe(step.relevant, rules.facts),
                "already_done_when": describe(step.done, rules.facts) if step.done else None,
                "requires": [
                    {
                        "condition": describe(c, rules.facts),
                        "otherwise": r.text.strip(),
                        "citations": _cites(rules, r.cite),
                    }
                    for r, c in zip(s.requires, step.requires, strict=True)
                ],
                "not_open_if": [
                    {
                        "condition": describe(c, rules.facts),
                        "because": r.text.strip(),
                        "citations": _cites(rules, r.cite),
                    }
                    for r, c in zip(s.exclusions, step.exclusions, strict=True)
                ],
                "recommended_when": describe(step.recommend, rules.facts)
                if step.recommend
                else None,
                "time_limit": s.time_limit,
                "deadlines": list(s.deadlines),
            }
            return {
                "id": s.id,
                "kind": "step",
                "title": s.title,
                "details": details,
                "citations": _cites(rules, s.cite),
            }
    if rule_id in rules.deadlines:
        dl = rules.deadlines[rule_id]
        d = dl.spec
        details = {
            "who": d.who,
            "applies_when": describe(dl.applies, rules.facts),
            "start": d.start,
            "start_label": d.start_label or (rules.facts[d.start].question if d.start else None),
            "amount": d.amount,
            "method": d.method,
            "adjustment": d.adjustment,
            "later_of": [p.model_dump() for p in d.later_of],
            "versions": [
                {**v.model_dump(exclude={"cite"}), "effective": v.effective.isoformat()}
                for v in d.versions
            ],
            "discretion": d.discretion,
            "note": d.note,
        }
        return {
            "id": d.id,
            "kind": "deadline",
            "title": d.title,
            "details": details,
            "citations": _cites(rules, d.cite),
        }
    for w in rules.warnings:
        if w.spec.id == rule_id:
            details = {
                "severity": w.spec.severity,
                "shown_when": describe(w.when, rules.facts),
                "law_differs": w.spec.law_differs,
                "text": w.spec.text.strip(),
            }
            return {
                "id": w.spec.id,
                "kind": "warning",
                "title": w.spec.text.strip().split(".")[0],
                "details": details,
                "citations": _cites(rules, w.spec.cite),
            }
    if rule_id in rules.citations:
        users = []
        for route in rules.routes:
            for step in route.steps:
                cites = set(step.spec.cite)
                for r in (*step.spec.requires, *step.spec.exclusions):
                    cites |= set(r.cite)
                if rule_id in cites:
                    users.append(step.spec.id)
        users += [d for d, dl in rules.deadlines.items() if rule_id in dl.spec.cite]
        users += [w.spec.id for w in rules.warnings if rule_id in w.spec.cite]
        c = rules.citation_out[rule_id]
        title = c.title or (c.quote or "")
        return {
            "id": rule_id,
            "kind": "source",
            "title": title,
            "details": {"used_by": users},
            "citations": [c.to_dict()],
        }
    return None
