"""Stock on hand over HTTP."""
from __future__ import annotations

from pydantic import BaseModel, Field

from erp_core.api import Id, ListQuery, Page, paginate

from .. import services
from . import routes


class StockQuery(ListQuery):
    product_id: Id | None = None
    location_id: Id | None = Field(None, description="At this location or below it")


class StockRow(BaseModel):
    product_id: int
    location_id: int
    lot_id: int | None = Field(None, description="The lot, on the rows of lot-tracked products only.")
    quantity: float
    reserved_quantity: float


def stock_row(row) -> dict:
    """A row of stock; ``lot_id`` only where there is a lot (rows of other products keep their shape)."""
    return {"product_id": row.product_id, "location_id": row.location_id, **({"lot_id": row.lot_id} if row.lot_id else {}),
            "quantity": row.quantity, "reserved_quantity": row.reserved_quantity}


@routes.route("/stock", summary="On hand and reserved quantity per product and internal location holding stock",
              query=StockQuery, response=Page[StockRow])
def stock(query: StockQuery):
    return paginate(services.stock_quantities_stmt(query.product_id, query.location_id), stock_row, query, scalars=False)
