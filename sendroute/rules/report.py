"""Advice as plain text for people: the next step first, then everything else, each with its source."""

from __future__ import annotations

from collections.abc import Iterable

from .advice import Advice, CitationOut, DeadlineOut, StepOut
from .dates import format_date

__all__ = ["advice_text", "citation_text"]

HOW = {
    "in_writing": "in writing",
    "verbally": "by talking to them",
    "in_person": "in person",
    "online": "online",
    "by_phone": "by phone",
    "by_email": "by email",
}
STATUS_WORDS = {
    "open": "time left",
    "last_day": "today is the last day",
    "expired": "this date has passed",
    "expired_discretion": "this date has passed, but it may still be accepted",
    "cannot_compute": "cannot be worked out",
}


def citation_text(c: CitationOut) -> str:
    """One line naming a source: the quoted sentence, or the rule and where it comes from."""
    if c.kind == "source_document":
        return f'"{c.quote}" (source document)'
    status = f"; {c.status}" if c.status else ""
    url = f" {c.url}" if c.url else ""
    return f"{c.title} ({c.id}: {c.source}{status}){url}"


def _sources(citations: Iterable[CitationOut], indent: str) -> list[str]:
    return [f"{indent}Source: {citation_text(c)}" for c in citations]


def _step(step: StepOut, number: str, indent: str = "  ") -> list[str]:
    lines = [f"{indent}{number}{step.title}{'  [URGENT]' if step.urgent else ''}"]
    inner = indent + "   "
    who = step.body.name + (f" ({step.body.short_name})" if step.body.short_name else "")
    lines.append(f"{inner}Who: {who}")
    if step.body.explain:
        lines.append(f"{inner}     {step.body.explain}")
    lines.append(f"{inner}What to do: {step.action.strip()}")
    if step.how:
        lines.append(f"{inner}How: " + ", ".join(HOW.get(h, h) for h in step.how))
    for key, value in step.body.contact.items():
        lines.append(f"{inner}{key.capitalize()}: {value}")
    for reason in step.reasons:
        lines.append(f"{inner}Why: {reason.text.strip()}")
        lines += _sources(reason.citations, inner + "  ")
    lines += _sources(step.citations, inner)
    return lines


def _deadline(d: DeadlineOut) -> list[str]:
    if d.date is None:
        return [f"  - {d.title}: cannot be worked out. {d.error}"]
    left = ""
    if d.status == "open":
        working = f", {d.working_days_left} working days" if d.working_days_left is not None else ""
        left = f" ({d.calendar_days_left} days{working} left)"
    elif d.status in ("expired", "expired_discretion"):
        left = f" ({-1 * (d.calendar_days_left or 0)} days ago: {STATUS_WORDS[d.status]})"
    else:
        left = f" ({STATUS_WORDS[d.status]})"
    who = "You" if d.who == "you" else "They"
    lines = [f"  - {format_date(d.date)}{left}: {d.title} [{who}]"]
    lines.append(f"      How we worked it out ({d.rule}):")
    lines += [f"        {s}" for s in d.explanation]
    if d.discretion:
        lines.append(f"      If it is late: {d.discretion}")
    if d.note:
        lines.append(f"      Note: {d.note}")
    lines += _sources(d.citations, "      ")
    return lines


def advice_text(advice: Advice) -> str:
    """The whole advice as text, in the order a worried person needs it."""
    packs = ", ".join(f"{p} {v}" for p, v in advice.packs)
    out = [
        f"Advice for {advice.area_name}, as at {format_date(advice.today)}",
        f"(rules used: {packs})",
        "",
    ]
    urgent = [w for w in advice.warnings if w.severity == "urgent"]
    for w in urgent:
        out.append(f"URGENT: {w.text.strip()}")
        out += _sources(w.citations, "  ")
        out.append("")
    if not advice.concerns:
        out.append("We need a little more information before we can advise you.")
    for concern in advice.concerns:
        out.append(f"== {concern.title} ==")
        out.append(concern.summary.strip())
        if concern.done:
            out.append("Already done: " + "; ".join(s.title for s in concern.done))
        if concern.next_steps:
            out.append("What to do next:")
            for i, step in enumerate(concern.next_steps, 1):
                out += _step(step, f"{i}. ")
        if concern.other_options:
            out.append("Also open to you now:")
            for step in concern.other_options:
                out += _step(step, "- ")
        if concern.not_open:
            out.append("Not open to you now, and why:")
            for step in concern.not_open:
                word = "not yet" if step.status == "not_yet" else "closed"
                out.append(f"  - {step.title} ({word})")
                for reason in step.reasons:
                    out.append(f"     Why: {reason.text.strip()}")
                    out += _sources(reason.citations, "       ")
        if concern.undecided:
            out.append("Depends on answers we do not have yet:")
            for step in concern.undecided:
                out.append(f"  - {step.title} (needs: {', '.join(step.needs) or 'more answers'})")
        out.append("")
    if advice.deadlines:
        out.append("== Deadlines ==")
        for d in advice.deadlines:
            out += _deadline(d)
        out.append("")
    others = [w for w in advice.warnings if w.severity != "urgent"]
    if others:
        out.append("== Things you should know ==")
        for w in others:
            flag = (
                " (the source document says something different from the law here)"
                if w.law_differs
                else ""
            )
            out.append(f"  - {w.text.strip()}{flag}")
            out += _sources(w.citations, "      ")
        out.append("")
    if advice.next_question is not None:
        out.append("== Questions that would change this advice ==")
        out.append(f"  Next question: {advice.next_question.question}")
        if len(advice.missing_facts) > 1:
            out.append(f"  Also unknown: {', '.join(advice.missing_facts[1:])}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
