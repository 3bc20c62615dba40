"""Stock on hand per product and internal location."""
from __future__ import annotations

from sqlalchemy import Integer, Row, false, func, literal, select, union_all

from erp_core.database import db
from erp_core.models import Product
from erp_core.sorting import Sorting, related

from ..models import Location, Lot, LotQuant, MoveLineLot, MoveLineSerial, ProductTracking, Serial, StockMove, StockQuant
from .locations import locations_below
from .products import tracking_column


def stock_sorting(rows) -> Sorting:
    """The sortable columns of the stock rows ``rows`` (a select's columns); by ids by default."""
    ids = (rows.product_id, rows.location_id, rows.lot_id)
    return Sorting({"product": related(Product, func.lower(Product.name), rows.product_id),
                    "location": related(Location, func.lower(Location.full_name), rows.location_id),
                    "quantity": rows.quantity, "reserved": rows.reserved_quantity, "free": rows.quantity - rows.reserved_quantity},
                   default=ids, tiebreak=ids)


def stock_quantities_stmt(product_id: int | None = None, location_id: int | None = None, sort: str | None = None):
    """(product_id, location_id, lot_id, quantity, reserved_quantity) for each product (and lot) and
    internal location holding stock: serial-tracked products counted from their serials, lots from
    their quantities (less nothing: what pending moves out hold is the reserved part), untracked
    products from their quants."""
    location = db.session.get(Location, location_id) if location_id is not None else None
    serial_rows = (select(Serial.product_id, Serial.location_id, literal(None, Integer).label("lot_id"), func.count().label("quantity"),
                          func.count(MoveLineSerial.id).label("reserved_quantity"))
                   .outerjoin(MoveLineSerial, (MoveLineSerial.serial_id == Serial.id) & MoveLineSerial.reserved)
                   .where(Serial.stock_status == "available")
                   .group_by(Serial.product_id, Serial.location_id))
    held = (select(MoveLineLot.lot_id, StockMove.source_location_id, func.sum(MoveLineLot.quantity).label("quantity"))
            .join(StockMove, StockMove.id == MoveLineLot.move_id).where(StockMove.state == "pending", MoveLineLot.lot_id.is_not(None))
            .group_by(MoveLineLot.lot_id, StockMove.source_location_id).subquery())
    lot_rows = (select(Lot.product_id, LotQuant.location_id, LotQuant.lot_id, LotQuant.quantity, func.coalesce(held.c.quantity, 0))
                .join(Lot, Lot.id == LotQuant.lot_id).join(Location, Location.id == LotQuant.location_id)
                .outerjoin(held, (held.c.lot_id == LotQuant.lot_id) & (held.c.source_location_id == LotQuant.location_id))
                .where(LotQuant.quantity != 0, Location.usage == "internal"))
    quant_rows = (select(StockQuant.product_id, StockQuant.location_id, literal(None, Integer), StockQuant.quantity, literal(0))
                  .outerjoin(ProductTracking, ProductTracking.product_id == StockQuant.product_id)
                  .join(Location, Location.id == StockQuant.location_id)
                  .where(StockQuant.quantity != 0, tracking_column() == "none", Location.usage == "internal"))
    if product_id is not None:
        serial_rows = serial_rows.where(Serial.product_id == product_id)
        lot_rows = lot_rows.where(Lot.product_id == product_id)
        quant_rows = quant_rows.where(StockQuant.product_id == product_id)
    if location_id is not None:
        serial_rows = serial_rows.where(Serial.location_id.in_(locations_below(location)) if location else false())
        lot_rows = lot_rows.where(LotQuant.location_id.in_(locations_below(location)) if location else false())
        quant_rows = quant_rows.where(StockQuant.location_id.in_(locations_below(location)) if location else false())
    rows = union_all(serial_rows, lot_rows, quant_rows).subquery()
    return (select(rows.c.product_id, rows.c.location_id, rows.c.lot_id, rows.c.quantity, rows.c.reserved_quantity)
            .order_by(*stock_sorting(rows.c).order(sort)))


def stock_totals(product_ids, product_id: int | None = None, location_id: int | None = None) -> dict[int, Row]:
    """Per product of ``product_ids``: (quantity, reserved_quantity, rows) summed over the stock
    rows these filters list, in one query (the subtotals of a page of Stock Quantities)."""
    if not product_ids:
        return {}
    rows = stock_quantities_stmt(product_id, location_id).order_by(None).subquery()
    return {row.product_id: row for row in db.session.execute(
        select(rows.c.product_id, func.sum(rows.c.quantity).label("quantity"), func.sum(rows.c.reserved_quantity).label("reserved_quantity"),
               func.count().label("rows")).where(rows.c.product_id.in_(set(product_ids))).group_by(rows.c.product_id))}
