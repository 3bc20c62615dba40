"""Sortable lists: each list names the columns a person may sort it by (a whitelist: the query
string never reaches SQL as a name), and ``?sort=column`` / ``?sort=-column`` picks one, ascending
or descending. The list's page and its CSV export order their rows with the same ``Sorting``; the
``sort_header`` macro of core/macros.html draws the clickable headers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from sqlalchemy import select


@dataclass(frozen=True)
class Sorting:
    """``columns``: sort key → SQL expression (text columns lower-cased by the caller, so that both
    databases sort them alike). ``default``: the ORDER BY of a list not sorted by a column.
    ``tiebreak``: unique columns appended to a column sort, so that pages never overlap."""

    columns: Mapping[str, Any]
    default: Sequence[Any]
    tiebreak: Sequence[Any] = field(default_factory=tuple)

    def key(self, value: str | None) -> str | None:
        """The sort asked for (``name`` or ``-name``) when its column is in the whitelist, else None."""
        value = (value or "").strip()
        return value if value.removeprefix("-") in self.columns else None

    def order(self, value: str | None) -> list:
        """The ORDER BY clauses of the sort ``value`` (the default ones when it names no column).
        Empty values go last either way, on SQLite as on PostgreSQL."""
        key = self.key(value)
        if key is None:
            return list(self.default)
        column = self.columns[key.removeprefix("-")]
        return [(column.desc() if key.startswith("-") else column.asc()).nulls_last(), *self.tiebreak]


def related(model, value, key):
    """``value`` of the ``model`` row whose id is ``key`` (a foreign key of the listed rows), as a
    sort column: a subquery, so that a list and its export sort by it whatever they join."""
    return select(value).where(model.id == key).correlate_except(model).scalar_subquery()
