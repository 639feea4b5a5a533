"""The terminal interview: one question at a time, only the questions that change the answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from .rules import InputError, RuleSet, advise, parse_facts
from .rules.advice import Advice, Question
from .rules.report import advice_text

__all__ = ["run_interview"]

HELP = "Type the number of your answer. Type ? for why we ask, 'skip' if you do not know, 'back' to go back."


def _prompt_lines(q: Question, number: int) -> list[str]:
    lines = ["", f"Question {number}: {q.question}"]
    if q.hint:
        lines.append(f"  {q.hint}")
    if q.type == "bool":
        lines += ["  1. Yes", "  2. No"]
    elif q.type in ("choice", "multichoice"):
        for i, (_, label, hint) in enumerate(q.values, 1):
            lines.append(f"  {i}. {label}" + (f" ({hint})" if hint else ""))
        if q.type == "multichoice":
            lines.append("  You can choose more than one: type the numbers with commas, like 1,3.")
    elif q.type == "date":
        lines.append("  Type the date as day/month/year, for example 31/3/2026.")
    return lines


def _parse_answer(q: Question, text: str) -> Any:
    """The answer as a raw fact value, or raise ValueError with a message for the person."""
    text = text.strip()
    if q.type == "bool":
        if text.lower() in ("1", "y", "yes"):
            return True
        if text.lower() in ("2", "n", "no"):
            return False
        raise ValueError("Please type 1 for yes or 2 for no.")
    if q.type in ("choice", "multichoice"):
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not parts or (q.type == "choice" and len(parts) != 1):
            raise ValueError(f"Please type one number from 1 to {len(q.values)}.")
        chosen = []
        for part in parts:
            if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= len(q.values):
                raise ValueError(f"Please type a number from 1 to {len(q.values)}.")
            chosen.append(q.values[int(part) - 1][0])
        return chosen if q.type == "multichoice" else chosen[0]
    if q.type == "date":
        pieces = text.replace("-", "/").replace(".", "/").split("/")
        if len(pieces) != 3 or not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in pieces):
            raise ValueError("Please type the date as day/month/year, for example 31/3/2026.")
        day, month, year = (int(p) for p in pieces)
        if year < 100:
            year += 2000
        return f"{year:04d}-{month:02d}-{day:02d}"
    if q.type == "number":
        try:
            return float(text) if "." in text else int(text)
        except ValueError:
            raise ValueError("Please type a number.") from None
    return text


def run_interview(
    rules: RuleSet,
    today: dt.date,
    read: Callable[[str], str],
    write: Callable[[str], None],
) -> Advice:
    """Ask until nothing unknown would change the advice (or the person skips it), then advise."""
    raw: dict[str, Any] = {}
    skipped: set[str] = set()
    history: list[str] = []
    write("Get advice about a complaint or disagreement about a child's special educational needs.")
    write(f"Area: {rules.area.area_name or rules.area.name}. {HELP}")
    while True:
        advice = advise(rules, parse_facts(raw, rules, today), today)
        pending = [f for f in advice.missing_facts if f not in skipped]
        if not pending:
            break
        fact = rules.facts[pending[0]]
        question = Question.from_fact(fact)
        for line in _prompt_lines(question, len(history) + 1):
            write(line)
        while True:
            try:
                text = read("> ")
            except EOFError:
                write("")
                write("Stopped. Here is the advice for the answers so far.")
                write(advice_text(advice))
                return advice
            if text.strip() == "?":
                write(f"  Why we ask: {fact.why}")
                continue
            if text.strip().lower() == "back":
                if history:
                    last = history.pop()
                    raw.pop(last, None)
                    skipped.discard(last)
                break
            if text.strip().lower() in ("skip", "don't know", "dont know", "not sure"):
                skipped.add(fact.id)
                history.append(fact.id)
                break
            try:
                value = _parse_answer(question, text)
                parse_facts({fact.id: value}, rules, today)
            except ValueError as exc:
                write(f"  {exc}")
                continue
            except InputError as exc:
                write(f"  {exc.message}")
                continue
            raw[fact.id] = value
            history.append(fact.id)
            break
    write("")
    write(advice_text(advice))
    return advice
