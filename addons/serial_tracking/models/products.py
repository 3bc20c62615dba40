"""How each product is tracked: this addon's own table beside the core's products (one row per
product), so that loading the addon never changes the core's Product class."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
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
