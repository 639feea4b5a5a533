"""The advice engine: from a family's facts, an area's rules and a date, to advice that explains itself.

For each route that applies, every step gets a status:

- ``open``: the family can take it now (``open_late`` when its time limit has passed but the body
  can still accept it);
- ``not_yet``: a step must come first (a requirement is false);
- ``closed``: an exclusion applies, or a time limit with no discretion has passed;
- ``undecided``: facts we do not know yet would decide it.

Open steps whose ``recommend`` condition holds are the next steps. Deadlines are computed under the
version of the rule in force on their trigger date. The next question is the highest-priority
unknown fact that keeps something undecided, so nothing is asked that could not change the answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from .advice import (
    Advice,
    CitationOut,
    ConcernAdvice,
    DeadlineOut,
    Question,
    ReasonOut,
    StepOut,
    WarningOut,
)
from .calendar import BeyondCalendarError, england_and_wales
from .conditions import Condition, Context, Truth, blocking, evaluate
from .dates import (
    METHODS,
    Counted,
    apply_adjustment,
    count,
    format_date,
    plural,
    working_days_between,
)
from .facts import FactValues
from .packs import CompiledDeadline, CompiledStep, RuleSet

__all__ = ["advise"]


class _Evaluation:
    """One evaluation of the rules against one set of facts on one day (caches deadlines)."""

    def __init__(self, rules: RuleSet, facts: FactValues, today: dt.date) -> None:
        self.rules = rules
        self.facts = facts
        self.today = today
        self.ctx = Context(facts, self.deadline_passed)
        self._deadlines: dict[str, DeadlineOut | None] = {}
        self.blocking: set[str] = set()

    # -- citations -------------------------------------------------------------------------
    def cites(self, ids: Iterable[str]) -> tuple[CitationOut, ...]:
        table = self.rules.citation_out
        return tuple(table[cid] for cid in ids)

    # -- conditions ------------------------------------------------------------------------
    def eval(self, cond: Condition) -> Truth:
        return evaluate(cond, self.ctx)

    def block(self, cond: Condition) -> set[str]:
        return blocking(cond, self.ctx, self.deadline_facts)

    # -- deadlines -------------------------------------------------------------------------
    def deadline_facts(self, deadline_id: str) -> set[str]:
        """The unknown facts this deadline needs before its date can be worked out."""
        dl = self.rules.deadlines[deadline_id]
        applies = self.eval(dl.applies)
        if applies is False:
            return set()
        needed = self.block(dl.applies)
        if dl.spec.start and dl.spec.start not in self.facts:
            needed.add(dl.spec.start)
        for period, when in zip(dl.spec.later_of, dl.period_when, strict=True):
            counts = self.eval(when)
            if counts is None:
                needed |= self.block(when)
            elif counts and period.start not in self.facts:
                needed.add(period.start)
        return needed

    def deadline_passed(self, deadline_id: str) -> Truth:
        out = self.deadline(deadline_id)
        if out is None or out.date is None:
            return None if self.deadline_facts(deadline_id) else False
        return self.today > out.date

    def deadline(self, deadline_id: str, step: str | None = None) -> DeadlineOut | None:
        if deadline_id not in self._deadlines:
            self._deadlines[deadline_id] = self._compute(self.rules.deadlines[deadline_id], step)
        return self._deadlines[deadline_id]

    def _compute(self, dl: CompiledDeadline, step: str | None) -> DeadlineOut | None:
        spec = dl.spec
        if self.eval(dl.applies) is not True:
            return None
        # Each period: the start fact, its label, amount, method and adjustment.
        periods: list[tuple[str, str | None, int, str, str]] = []
        pending: list[str] = []
        if spec.later_of:
            for p, when in zip(spec.later_of, dl.period_when, strict=True):
                if p.start in self.facts:
                    periods.append((p.start, p.start_label, p.amount, p.method, spec.adjustment))
                elif self.eval(when) is not False:
                    # Its date may be needed but is not known: the date shown is the earliest
                    # it can be, and the explanation says a later one may apply.
                    pending.append(p.start_label or p.start)
            if not periods:
                return None
        else:
            assert spec.start is not None  # noqa: S101 - checked when the pack loaded  # nosec B101
            if spec.start not in self.facts:
                return None
            trigger: dt.date = self.facts[spec.start]
            amount, method, adjustment = spec.amount, spec.method, spec.adjustment
            extra_cites: tuple[str, ...] = ()
            for version in sorted(spec.versions, key=lambda v: v.effective):
                if version.effective <= trigger:
                    amount, method, adjustment = version.amount, version.method, version.adjustment
                    extra_cites = version.cite
            if amount is None or method is None:
                return self._error(
                    dl, step, f"No rule for this time limit was in force on {format_date(trigger)}."
                )
            periods.append((spec.start, spec.start_label, amount, method, adjustment))
        citations = self.cites(spec.cite) + (self.cites(extra_cites) if not spec.later_of else ())
        try:
            results: list[tuple[Counted, str, str | None, int, str]] = []
            cal = england_and_wales()
            for fact, label, amount, method, adjustment in periods:
                start = self.facts[fact]
                counted = count(start, amount, method, cal)
                counted = apply_adjustment(counted, adjustment, cal)
                results.append((counted, fact, label, amount, method))
            best = max(results, key=lambda r: r[0].date)
            counted, fact, label, amount, method = best
            start_date = self.facts[fact]
            label = label or self.rules.facts[fact].question
            steps = [f"Start: {format_date(start_date)} ({label.rstrip('?')})."]
            steps += list(counted.steps)
            if len(results) > 1:
                others = [r for r in results if r is not best]
                for other in others:
                    steps.append(
                        f"The other way of counting gives {format_date(other[0].date)}; the later date applies."
                    )
            if pending:
                steps.append(
                    "If you also tell us "
                    + " or ".join(pending)
                    + ", the deadline may be later: it is the later of the dates."
                )
            end = counted.date
            calendar_left = (end - self.today).days
            try:
                working_left: int | None = working_days_between(self.today, end, cal)
            except BeyondCalendarError:
                working_left = None
            status = self._status(end, spec.discretion is not None)
            return DeadlineOut(
                id=spec.id,
                title=spec.title,
                who=spec.who,
                step=step,
                date=end,
                status=status,
                calendar_days_left=calendar_left,
                working_days_left=working_left,
                start_event=label,
                start_date=start_date,
                rule=f"{plural(amount, method)}: {METHODS[method]}",
                explanation=tuple(steps),
                discretion=spec.discretion,
                note=spec.note,
                citations=citations,
            )
        except BeyondCalendarError as exc:
            return self._error(dl, step, str(exc))

    def _status(self, end: dt.date, discretion: bool) -> Any:
        if self.today < end:
            return "open"
        if self.today == end:
            return "last_day"
        return "expired_discretion" if discretion else "expired"

    def _error(self, dl: CompiledDeadline, step: str | None, message: str) -> DeadlineOut:
        return DeadlineOut(
            id=dl.spec.id,
            title=dl.spec.title,
            who=dl.spec.who,
            step=step,
            date=None,
            status="cannot_compute",
            calendar_days_left=None,
            working_days_left=None,
            start_event=None,
            start_date=None,
            rule="",
            explanation=(),
            discretion=dl.spec.discretion,
            note=dl.spec.note,
            citations=self.cites(dl.spec.cite),
            error=message,
        )

    # -- steps -----------------------------------------------------------------------------
    def step(self, cs: CompiledStep) -> tuple[StepOut | None, bool]:
        """The step's advice, and whether it is recommended now."""
        spec = cs.spec
        relevant = self.eval(cs.relevant)
        if relevant is False:
            return None, False
        reasons: list[ReasonOut] = []
        needs: set[str] = set()
        excl = [self.eval(c) for c in cs.exclusions]
        reqs = [self.eval(c) for c in cs.requires]
        status: Any
        done = None if cs.done is None else self.eval(cs.done)
        if done is None and cs.done is not None:
            needs |= self.block(cs.done)
        if done is True:
            status = "done"
        elif any(v is True for v in excl):
            status = "closed"
            reasons = [
                ReasonOut(r.text, self.cites(r.cite))
                for r, v in zip(spec.exclusions, excl, strict=True)
                if v is True
            ]
        elif any(v is False for v in reqs):
            status = "not_yet"
            reasons = [
                ReasonOut(r.text, self.cites(r.cite))
                for r, v in zip(spec.requires, reqs, strict=True)
                if v is False
            ]
            for c, v in zip(cs.exclusions, excl, strict=True):
                if v is None:
                    needs |= self.block(c)
        elif relevant is None or None in excl or None in reqs:
            status = "undecided"
            needs |= self.block(cs.relevant)
            for c in (*cs.exclusions, *cs.requires):
                needs |= self.block(c)
        else:
            status = "open"
        if spec.time_limit and status in ("open", "not_yet", "undecided"):
            limit = self.deadline(spec.time_limit, spec.id)
            # Unknown dates the limit still needs (all of them, or a later_of period's).
            needs |= self.deadline_facts(spec.time_limit)
            if (
                limit is not None
                and limit.date is not None
                and limit.status in ("expired", "expired_discretion")
            ):
                if limit.status == "expired":
                    status = "closed"
                    text = f"The time limit ended on {format_date(limit.date)}."
                else:
                    status = "open_late" if status == "open" else status
                    text = f"The usual time limit ended on {format_date(limit.date)}. {limit.discretion}"
                reasons.append(ReasonOut(text, limit.citations))
        recommended = False
        if status in ("open", "open_late") and cs.recommend is not None:
            rec = self.eval(cs.recommend)
            recommended = rec is True
            if rec is None:
                needs |= self.block(cs.recommend)
        if status not in ("closed", "done"):
            for dl in spec.deadlines:
                self.deadline(dl, spec.id)
                needs |= self.deadline_facts(dl)
        self.blocking |= needs
        return (
            StepOut(
                id=spec.id,
                route=cs.route,
                title=spec.title,
                status=status,
                body=self.rules.body_out[spec.body],
                action=spec.action,
                how=spec.how,
                urgent=spec.urgent,
                reasons=tuple(reasons),
                citations=self.cites(spec.cite),
                deadlines=tuple(
                    d
                    for d in (*([spec.time_limit] if spec.time_limit else []), *spec.deadlines)
                    if self._deadlines.get(d) is not None
                ),
                needs=tuple(f for f in self.rules.facts if f in needs),
            ),
            recommended,
        )

    # -- the whole advice ------------------------------------------------------------------
    def run(self) -> Advice:
        concerns: list[ConcernAdvice] = []
        for route in self.rules.routes:
            applies = self.eval(route.applies)
            if applies is None:
                self.blocking |= self.block(route.applies)
            if applies is not True:
                continue
            next_steps: list[StepOut] = []
            other: list[StepOut] = []
            not_open: list[StepOut] = []
            undecided: list[StepOut] = []
            done: list[StepOut] = []
            for cs in route.steps:
                out, recommended = self.step(cs)
                if out is None:
                    continue
                if out.status == "done":
                    done.append(out)
                elif out.status in ("open", "open_late"):
                    (next_steps if recommended else other).append(out)
                elif out.status == "undecided":
                    undecided.append(out)
                else:
                    not_open.append(out)
            next_steps.sort(key=lambda s: not s.urgent)
            concerns.append(
                ConcernAdvice(
                    route=route.spec.id,
                    title=route.spec.title,
                    summary=route.spec.summary,
                    next_steps=tuple(next_steps),
                    other_options=tuple(other),
                    not_open=tuple(not_open),
                    undecided=tuple(undecided),
                    done=tuple(done),
                )
            )
        warnings: list[WarningOut] = []
        for w in self.rules.warnings:
            value = self.eval(w.when)
            if value is True:
                warnings.append(
                    WarningOut(
                        w.spec.id,
                        w.spec.severity,
                        w.spec.text,
                        w.spec.law_differs,
                        self.cites(w.spec.cite),
                    )
                )
            elif value is None:
                self.blocking |= self.block(w.when)
        severity = {"urgent": 0, "important": 1, "info": 2}
        warnings.sort(key=lambda w: severity[w.severity])
        deadlines = sorted(
            (d for d in self._deadlines.values() if d is not None),
            key=lambda d: (d.date is None, d.date or dt.date.max, d.id),
        )
        missing = tuple(f for f in self.rules.facts if f in self.blocking and f not in self.facts)
        question = None
        if missing:
            question = Question.from_fact(self.rules.facts[missing[0]])
        return Advice(
            area=self.rules.area.id,
            area_name=self.rules.area.area_name or self.rules.area.name,
            today=self.today,
            packs=tuple((p.id, p.version) for p in self.rules.packs),
            concerns=tuple(concerns),
            deadlines=tuple(deadlines),
            warnings=tuple(warnings),
            missing_facts=missing,
            next_question=question,
            facts_used=dict(self.facts),
        )


def advise(rules: RuleSet, facts: FactValues, today: dt.date) -> Advice:
    """Advice for checked ``facts`` (see :func:`sendroute.rules.facts.parse_facts`) on ``today``."""
    return _Evaluation(rules, facts, today).run()
