"""The errors the rules core raises: each says what is wrong, where, and how to fix it."""

from __future__ import annotations

__all__ = ["InputError", "PackError", "RulesError"]


class RulesError(Exception):
    """Base class for every error the rules core raises on purpose."""


class InputError(RulesError):
    """Bad input from a person or program: a file, a fact, a date. Exit code 2 in the CLI."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        super().__init__(self.describe())

    def describe(self) -> str:
        """'facts.yaml, line 4, fact "child_at_risk": it must be yes or no.'"""
        where = []
        if self.file:
            where.append(self.file)
        if self.line:
            where.append(f"line {self.line}")
        if self.field:
            where.append(self.field)
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class PackError(InputError):
    """A rules pack is broken. The pack is refused whole; nothing of it is used."""
