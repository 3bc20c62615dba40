"""Small value types that addons return from the host's hooks."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MenuItem:
    menu: str          # top-level entry, e.g. "Inventory"
    label: str         # e.g. "Serial Numbers"
    endpoint: str      # Flask endpoint of the page
    order: int = 100
    group: str = ""    # optional sub-heading inside the menu, e.g. "Configuration"
    permission: str | None = None  # hide the entry from users who may not perform this action


@dataclass(frozen=True)
class DashboardCard:
    title: str
    rows: list[tuple[str, Any, str | None]]  # (label, value, link or None)
    order: int = 100
    # What to do next, under the rows: [(heading, [(label, link, detail)])], e.g. the oldest documents waiting.
    lists: list[tuple[str, list[tuple[str, str, str]]]] = field(default_factory=list)
    template: str | None = None  # more content (a chart), rendered with ``card.context``
    context: dict = field(default_factory=dict)
    wide: bool = False  # spans the whole width of the dashboard


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class Role:
    """A role users can have. ``demo_user`` names the user `erp init --demo` creates with it."""

    name: str          # e.g. "warehouse"
    label: str         # e.g. "Warehouse"
    description: str   # what people with this role do, in a sentence
    demo_user: str | None = None
