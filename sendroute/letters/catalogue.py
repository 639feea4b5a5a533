"""The kinds of letter sendroute drafts, read from types.yaml, and which fit a concern's stage."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sendroute.rules.advice import CitationOut

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"


@dataclass(frozen=True)
class Respond:
    amount: int
    method: str
    says: str


@dataclass(frozen=True)
class LetterType:
    id: str
    title: str
    steps: tuple[str, ...]
    any_stage: bool
    to: str
    template: str
    cite: tuple[str, ...]
    respond: Respond
    note: str = ""


@dataclass(frozen=True)
class Catalogue:
    types: dict[str, LetterType]
    citations: dict[str, CitationOut]


@cache
def catalogue() -> Catalogue:
    raw: dict[str, Any] = yaml.safe_load((HERE / "types.yaml").read_text(encoding="utf-8"))
    types: dict[str, LetterType] = {}
    citations: dict[str, CitationOut] = {}
    for c in raw.get("citations", []):
        citations[c["id"]] = CitationOut(
            c["id"],
            "letter",
            c.get("quote"),
            c.get("title"),
            c.get("source"),
            c.get("url"),
            c.get("status"),
        )
    for item in raw["types"]:
        types[item["id"]] = LetterType(
            id=item["id"],
            title=item["title"],
            steps=tuple(item.get("steps", ())),
            any_stage=bool(item.get("any_stage", False)),
            to=item["to"],
            template=item["template"],
            cite=tuple(item.get("cite", ())),
            respond=Respond(**item["respond"]),
            note=item.get("note", ""),
        )
    return Catalogue(types, citations)


def letter_type(type_id: str) -> LetterType | None:
    return catalogue().types.get(type_id)


def types_fitting(stages: set[str]) -> list[LetterType]:
    """The letters for these stages (the concern's current and next steps), then any-stage ones."""
    fitting = [t for t in catalogue().types.values() if set(t.steps) & stages]
    return fitting + [t for t in catalogue().types.values() if t.any_stage]
