"""The audit trail: one row per business action (who, when, what, on which record, and a compact
``details`` entry), written in the transaction of the action itself, so an action that fails
leaves no trace and one that succeeds always does. Addons write to it through ``record``; a bulk
action is one row, never one per unit it touched."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from .database import UtcDateTime, db, utcnow
from .models import User

LISTED = 1000  # names kept in a detail's list; the rest is counted in "<key>_omitted"


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_record", "record_type", "record_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(Integer)
    details: Mapped[dict | None] = mapped_column(JSON)


def compact(values: list) -> dict:
    """A long list (the serials of a receipt) kept as its first ``LISTED`` items and a count."""
    return {"items": list(values[:LISTED]), "count": len(values), **({"omitted": len(values) - LISTED} if len(values) > LISTED else {})}


def _plain(value):
    """Numbers as JSON numbers (3, not "3.000"), dates and enums as their text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def record(action: str, record_type: str, record_id: int, user=None, **details: Any) -> None:
    """Write that ``user`` (None: the command line or the system) did ``action`` on the record
    ``record_type:record_id``; use ``compact`` for long lists in ``details``."""
    details = json.loads(json.dumps(details, default=_plain)) if details else None
    db.session.execute(insert(AuditEntry).values(at=utcnow(), user_id=user.id if user is not None else None, action=action,
                                                 record_type=record_type, record_id=record_id, details=details))


def entries_stmt(record_type: str | None = None, record_id: int | None = None):
    """(at, user, action, details) rows, oldest first, of one record or of every record."""
    stmt = (select(AuditEntry.at, User.username.label("user"), AuditEntry.action, AuditEntry.details,
                   AuditEntry.record_type, AuditEntry.record_id)
            .outerjoin(User, User.id == AuditEntry.user_id).order_by(AuditEntry.id))
    if record_type is not None:
        stmt = stmt.where(AuditEntry.record_type == record_type)
    if record_id is not None:
        stmt = stmt.where(AuditEntry.record_id == record_id)
    return stmt
