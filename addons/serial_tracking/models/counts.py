"""Counts of a location: the units found there, scanned one by one, before the difference with
what the records expect is applied as moves."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp_core.database import UtcDateTime, db, utcnow
from erp_core.vocabulary import Vocabulary

from .locations import Location
from .serials import SERIAL_NAME_MAX


class CountState(Vocabulary):
    OPEN = "open", "Counting"
    APPLIED = "applied", "Applied"
    CANCELLED = "cancelled", "Cancelled"


class InventoryCount(db.Model):
    __tablename__ = "inventory_counts"
    __table_args__ = (CheckConstraint(CountState.check("state"), name="state"), Index("ix_inventory_counts_location_id", "location_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    state: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    applied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    location: Mapped[Location] = relationship()


class CountedSerial(db.Model):
    """A unit found during a count: its name, the product it is of, and the unit of that name when
    one exists (a unit never seen before is created when the count is applied)."""

    __tablename__ = "counted_serials"
    __table_args__ = (UniqueConstraint("count_id", "product_id", "name"), Index("ix_counted_serials_count_id", "count_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("inventory_counts.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    scope: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(SERIAL_NAME_MAX))
    serial_id: Mapped[int | None] = mapped_column(ForeignKey("serials.id"))
