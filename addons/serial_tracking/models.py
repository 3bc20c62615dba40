"""Locations, stock moves and their lines, serial numbers, the serials assigned to a pending move,
each unit's history, and the quantities of products that are not serial-tracked."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from addons.invoicing.models import Invoice
from erp_core.database import UtcDateTime, db, utcnow
from erp_core.models import Partner, Product, User

TRACKING_MODES = ("none", "lot", "serial")
LOCATION_USAGES = ("view", "internal", "vendor", "customer", "inventory", "scrap")
MOVE_TYPES = ("receipt", "delivery", "internal", "scrap", "adjustment")
MOVE_STATES = ("pending", "done", "cancelled")
SERIAL_STATUSES = ("available", "on_hand", "out_of_stock")
SERIAL_NAME_MAX = 64

# Columns this addon adds to the shared products table (migration serial_tracking_0001).
Product.tracking = mapped_column(String(8), nullable=False, default="none", server_default="none")
Product.warranty_months = mapped_column(Integer, nullable=False, default=0, server_default="0")


class Location(db.Model):
    """A place stock can be: a tree (``parent_path`` "1/4/" holds the ids from the root, so "at X or
    below" is a prefix test), with partner and virtual locations at the edges of the warehouse."""

    __tablename__ = "locations"
    __table_args__ = (CheckConstraint(f"usage IN {LOCATION_USAGES}", name="usage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    usage: Mapped[str] = mapped_column(String(16), index=True)
    full_name: Mapped[str] = mapped_column(String(400), unique=True)
    parent_path: Mapped[str] = mapped_column(String(200), default="")

    parent: Mapped["Location | None"] = relationship(remote_side="Location.id")


class StockMove(db.Model):
    __tablename__ = "stock_moves"
    __table_args__ = (
        CheckConstraint(f"type IN {MOVE_TYPES}", name="type"),
        CheckConstraint(f"state IN {MOVE_STATES}", name="state"),
        Index("ix_stock_moves_state_type", "state", "type"),
        Index("ix_stock_moves_invoice_id", "invoice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    source_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    dest_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    source_location: Mapped[Location] = relationship(foreign_keys=[source_location_id])
    dest_location: Mapped[Location] = relationship(foreign_keys=[dest_location_id])
    partner: Mapped[Partner | None] = relationship()
    invoice: Mapped[Invoice | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])
    lines: Mapped[list["StockMoveLine"]] = relationship(back_populates="move", order_by="StockMoveLine.id",
                                                        cascade="all, delete-orphan")


class StockMoveLine(db.Model):
    __tablename__ = "stock_move_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_stock_move_lines_move_id", "move_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    move_id: Mapped[int] = mapped_column(ForeignKey("stock_moves.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3))

    move: Mapped[StockMove] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()


class Serial(db.Model):
    """One unit. ``scope`` is the product id under per-product uniqueness and 0 under
    ``ERP_SERIAL_UNIQUENESS=global``, so one UNIQUE(scope, name) constraint enforces either mode."""

    __tablename__ = "serials"
    __table_args__ = (
        UniqueConstraint("scope", "name"),
        CheckConstraint("scope = 0 OR scope = product_id", name="scope"),
        CheckConstraint(f"status IN {SERIAL_STATUSES}", name="status"),
        Index("ix_serials_name", "name"),
        Index("ix_serials_status_id", "status", "id"),
        Index("ix_serials_location_status", "location_id", "status", "product_id"),
        Index("ix_serials_product_id", "product_id", "id"),
        # Only the few reserved units are indexed, so receiving and delivering in bulk skip it.
        Index("ix_serials_reserved_by_move_id", "reserved_by_move_id", sqlite_where=text("reserved_by_move_id IS NOT NULL"),
              postgresql_where=text("reserved_by_move_id IS NOT NULL")),
        # Made by migration serial_tracking_0003 only where pg_trgm can be had; see erp_core.migrations.include_object.
        {"info": {"optional_indexes": ("ix_serials_name_trgm",)}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(SERIAL_NAME_MAX))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    scope: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str | None] = mapped_column(String(64))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))  # None: never received
    status: Mapped[str] = mapped_column(String(16), default="out_of_stock")
    reserved_by_move_id: Mapped[int | None] = mapped_column(ForeignKey("stock_moves.id"))
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    vendor_bill_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    customer_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
    location: Mapped[Location | None] = relationship()
    reserved_by_move: Mapped[StockMove | None] = relationship()
    vendor: Mapped[Partner | None] = relationship(foreign_keys=[vendor_id])
    vendor_bill: Mapped[Invoice | None] = relationship(foreign_keys=[vendor_bill_id])
    customer: Mapped[Partner | None] = relationship(foreign_keys=[customer_id])
    customer_invoice: Mapped[Invoice | None] = relationship(foreign_keys=[customer_invoice_id])


class MoveLineSerial(db.Model):
    """A serial name assigned to a line of a move. ``serial_id`` is the unit the name designated when
    it was assigned or validated; it stays NULL for the units a receipt created on validation
    (history and serials find those by scope and name)."""

    __tablename__ = "move_line_serials"
    __table_args__ = (
        UniqueConstraint("move_id", "scope", "name"),
        Index("ix_move_line_serials_line_id", "line_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    move_id: Mapped[int] = mapped_column(ForeignKey("stock_moves.id", ondelete="CASCADE"))
    line_id: Mapped[int] = mapped_column(ForeignKey("stock_move_lines.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    scope: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(SERIAL_NAME_MAX))
    serial_id: Mapped[int | None] = mapped_column(ForeignKey("serials.id"))


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


class StockQuant(db.Model):
    """On-hand quantity of a product that is not serial-tracked at an internal location (serial-
    tracked stock is counted from the serials themselves)."""

    __tablename__ = "stock_quants"
    __table_args__ = (UniqueConstraint("product_id", "location_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3), default=Decimal("0"))
