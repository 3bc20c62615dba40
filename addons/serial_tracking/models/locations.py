"""Places stock can be."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp_core.database import db
from erp_core.vocabulary import Vocabulary


class LocationUsage(Vocabulary):
    VIEW = "view", "View (groups other locations)"
    INTERNAL = "internal", "Internal (stock)"
    VENDOR = "vendor", "Vendor"
    CUSTOMER = "customer", "Customer"
    INVENTORY = "inventory", "Inventory adjustment"
    SCRAP = "scrap", "Scrap"


class Location(db.Model):
    """A place stock can be: a tree (``parent_path`` "1/4/" holds the ids from the root, so "at X or
    below" is a prefix test), with partner and virtual locations at the edges of the warehouse."""

    __tablename__ = "locations"
    __table_args__ = (CheckConstraint(LocationUsage.check("usage"), name="usage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    usage: Mapped[str] = mapped_column(String(16), index=True)
    full_name: Mapped[str] = mapped_column(String(400), unique=True)
    parent_path: Mapped[str] = mapped_column(String(200), default="")

    parent: Mapped["Location | None"] = relationship(remote_side="Location.id")
