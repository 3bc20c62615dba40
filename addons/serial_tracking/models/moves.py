"""Stock moves, their lines, and the serial numbers assigned to those lines."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from erp_addons.invoicing.models import Invoice
from sqlalchemy import (Boolean, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, case, false,
                        select, text)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from erp_core.database import UtcDateTime, db, utcnow
from erp_core.models import Partner, Product, User
from erp_core.vocabulary import Vocabulary

from .locations import Location
from .products import ProductTracking
from .serials import SERIAL_NAME_MAX, Serial


REASON_MAX = 500


class MoveType(Vocabulary):
    RECEIPT = "receipt", "Receipt"
    DELIVERY = "delivery", "Delivery"
    INTERNAL = "internal", "Internal transfer"
    SCRAP = "scrap", "Scrap"
    ADJUSTMENT = "adjustment", "Inventory adjustment"


class MoveState(Vocabulary):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class StockMove(db.Model):
    __tablename__ = "stock_moves"
    __table_args__ = (
        CheckConstraint(MoveType.check("type"), name="type"),
        CheckConstraint(MoveState.check("state"), name="state"),
        Index("ix_stock_moves_state_type", "state", "type"),
        Index("ix_stock_moves_invoice_id", "invoice_id"),
        Index("ix_stock_moves_backorder_of_id", "backorder_of_id"),
        Index("ix_stock_moves_origin_move_id", "origin_move_id"),
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
    # What the move comes from: the move it takes the rest of (a backorder), the move it returns or
    # corrects, the count it applies; and why it was made, in the user's words.
    backorder_of_id: Mapped[int | None] = mapped_column(ForeignKey("stock_moves.id"))
    origin_move_id: Mapped[int | None] = mapped_column(ForeignKey("stock_moves.id"))
    count_id: Mapped[int | None] = mapped_column(ForeignKey("inventory_counts.id"))
    reason: Mapped[str | None] = mapped_column(String(REASON_MAX))

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
        # 0 only on a done move whose line was validated with nothing assigned and the rest dropped.
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        Index("ix_stock_move_lines_move_id", "move_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    move_id: Mapped[int] = mapped_column(ForeignKey("stock_moves.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3))
    quantity_dropped: Mapped[Decimal] = mapped_column(Numeric(16, 3), default=Decimal(0), server_default="0")

    move: Mapped[StockMove] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    product_tracking: Mapped[ProductTracking | None] = relationship(
        primaryjoin="foreign(StockMoveLine.product_id) == ProductTracking.product_id", viewonly=True, lazy="joined")

    @property
    def tracking(self) -> str:
        return self.product_tracking.tracking if self.product_tracking else "none"


class MoveLineSerial(db.Model):
    """A serial name assigned to a line of a move. ``serial_id`` is the unit the name designated when
    it was assigned or validated; it stays NULL for the units a receipt created on validation
    (history and serials find those by scope and name).

    ``reserved``: the row of a pending move out of stock holds its unit until the move is done,
    cancelled or the row removed. The partial unique index allows one open reservation per unit,
    whatever the number of concurrent requests, without writing to ``serials``."""

    __tablename__ = "move_line_serials"
    __table_args__ = (
        UniqueConstraint("move_id", "scope", "name"),
        Index("ix_move_line_serials_line_id", "line_id", "id"),
        Index("uq_move_line_serials_reserved_serial_id", "serial_id", unique=True,
              sqlite_where=text("reserved = 1"), postgresql_where=text("reserved")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    move_id: Mapped[int] = mapped_column(ForeignKey("stock_moves.id", ondelete="CASCADE"))
    line_id: Mapped[int] = mapped_column(ForeignKey("stock_move_lines.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    scope: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(SERIAL_NAME_MAX))
    serial_id: Mapped[int | None] = mapped_column(ForeignKey("serials.id"))
    reserved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


# Read as before, though stored on the assignment rows: the pending move that reserves a unit, and
# its status (on_hand while reserved).
Serial.reserved_by_move_id = column_property(
    select(MoveLineSerial.move_id).where(MoveLineSerial.serial_id == Serial.id, MoveLineSerial.reserved)
    .correlate_except(MoveLineSerial).scalar_subquery())
Serial.reserved_by_move = relationship(StockMove, secondary=MoveLineSerial.__table__, viewonly=True, uselist=False,
                                      primaryjoin=(MoveLineSerial.serial_id == Serial.id) & MoveLineSerial.reserved,
                                      secondaryjoin=MoveLineSerial.move_id == StockMove.id)
Serial.status = column_property(case((Serial.reserved_by_move_id.expression.is_not(None), "on_hand"), else_=Serial.stock_status))
