"""The journey's state, kept in the person's own browser (see answers_cookie): answers per concern.

Nothing here touches the database. Answers are stored as the raw values the rules core accepts
(text, dates as YYYY-MM-DD, lists for multiple choices), with the order they were given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .answers_cookie import AnswersStore

SESSION_KEY = "journey"
MAX_CONCERNS = 6
# Facts about the child or the person, not about one concern: they carry over to a new concern.
CARRIED_FACTS = ("child_at_risk", "who_is_asking", "has_ehc_plan", "missing_education")


@dataclass
class Concern:
    answers: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"answers": self.answers, "skipped": self.skipped, "asked": self.asked}

    @classmethod
    def from_json(cls, data: Any) -> Concern:
        if not isinstance(data, dict):
            return cls()
        raw = data.get("answers")
        answers: dict[str, Any] = raw if isinstance(raw, dict) else {}
        skipped = [s for s in data.get("skipped", []) if isinstance(s, str)]
        asked = [s for s in data.get("asked", []) if isinstance(s, str)]
        return cls(dict(answers), skipped, asked)

    def record(self, fact: str, value: Any) -> None:
        self.answers[fact] = value
        if fact in self.skipped:
            self.skipped.remove(fact)
        if fact not in self.asked:
            self.asked.append(fact)

    def skip(self, fact: str) -> None:
        self.answers.pop(fact, None)
        if fact not in self.skipped:
            self.skipped.append(fact)
        if fact not in self.asked:
            self.asked.append(fact)

    def previous(self, fact: str) -> str | None:
        """The question answered before ``fact`` (or the last one, if ``fact`` is new)."""
        if fact in self.asked:
            index = self.asked.index(fact)
            return self.asked[index - 1] if index > 0 else None
        return self.asked[-1] if self.asked else None


@dataclass
class Journey:
    concerns: list[Concern] = field(default_factory=list)

    @classmethod
    def load(cls, session: AnswersStore) -> Journey:
        data = session.get(SESSION_KEY)
        if not isinstance(data, dict) or not isinstance(data.get("concerns"), list):
            return cls()
        return cls([Concern.from_json(c) for c in data["concerns"][:MAX_CONCERNS]])

    def save(self, session: AnswersStore) -> None:
        session[SESSION_KEY] = {"concerns": [c.to_json() for c in self.concerns]}

    def concern(self, index: int) -> Concern | None:
        if index == len(self.concerns) == 0:
            self.concerns.append(Concern())
        if 0 <= index < len(self.concerns):
            return self.concerns[index]
        return None

    def add_concern(self) -> int:
        """Start another concern, carrying over facts about the child; return its index."""
        carried = Concern()
        if self.concerns:
            first = self.concerns[0]
            for fact in CARRIED_FACTS:
                if fact in first.answers:
                    carried.answers[fact] = first.answers[fact]
                    carried.asked.append(fact)
        self.concerns.append(carried)
        return len(self.concerns) - 1


def journey_clear(session: AnswersStore) -> None:
    """Forget every answer: the answers cookie is deleted."""
    session.clear()
