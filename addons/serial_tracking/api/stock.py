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
    quantity: float
    reserved_quantity: float


@routes.route("/stock", summary="On hand and reserved quantity per product and internal location holding stock",
              query=StockQuery, response=Page[StockRow])
def stock(query: StockQuery):
    return paginate(services.stock_quantities_stmt(query.product_id, query.location_id), lambda row: dict(row._mapping),
                    query, scalars=False)
