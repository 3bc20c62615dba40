"""Quantities of the products that are not serial-tracked."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.database import db


class StockQuant(db.Model):
    """On-hand quantity of a product that is not serial-tracked at an internal location (serial-
    tracked stock is counted from the serials themselves)."""

    __tablename__ = "stock_quants"
    __table_args__ = (UniqueConstraint("product_id", "location_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3), default=Decimal("0"))
