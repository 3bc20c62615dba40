"""Stock on hand per product and internal location."""
from __future__ import annotations

from sqlalchemy import false, func, literal, select, union_all

from erp_core.database import db

from ..models import Location, ProductTracking, Serial, StockQuant
from .locations import locations_below
from .products import tracking_column


def stock_quantities_stmt(product_id: int | None = None, location_id: int | None = None):
    """(product_id, location_id, quantity, reserved_quantity) for each product and internal
    location holding stock: serial-tracked products counted from their serials, others from quants."""
    location = db.session.get(Location, location_id) if location_id is not None else None
    serial_rows = (select(Serial.product_id, Serial.location_id, func.count().label("quantity"),
                          func.count(Serial.reserved_by_move_id).label("reserved_quantity"))
                   .where(Serial.status.in_(("available", "on_hand")))
                   .group_by(Serial.product_id, Serial.location_id))
    quant_rows = (select(StockQuant.product_id, StockQuant.location_id, StockQuant.quantity, literal(0))
                  .outerjoin(ProductTracking, ProductTracking.product_id == StockQuant.product_id)
                  .join(Location, Location.id == StockQuant.location_id)
                  .where(StockQuant.quantity != 0, tracking_column() != "serial", Location.usage == "internal"))
    if product_id is not None:
        serial_rows = serial_rows.where(Serial.product_id == product_id)
        quant_rows = quant_rows.where(StockQuant.product_id == product_id)
    if location_id is not None:
        serial_rows = serial_rows.where(Serial.location_id.in_(locations_below(location)) if location else false())
        quant_rows = quant_rows.where(StockQuant.location_id.in_(locations_below(location)) if location else false())
    rows = union_all(serial_rows, quant_rows).subquery()
    return select(rows.c.product_id, rows.c.location_id, rows.c.quantity, rows.c.reserved_quantity).order_by(rows.c.product_id, rows.c.location_id)
