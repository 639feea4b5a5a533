"""Drafting a letter: the facts of the case put into the letter's template, the date to ask for an
answer by (from the pack's timescale for the stage, or the letter's own), and the structured
letter (heading, paragraphs, enclosures) that the DOCX, PDF and plain text are all built from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jinja2

from sendroute.cases import advice as case_advice
from sendroute.cases.models import Case, Concern, Evidence
from sendroute.rules import InputError, RuleSet
from sendroute.rules.advice import CitationOut
from sendroute.rules.dates import count, plural

from .catalogue import TEMPLATES, LetterType, catalogue

SEED_SOURCE = "Complaints and disagreement resolution guidance for families"


class LetterError(ValueError):
    """A letter cannot be drafted or saved, with a message a person can act on."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# -- which letters fit ---------------------------------------------------------------------------


def concern_stages(concern: Concern) -> set[str]:
    """The concern's current step and the other steps the advice offers now."""
    view = case_advice.concern_view(concern)
    stages = {concern.current_step} if concern.current_step else set()
    if view.route is not None:
        stages |= {s.id for s in view.route.next_steps}
        stages |= {s.id for s in view.route.other_options}
    return stages


def check_fits(letter_type: LetterType, concern: Concern) -> str:
    """The stage the letter is for; LetterError when it does not fit the concern's stage."""
    if letter_type.any_stage:
        return concern.current_step
    if set(letter_type.steps) & concern_stages(concern):
        return letter_type.steps[0]  # the stage the letter itself does
    raise LetterError(
        f"A letter '{letter_type.title}' does not fit this concern now: it is for a later or "
        "different stage. Choose one of the letters offered for this stage.",
        "type",
    )


# -- the date to answer by -----------------------------------------------------------------------


@dataclass(frozen=True)
class RespondBy:
    date: dt.date
    rule: str  # "which is 15 working days from today, the time the council's procedure gives"


def respond_by(letter_type: LetterType, concern: Concern, step: str, on: dt.date) -> RespondBy:
    """From the pack's timescale for the stage (its record block's response_due) when it has
    one, as if the letter were received today; otherwise the letter type's own period."""
    rules = case_advice.rules_for(concern.case.area)
    spec = rules.step_index.get(step)
    record = spec.spec.record if spec is not None else None
    if record is not None and record.response_due and letter_type.steps:
        try:
            from sendroute.rules.records import facts_after

            facts = facts_after(rules, concern.facts, step, "made", on)
            probe = Concern(case=concern.case, route=concern.route, facts=facts)
            view = case_advice.concern_view(probe, rules, on)
            due = next((d for d in view.deadlines if d.id == record.response_due), None)
            if due is not None and due.date is not None:
                days = due.working_days_left
                span = f"{days} working days from today" if days is not None else "from today"
                return RespondBy(due.date, f"which is {span}: {letter_type.respond.says}")
        except (InputError, KeyError, ValueError):
            pass  # fall back to the letter's own period
    r = letter_type.respond
    date = count(on, r.amount, r.method).date
    return RespondBy(date, f"which is {plural(r.amount, r.method)} from today: {r.says}")


# -- the citations -------------------------------------------------------------------------------


def citations_for(letter_type: LetterType, rules: RuleSet) -> list[CitationOut]:
    own = catalogue().citations
    out = []
    for cid in letter_type.cite:
        cite = rules.citation_out.get(cid) or own.get(cid)
        if cite is not None:
            out.append(cite)
    return out


def citation_text(cite: CitationOut) -> str:
    """One line for a citation, as the advice shows it: what it says, and where it comes from."""
    source = cite.source or (SEED_SOURCE if cite.kind == "source_document" else "")
    parts = []
    if cite.title:
        parts.append(cite.title + ".")
    if cite.quote:
        parts.append(f"\u201c{cite.quote}\u201d")
    if source:
        parts.append(f"Source: {source}.")
    return " ".join(parts)


# -- the draft -----------------------------------------------------------------------------------


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=False,  # noqa: S701 - plain text for a letter, never HTML  # nosec B701
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _timeline(concern: Concern) -> list[dict[str, str]]:
    rules = case_advice.rules_for(concern.case.area)
    items: list[tuple[dt.date, str]] = []
    for event in concern.events.all():
        try:
            step_title = rules.step(event.step).spec.title
        except KeyError:
            step_title = event.step
        what = {
            "made": f"{step_title}: done{(' ' + event.how_text) if event.how_text else ''}",
            "acknowledged": f"{step_title}: acknowledgement received",
            "response": f"{step_title}: answer received",
            "outcome": f"{step_title}: outcome, {event.outcome_text}",
        }.get(event.kind, step_title)
        if event.to_whom:
            what += f" (to {event.to_whom})"
        if event.summary:
            what += f". {event.summary}"
        items.append((event.date, what))
    for entry in concern.entries.all():
        rev = entry.current
        if rev is not None:
            items.append((entry.date, rev.title))
    items.sort(key=lambda i: i[0])
    return [{"date": long_date(d), "what": w} for d, w in items]


def draft_context(
    letter_type: LetterType, concern: Concern, step: str, on: dt.date
) -> dict[str, Any]:
    case: Case = concern.case
    rules = case_advice.rules_for(case.area)
    due = respond_by(letter_type, concern, step, on)
    made = concern.events.filter(kind="made").order_by("date").first()
    asked = [e for e in concern.events.all() if e.kind == "made"]
    answered = [e for e in concern.events.all() if e.kind in ("response", "outcome")]
    facts = concern.facts
    grounds = [
        text
        for name, text in (
            ("child_at_risk", "a child is at risk"),
            ("missing_education", "a child is missing school"),
            (
                "school_blocking_procedure",
                "the school is stopping me from following its complaints procedure",
            ),
        )
        if facts.get(name) is True
    ]
    try:
        step_title = rules.step(step).spec.title if step else ""
    except KeyError:
        step_title = ""
    return {
        "child_name": case.child_name or "my child",
        "child_school_year": case.child_school_year,
        "has_ehc_plan": case.child_has_ehc_plan is True,
        "case_title": case.title,
        "concern_title": concern.title,
        "to_name": recipient(letter_type, concern, step),
        "today": long_date(on),
        "respond_by": long_date(due.date),
        "respond_rule": due.rule,
        "complaint_date": long_date(made.date) if made else "",
        "step_title": step_title,
        "asked": [{"date": long_date(e.date), "step": e.step, "summary": e.summary} for e in asked],
        "answered": [
            {"date": long_date(e.date), "outcome": e.outcome_text, "summary": e.summary}
            for e in answered
        ],
        "timeline": _timeline(concern),
        "direct_grounds": grounds,
        "procedure_completed": facts.get("school_stage") == "procedure_completed",
        "citations": [citation_text(c) for c in citations_for(letter_type, rules)],
    }


def recipient(letter_type: LetterType, concern: Concern, step: str) -> str:
    rules = case_advice.rules_for(concern.case.area)
    body_id = letter_type.to
    if body_id == "step":
        spec = rules.step_index.get(step) if step else None
        body_id = spec.spec.body if spec is not None and spec.spec.body else ""
    body = rules.body_out.get(body_id)
    return body.name if body is not None else "The complaints team"


@dataclass(frozen=True)
class Draft:
    title: str
    to_name: str
    body: str
    respond_by: dt.date
    respond_rule: str
    step: str


def draft(letter_type: LetterType, concern: Concern, on: dt.date | None = None) -> Draft:
    """The filled draft of a letter for this concern (LetterError if it does not fit)."""
    on = on or case_advice.today()
    step = check_fits(letter_type, concern)
    context = draft_context(letter_type, concern, step, on)
    text = _env().get_template(letter_type.template).render(**context)
    due = respond_by(letter_type, concern, step, on)
    return Draft(
        title=letter_type.title,
        to_name=context["to_name"],
        body=tidy(text),
        respond_by=due.date,
        respond_rule=due.rule,
        step=step,
    )


def tidy(text: str) -> str:
    """No more than one blank line between paragraphs, no trailing spaces."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"


# -- the structured letter -----------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One letter, ready to be written as DOCX, PDF or plain text."""

    title: str
    to_name: str
    date: str
    paragraphs: list[str]
    enclosures: list[str] = field(default_factory=list)
    lang: str = "en-GB"


def document(
    *, title: str, to_name: str, date: dt.date, body: str, enclosures: list[Evidence] | list[str]
) -> Document:
    paragraphs = [p.strip() for p in tidy(body).split("\n\n") if p.strip()]
    names = [e if isinstance(e, str) else enclosure_name(e) for e in enclosures]
    return Document(title, to_name, long_date(date), paragraphs, names)


def enclosure_name(evidence: Evidence) -> str:
    dated = f", dated {long_date(evidence.document_date)}" if evidence.document_date else ""
    return f"{evidence.title}{dated}"
