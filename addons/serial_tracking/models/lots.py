"""Lots: a batch of units of one product that share a name and an expiry date, counted in
quantities. The lots assigned to a line of a move, and the quantity of each lot at each location."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp_core.database import UtcDateTime, db, utcnow
from erp_core.models import Product

from .serials import SERIAL_NAME_MAX


class Lot(db.Model):
    """``scope`` works as for serial numbers: the product id, or 0 when names are unique across products."""

    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("scope", "name"), CheckConstraint("scope = 0 OR scope = product_id", name="scope"),
                      Index("ix_lots_product_id", "product_id", "expiry_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(SERIAL_NAME_MAX))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    scope: Mapped[int] = mapped_column(Integer)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    product: Mapped[Product] = relationship()


class MoveLineLot(db.Model):
    """A quantity of a lot on a line of a move. ``lot_id`` is NULL for a lot a receipt brings in for
    the first time until it is validated (the lot is then created with ``expiry_date``)."""

    __tablename__ = "move_line_lots"
    __table_args__ = (UniqueConstraint("line_id", "scope", "name"), CheckConstraint("quantity > 0", name="quantity_positive"),
                      Index("ix_move_line_lots_move_id", "move_id"), Index("ix_move_line_lots_lot_id", "lot_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    move_id: Mapped[int] = mapped_column(ForeignKey("stock_moves.id", ondelete="CASCADE"))
    line_id: Mapped[int] = mapped_column(ForeignKey("stock_move_lines.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    scope: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(SERIAL_NAME_MAX))
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3))
    expiry_date: Mapped[date | None] = mapped_column(Date)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    # Why an expired lot was let out anyway (a manager's decision, also in the audit trail).
    expiry_override: Mapped[str | None] = mapped_column(String(500))


class LotQuant(db.Model):
    """How much of a lot is at an internal location."""

    __tablename__ = "lot_quants"
    __table_args__ = (UniqueConstraint("lot_id", "location_id"), Index("ix_lot_quants_location_id", "location_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3), default=Decimal(0))
