"""Serial numbers (one row per unit) and each unit's history."""
from __future__ import annotations

from datetime import datetime

from erp_addons.invoicing.models import Invoice
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp_core.database import UtcDateTime, db, utcnow
from erp_core.models import Partner, Product
from erp_core.vocabulary import Vocabulary

from .locations import Location
from .products import ProductTracking

SERIAL_NAME_MAX = 64


class SerialStatus(Vocabulary):
    AVAILABLE = "available", "Available"
    ON_HAND = "on_hand", "Reserved (on hand)"
    OUT_OF_STOCK = "out_of_stock", "Out of stock"


class Serial(db.Model):
    """One unit. ``scope`` is the product id under per-product uniqueness and 0 under
    ``ERP_SERIAL_UNIQUENESS=global``, so one UNIQUE(scope, name) constraint enforces either mode."""

    __tablename__ = "serials"
    __table_args__ = (
        UniqueConstraint("scope", "name"),
        CheckConstraint("scope = 0 OR scope = product_id", name="scope"),
        CheckConstraint(SerialStatus.check("status"), name="status"),
        # Lower-case names: searches and look-ups by name ignore case (exact look-ups add name = ...).
        Index("ix_serials_name_lower", func.lower(text("name"))),
        Index("ix_serials_status_id", "status", "id"),
        Index("ix_serials_location_status", "location_id", "status", "product_id"),
        Index("ix_serials_product_id", "product_id", "id"),
        # Made by migration serial_tracking_0003 only where pg_trgm can be had; see erp_core.migrations.include_object.
        {"info": {"optional_indexes": ("ix_serials_name_trgm",)}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(SERIAL_NAME_MAX))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    scope: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str | None] = mapped_column(String(64))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))  # None: never received
    # Where the unit is: available (in stock) or out_of_stock. ``status`` adds on_hand, a unit in stock
    # reserved by a pending move: reservations live on the assignment rows (models.moves), so
    # reserving and freeing a unit never rewrites its row here.
    stock_status: Mapped[str] = mapped_column("status", String(16), default="out_of_stock")
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    vendor_bill_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    customer_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
    product_tracking: Mapped[ProductTracking | None] = relationship(
        primaryjoin="foreign(Serial.product_id) == ProductTracking.product_id", viewonly=True)
    location: Mapped[Location | None] = relationship()
    vendor: Mapped[Partner | None] = relationship(foreign_keys=[vendor_id])
    vendor_bill: Mapped[Invoice | None] = relationship(foreign_keys=[vendor_bill_id])
    customer: Mapped[Partner | None] = relationship(foreign_keys=[customer_id])
    customer_invoice: Mapped[Invoice | None] = relationship(foreign_keys=[customer_invoice_id])


class SerialHistory(db.Model):
    """One row per serial per done move; written once, never updated."""

    __tablename__ = "serial_history"
    __table_args__ = (Index("ix_serial_history_serial_id", "serial_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    serial_id: Mapped[int] = mapped_column(ForeignKey("serials.id"))
    move_id: Mapped[int] = mapped_column(ForeignKey("stock_moves.id"))
    date: Mapped[datetime] = mapped_column(UtcDateTime)
    source_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    dest_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
