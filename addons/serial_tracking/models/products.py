"""How each product is tracked: this addon's own table beside the core's products (one row per
product), so that loading the addon never changes the core's Product class."""
from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.database import db
from erp_core.vocabulary import Vocabulary


class Tracking(Vocabulary):
    NONE = "none", "No tracking"
    LOT = "lot", "By lots"
    SERIAL = "serial", "By unique serial number"


class ProductTracking(db.Model):
    __tablename__ = "product_tracking"
    __table_args__ = (CheckConstraint(Tracking.check("tracking"), name="tracking"),)

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    tracking: Mapped[str] = mapped_column(String(8), default="none", server_default="none")
    warranty_months: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A regular expression every serial of the product fully matches (None: any name), and whether
    # serials are turned to upper case as they are scanned or typed.
    serial_pattern: Mapped[str | None] = mapped_column(String(200))
    serial_uppercase: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
