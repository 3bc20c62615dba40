"""Lots and the lots of move lines over HTTP."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from erp_core.api import ApiModel, Id, ListQuery, Number, Page, paginate
from erp_core.auth import api_user, authorize
from erp_core.text import Text

from .. import services
from ..models import REASON_MAX
from . import routes
from .moves import MoveLineOut, line_to_dict
from .serials import HistoryRow


class LotIn(ApiModel):
    name: str = Field(description="Trimmed and normalised to Unicode NFC; the serial number rules apply (422 invalid_lot).")
    product_id: Id
    expiry_date: date | None = None


class LotOut(BaseModel):
    id: int
    name: str
    product_id: int
    expiry_date: date | None
    quantity: float = Field(description="In stock at internal locations.")


class LotQuery(ListQuery):
    product_id: Id | None = None
    q: Text | None = Field(None, max_length=64, description="Part of the name, ignoring case")


class LotHistoryRow(HistoryRow):
    quantity: float


class LineLotIn(ApiModel):
    name: str
    quantity: Number
    expiry_date: date | None = Field(None, description="For a lot a receipt brings in for the first time.")


class LotsIn(ApiModel):
    lots: list[LineLotIn]
    allow_expired: Text | None = Field(None, max_length=REASON_MAX, description=(
        "Inventory managers only: the reason to let expired lots out on a delivery (kept in the audit trail)."))


class SuggestedLot(BaseModel):
    lot_id: int
    name: str
    expiry_date: date | None
    quantity: float


class Suggestion(BaseModel):
    lots: list[SuggestedLot] = Field(description="First expiry first out, covering what the line still lacks.")


def lot_to_dict(row) -> dict:
    lot, quantity = row
    return {"id": lot.id, "name": lot.name, "product_id": lot.product_id, "expiry_date": lot.expiry_date, "quantity": quantity}


@routes.route("/lots", summary="Lots, soonest expiry first", query=LotQuery, response=Page[LotOut])
def list_lots(query: LotQuery):
    return paginate(services.lots_stmt(query.product_id, query.q), lot_to_dict, query, scalars=False)


@routes.route("/lots", "POST", summary="Create a lot by hand (it has no stock until a move brings some)", permission="serial.create",
              body=LotIn, response=LotOut, status=201)
def create_lot(body: LotIn):
    lot = services.create_lot(body.name, body.product_id, body.expiry_date, api_user())
    return lot_to_dict((lot, Decimal(0)))


@routes.route("/lots/<int:lot_id>", summary="One lot with its quantity in stock", response=LotOut)
def get_lot(lot_id: int):
    return lot_to_dict(services.get_lot(lot_id))


@routes.route("/lots/<int:lot_id>/history", summary="Every done move of the lot, oldest first, with its quantity", query=ListQuery,
              response=Page[LotHistoryRow])
def lot_history(lot_id: int, query: ListQuery):
    services.get_lot(lot_id)
    return paginate(services.lot_history_stmt(lot_id), lambda row: dict(row._mapping), query, scalars=False)


@routes.route("/moves/<int:move_id>/lines/<int:line_id>/lots", "PUT", summary="Replace the lots of a line (all or nothing)",
              body=LotsIn, response=MoveLineOut)
def replace_lots(move_id: int, line_id: int, body: LotsIn):
    move, line = services.get_move_line(move_id, line_id)
    authorize(services.move_permission(move.type, "assign"))
    if body.allow_expired is not None:
        authorize(services.EXPIRED_OVERRIDE)
    services.assign_lots(move, line, [lot.model_dump() for lot in body.lots], api_user(), allow_expired=body.allow_expired)
    return line_to_dict(line)


@routes.route("/moves/<int:move_id>/lines/<int:line_id>/lots/suggested", summary="The lots a delivery line should take, first expiry "
              "first out", response=Suggestion)
def suggested_lots(move_id: int, line_id: int):
    move, line = services.get_move_line(move_id, line_id)
    return {"lots": services.suggested_lots(move, line)}

