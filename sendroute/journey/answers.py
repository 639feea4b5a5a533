"""Reading one answer from a question page, with GOV.UK error messages.

Each fact type has its own input: radios (yes/no, one choice), checkboxes (several choices), the
date input (day, month, year), a number or text. "Not sure" is always an allowed answer except for
what the concern is about, and leaves the fact unknown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from sendroute.rules.model import Fact

NOT_SURE = "not_sure"
# Facts the journey cannot continue without.
REQUIRED = ("concern_about",)


@dataclass
class FieldError:
    """An error message and the id of the input it is about (the error summary links to it)."""

    target: str
    message: str
    parts: tuple[str, ...] = ()


@dataclass
class Answer:
    value: Any = None
    skipped: bool = False
    errors: list[FieldError] = field(default_factory=list)
    kept: dict[str, Any] = field(default_factory=dict)


def _date_answer(fact: Fact, data: QueryDict, today: dt.date) -> Answer:
    parts = {k: data.get(f"{fact.id}-{k}", "").strip() for k in ("day", "month", "year")}
    answer = Answer(kept=parts)
    if data.get("not_sure") == "yes":
        answer.skipped = True
        return answer
    missing = [k for k in ("day", "month", "year") if not parts[k]]
    if len(missing) == 3:
        answer.errors.append(
            FieldError(
                f"{fact.id}-day",
                "Enter the date, or choose 'I do not know the date'",
                ("day", "month", "year"),
            )
        )
        return answer
    if missing:
        answer.errors.append(
            FieldError(
                f"{fact.id}-{missing[0]}",
                f"The date must include a {' and a '.join(missing)}",
                tuple(missing),
            )
        )
        return answer
    bad = [
        k
        for k in ("day", "month", "year")
        if not (parts[k].isascii() and parts[k].isdigit() and len(parts[k]) <= 4)
    ]
    if bad:
        answer.errors.append(
            FieldError(
                f"{fact.id}-{bad[0]}",
                "The date must be a real date, written in numbers",
                tuple(bad),
            )
        )
        return answer
    day, month, year = int(parts["day"]), int(parts["month"]), int(parts["year"])
    if len(parts["year"]) != 4:
        answer.errors.append(
            FieldError(
                f"{fact.id}-year", "The year must include 4 numbers, for example 2026", ("year",)
            )
        )
        return answer
    try:
        value = dt.date(year, month, day)
    except ValueError:
        target = "month" if not 1 <= month <= 12 else "day"
        answer.errors.append(
            FieldError(f"{fact.id}-{target}", "The date must be a real date", (target,))
        )
        return answer
    if fact.past_only and value > today:
        answer.errors.append(
            FieldError(
                f"{fact.id}-day", "The date must be today or in the past", ("day", "month", "year")
            )
        )
        return answer
    if value.year < 1990:
        answer.errors.append(
            FieldError(f"{fact.id}-year", "The date must be after 1990", ("year",))
        )
        return answer
    answer.value = value.isoformat()
    return answer


def read_answer(fact: Fact, data: QueryDict, today: dt.date) -> Answer:
    """The answer to ``fact`` in a submitted form, or the errors to show."""
    if fact.type == "date":
        return _date_answer(fact, data, today)
    if fact.type == "multichoice":
        chosen = data.getlist(fact.id)
        answer = Answer(kept={"values": chosen})
        allowed = {v.value for v in fact.values}
        if NOT_SURE in chosen and fact.id not in REQUIRED:
            answer.skipped = True
            return answer
        chosen = [c for c in chosen if c in allowed]
        if not chosen:
            answer.errors.append(FieldError(f"{fact.id}", "Select at least one option"))
            return answer
        answer.value = chosen
        return answer
    if fact.type in ("bool", "choice"):
        raw = data.get(fact.id, "")
        answer = Answer(kept={"value": raw})
        if raw == NOT_SURE and fact.id not in REQUIRED:
            answer.skipped = True
            return answer
        if fact.type == "bool" and raw in ("yes", "no"):
            answer.value = raw == "yes"
            return answer
        if fact.type == "choice" and raw in {v.value for v in fact.values}:
            answer.value = raw
            return answer
        message = (
            "Select yes, no or I'm not sure"
            if fact.type == "bool"
            else "Select the answer that fits best"
        )
        answer.errors.append(FieldError(fact.id, message))
        return answer
    raw = data.get(fact.id, "").strip()
    answer = Answer(kept={"value": raw})
    if data.get("not_sure") == "yes":
        answer.skipped = True
        return answer
    if fact.type == "number":
        try:
            number = float(raw) if "." in raw else int(raw)
        except ValueError:
            answer.errors.append(FieldError(fact.id, "Enter a number, like 16"))
            return answer
        if fact.minimum is not None and number < fact.minimum:
            answer.errors.append(
                FieldError(fact.id, f"The number must be {fact.minimum:g} or more")
            )
        elif fact.maximum is not None and number > fact.maximum:
            answer.errors.append(
                FieldError(fact.id, f"The number must be {fact.maximum:g} or less")
            )
        else:
            answer.value = number
        return answer
    if not raw:
        answer.errors.append(FieldError(fact.id, "Enter an answer, or choose 'I'm not sure'"))
        return answer
    if len(raw) > 2000:
        answer.errors.append(FieldError(fact.id, "The answer must be 2,000 characters or fewer"))
        return answer
    answer.value = raw
    return answer


def kept_from_value(fact: Fact, value: Any) -> dict[str, Any]:
    """What to show in the inputs for an answer already given (when someone changes an answer)."""
    if value is None:
        return {}
    if fact.type == "date":
        day = dt.date.fromisoformat(str(value))
        return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}
    if fact.type == "multichoice":
        return {"values": list(value)}
    if fact.type == "bool":
        return {"value": "yes" if value else "no"}
    return {"value": str(value)}


def answer_label(fact: Fact, value: Any, skipped: bool) -> str:
    """An answer in words, for the check your answers page."""
    if skipped:
        return "I'm not sure"
    if fact.type == "bool":
        return "Yes" if value else "No"
    labels = {v.value: v.label for v in fact.values}
    if fact.type == "multichoice":
        return "; ".join(labels.get(v, v) for v in value)
    if fact.type == "choice":
        return labels.get(value, str(value))
    if fact.type == "date":
        from sendroute.rules.dates import format_date

        return format_date(dt.date.fromisoformat(str(value)))
    return str(value)
