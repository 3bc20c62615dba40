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


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class ExtraField:
    """A column an addon added to a core model, exposed in the API and in the edit form."""

    name: str
    label: str
    type: type           # str or int
    default: Any
    choices: list[tuple[str, str]] | None = None  # (value, label)
    section: str = ""    # form section heading, e.g. "Traceability"
    help: str = ""
