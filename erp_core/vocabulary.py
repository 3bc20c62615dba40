"""Closed sets of values (types, states, statuses), each declared once as an enum whose members
carry their label. Models build their CHECK constraints from it, API schemas list its values,
forms offer its choices and templates show its labels::

    class MoveState(Vocabulary):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
"""
from __future__ import annotations

from enum import StrEnum


class Vocabulary(StrEnum):
    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs, for select fields."""
        return [(member.value, member.label) for member in cls]

    @classmethod
    def labels(cls) -> dict[str, str]:
        """{value: label}, for templates."""
        return {member.value: member.label for member in cls}

    @classmethod
    def label_of(cls, value: str | None) -> str:
        return cls(value).label if value in cls.values() else (value or "")

    @classmethod
    def check(cls, column: str) -> str:
        """The SQL of a CHECK constraint that allows exactly these values."""
        return f"{column} IN {cls.values()}"
