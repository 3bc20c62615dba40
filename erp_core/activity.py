"""Activity panels: the audit entries of one record in words, newest first, a page at a time, on
the record's page (read-only, like a chatter). Each addon words the actions on its own records
through the ``erp_audit_text`` hook; anything it leaves is worded here from the entry itself."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, request

from . import audit
from .database import count_rows, db

PAGE = 20
_WORDS = {"create": "Created", "edit": "Edited", "delete": "Deleted", "cancel": "Cancelled", "post": "Posted", "validate": "Validated"}


@dataclass(frozen=True)
class ActivityEntry:
    at: datetime
    user: str | None  # None: the command line or the system
    text: str


@dataclass(frozen=True)
class Activity:
    entries: list[ActivityEntry]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE))


def record_activity(record_type: str, record_id: int) -> Activity:
    """The page of ``record_type:record_id``'s entries asked for by ``?activity=N`` (1: the newest)."""
    stmt = audit.entries_stmt(record_type, record_id)
    total = count_rows(stmt)
    pages = max(1, -(-total // PAGE))
    page = request.args.get("activity", "1")
    page = min(int(page), pages) if page.isdigit() and int(page) > 0 else 1
    rows = db.session.execute(stmt.order_by(None).order_by(audit.AuditEntry.id.desc()).limit(PAGE).offset((page - 1) * PAGE))
    return Activity([ActivityEntry(row.at, row.user, describe(record_type, row.action, row.details or {})) for row in rows], page, total)


def describe(record_type: str, action: str, details: dict) -> str:
    """An audit entry in words: the addon's wording when it has one, else a plain one."""
    worded = current_app.extensions["erp"].hook.erp_audit_text(record_type=record_type, action=action, details=details)
    return worded if worded is not None else plain_text(action, details)


def listed(value: dict, shown: int = 5) -> str:
    """The items of a list kept by ``audit.compact``: "SN-1, SN-2, SN-3", longer ones cut with "…"."""
    items = [str(item) for item in value.get("items", [])[:shown]]
    return ", ".join(items) + (", …" if value.get("count", len(items)) > len(items) else "")


def changes_text(changes: dict) -> str:
    """``{"field": [before, after]}`` in words: "name: Old → New"."""
    return "; ".join(f"{field.replace('_', ' ')}: {_shown(before)} → {_shown(after)}" for field, (before, after) in changes.items())


def _shown(value) -> str:
    return "—" if value in (None, "") else str(value)


def plain_text(action: str, details: dict) -> str:
    text = _WORDS.get(action, action.replace("_", " ").capitalize())
    parts = []
    for key, value in details.items():
        if key == "changes" and isinstance(value, dict):
            parts.append(changes_text(value))
        elif isinstance(value, dict) and "items" in value:
            parts.append(f"{key.replace('_', ' ')} {value.get('count', 0)}: {listed(value)}")
        elif not isinstance(value, (dict, list)):
            parts.append(f"{key.replace('_', ' ')}: {value}")
    return text + (f" ({'; '.join(parts)})" if parts else "")
