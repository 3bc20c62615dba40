"""``/api/v1`` locations, stock moves and serial assignment, serial numbers and stock on hand: the
serial_tracking services over HTTP (see ../shared/spec/api-v1.md)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select

from addons.invoicing.api import Number
from erp_core.api import ApiModel, ApiRoutes, ListQuery, paginate
from erp_core.auth import api_user, authorize
from erp_core.database import db
from erp_core.models import Product, User

from . import services
from .models import Location, MoveLineSerial, Serial, StockMove, StockMoveLine

routes = ApiRoutes("serial_tracking")

Usage = Literal["view", "internal", "vendor", "customer", "inventory", "scrap"]
MoveType = Literal["receipt", "delivery", "internal", "scrap", "adjustment"]
MoveState = Literal["pending", "done", "cancelled"]
SerialStatus = Literal["available", "on_hand", "out_of_stock"]


# ---------------------------------------------------------------- locations


class LocationIn(ApiModel):
    name: str = Field(min_length=1, max_length=100)
    parent_id: int | None = None
    usage: Usage = "internal"


class LocationOut(BaseModel):
    id: int
    name: str
    full_name: str
    parent_id: int | None
    usage: Usage


class LocationList(BaseModel):
    items: list[LocationOut]
    total: int


class LocationQuery(ListQuery):
    usage: Usage | None = None


def location_to_dict(location: Location) -> dict:
    return {"id": location.id, "name": location.name, "full_name": location.full_name, "parent_id": location.parent_id,
            "usage": location.usage}


@routes.route("/locations", summary="List locations by full name", query=LocationQuery, response=LocationList)
def list_locations(query: LocationQuery):
    stmt = select(Location).order_by(Location.full_name)
    if query.usage:
        stmt = stmt.where(Location.usage == query.usage)
    return paginate(stmt, location_to_dict, query)


@routes.route("/locations", "POST", summary="Create a location", permission="location.write", body=LocationIn,
              response=LocationOut, status=201)
def create_location(body: LocationIn):
    return location_to_dict(services.create_location(body.name, body.parent_id, body.usage))


@routes.route("/locations/<int:location_id>", summary="One location", response=LocationOut)
def get_location(location_id: int):
    return location_to_dict(services.get_location(location_id))


# ---------------------------------------------------------------- moves


class MoveLineIn(ApiModel):
    product_id: int
    quantity: Number
    serials: list[str] | None = Field(None, description="Serial numbers assigned at once, checked as by PUT .../serials.")


class MoveIn(ApiModel):
    type: MoveType
    source_location_id: int
    dest_location_id: int
    partner_id: int | None = None
    lines: list[MoveLineIn] = Field(min_length=1)


class SerialsIn(ApiModel):
    serials: list[str]


class GenerateIn(ApiModel):
    first: str = Field(min_length=1, max_length=64, description="The first name, ending with the number to count up from.")
    count: int = Field(ge=1, le=1_000_000)


class LineOut(BaseModel):
    id: int
    product_id: int
    quantity: float
    tracking: Literal["none", "lot", "serial"]
    serials: list[str]


class MoveOut(BaseModel):
    id: int
    reference: str
    type: MoveType
    state: MoveState
    ready: bool = Field(description="Every serial-tracked line has all its serial numbers.")
    source_location_id: int
    dest_location_id: int
    partner_id: int | None
    invoice_id: int | None
    created_at: datetime
    done_at: datetime | None
    done_by: str | None
    lines: list[LineOut]


class MoveList(BaseModel):
    items: list[MoveOut]
    total: int


class MoveQuery(ListQuery):
    state: MoveState | None = None
    type: MoveType | None = None
    invoice_id: int | None = None


def _lines_to_dicts(line_rows, names: dict[int, list[str]]) -> list[dict]:
    return [{"id": line_id, "product_id": product_id, "quantity": quantity, "tracking": tracking, "serials": names.get(line_id, [])}
            for line_id, product_id, quantity, tracking in line_rows]


def _line_rows(where):
    return db.session.execute(
        select(StockMoveLine.id, StockMoveLine.move_id, StockMoveLine.product_id, StockMoveLine.quantity, Product.tracking)
        .join(Product, Product.id == StockMoveLine.product_id).where(where).order_by(StockMoveLine.id)).all()


def _serial_names(where) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    for line_id, name in db.session.execute(select(MoveLineSerial.line_id, MoveLineSerial.name).where(where).order_by(MoveLineSerial.id)):
        names[line_id].append(name)
    return names


def moves_to_dicts(moves: list[StockMove]) -> list[dict]:
    """Moves with their lines and serials, in three queries whatever their number."""
    ids = [m.id for m in moves]
    if not ids:
        return []
    lines_by_move = defaultdict(list)
    for line_id, move_id, product_id, quantity, tracking in _line_rows(StockMoveLine.move_id.in_(ids)):
        lines_by_move[move_id].append((line_id, product_id, quantity, tracking))
    names = _serial_names(MoveLineSerial.move_id.in_(ids))
    user_ids = {m.done_by_id for m in moves if m.done_by_id is not None}
    users = dict(db.session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all()) if user_ids else {}
    result = []
    for move in moves:
        lines = _lines_to_dicts(lines_by_move[move.id], names)
        result.append({
            "id": move.id, "reference": move.reference, "type": move.type, "state": move.state,
            "ready": all(len(line["serials"]) == line["quantity"] for line in lines if line["tracking"] == "serial"),
            "source_location_id": move.source_location_id, "dest_location_id": move.dest_location_id,
            "partner_id": move.partner_id, "invoice_id": move.invoice_id, "created_at": move.created_at,
            "done_at": move.done_at, "done_by": users.get(move.done_by_id), "lines": lines,
        })
    return result


def move_to_dict(move: StockMove) -> dict:
    return moves_to_dicts([move])[0]


def line_to_dict(line: StockMoveLine) -> dict:
    rows = [(line_id, product_id, quantity, tracking) for line_id, _, product_id, quantity, tracking in _line_rows(StockMoveLine.id == line.id)]
    return _lines_to_dicts(rows, _serial_names(MoveLineSerial.line_id == line.id))[0]


def _move_line(move_id: int, line_id: int, action: str) -> tuple[StockMove, StockMoveLine]:
    move, line = services.get_move_line(move_id, line_id)
    authorize(services.move_permission(move.type, action))
    return move, line


@routes.route("/moves", summary="List stock moves, newest first", query=MoveQuery, response=MoveList)
def list_moves(query: MoveQuery):
    stmt = select(StockMove).order_by(StockMove.id.desc())
    for column, value in ((StockMove.state, query.state), (StockMove.type, query.type), (StockMove.invoice_id, query.invoice_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    page = paginate(stmt, lambda move: move, query)
    return {"items": moves_to_dicts(page["items"]), "total": page["total"]}


@routes.route("/moves/<int:move_id>", summary="One stock move with its lines and their serial numbers", response=MoveOut)
def get_move(move_id: int):
    return move_to_dict(services.get_move(move_id))


@routes.route("/moves", "POST", summary="Create a manual pending move (internal transfer: move.create.internal; others: move.create.manual)",
              body=MoveIn, response=MoveOut, status=201)
def create_move(body: MoveIn):
    authorize(services.move_permission(body.type, "create"))
    move = services.create_move(body.type, body.source_location_id, body.dest_location_id,
                                [line.model_dump() for line in body.lines], partner_id=body.partner_id, user=api_user())
    return move_to_dict(move)


@routes.route("/moves/<int:move_id>/lines/<int:line_id>/serials", "PUT", summary="Replace the serial numbers of a line (all or nothing)",
              body=SerialsIn, response=LineOut)
def replace_serials(move_id: int, line_id: int, body: SerialsIn):
    move, line = _move_line(move_id, line_id, "assign")
    return line_to_dict(services.assign_serials(move, line, body.serials, replace=True, user=api_user()))


@routes.route("/moves/<int:move_id>/lines/<int:line_id>/serials", "POST", summary="Add serial numbers to a line (all or nothing)",
              body=SerialsIn, response=LineOut)
def append_serials(move_id: int, line_id: int, body: SerialsIn):
    move, line = _move_line(move_id, line_id, "assign")
    return line_to_dict(services.assign_serials(move, line, body.serials, replace=False, user=api_user()))


@routes.route("/moves/<int:move_id>/lines/<int:line_id>/serials/generate", "POST",
              summary="Add `count` serial numbers counting up from `first`, keeping its zero padding", body=GenerateIn, response=LineOut)
def generate_serials(move_id: int, line_id: int, body: GenerateIn):
    move, line = _move_line(move_id, line_id, "assign")
    return line_to_dict(services.generate_serials(move, line, body.first, body.count, user=api_user()))


@routes.route("/moves/<int:move_id>/lines/<int:line_id>/serials/<path:name>", "DELETE", summary="Remove one serial number from a line",
              response=LineOut)
def remove_serial(move_id: int, line_id: int, name: str):
    move, line = _move_line(move_id, line_id, "assign")
    return line_to_dict(services.remove_serial(move, line, name, user=api_user()))


@routes.route("/moves/<int:move_id>/validate", "POST", summary="Check everything again and move the stock (all or nothing)", response=MoveOut)
def validate_move(move_id: int):
    move = services.get_move(move_id)
    authorize(services.move_permission(move.type, "validate"))
    return move_to_dict(services.validate_move(move, api_user()))


@routes.route("/moves/<int:move_id>/cancel", "POST", summary="Cancel a pending move and release its reservations", response=MoveOut)
def cancel_move(move_id: int):
    move = services.get_move(move_id)
    authorize(services.move_permission(move.type, "cancel"))
    return move_to_dict(services.cancel_move(move, api_user()))


# ---------------------------------------------------------------- serial numbers


class SerialIn(ApiModel):
    name: str
    product_id: int
    ref: str | None = Field(None, max_length=64)


class SerialPatch(ApiModel):
    ref: str | None = Field(None, max_length=64)


class SerialOut(BaseModel):
    id: int
    name: str
    product_id: int
    ref: str | None
    status: SerialStatus
    location_id: int | None
    location: str | None = Field(description="Full name of the current location.")
    reserved_by_move_id: int | None
    received_at: datetime | None
    vendor_id: int | None
    vendor_bill_id: int | None
    delivered_at: datetime | None
    customer_id: int | None
    customer_invoice_id: int | None
    warranty_end: date | None
    warranty_status: Literal["none", "active", "expired"]


class SerialList(BaseModel):
    items: list[SerialOut]
    total: int


class SerialQuery(ListQuery):
    product_id: int | None = None
    status: SerialStatus | None = None
    location_id: int | None = Field(None, description="At this location or below it")
    q: str | None = Field(None, description="Part of the name (case-insensitive), or its beginning with match=prefix")
    match: Literal["contains", "prefix"] = Field("contains", description=(
        "contains: q anywhere in the name, ignoring case; prefix: names starting with q exactly as typed, "
        "answered from the name index (the fast search with a million serials)"))


class LookupQuery(BaseModel):
    name: str = Field(description="The exact serial number")
    product_id: int | None = None


class HistoryRow(BaseModel):
    date: datetime
    move_id: int
    reference: str
    type: MoveType
    source_location: str
    dest_location: str
    user: str | None
    invoice_number: str | None


class HistoryList(BaseModel):
    items: list[HistoryRow]
    total: int


def serial_to_dict(serial: Serial) -> dict:
    warranty_end, warranty_status = services.warranty(serial)
    return {
        "id": serial.id, "name": serial.name, "product_id": serial.product_id, "ref": serial.ref, "status": serial.status,
        "location_id": serial.location_id, "location": serial.location.full_name if serial.location else None,
        "reserved_by_move_id": serial.reserved_by_move_id, "received_at": serial.received_at, "vendor_id": serial.vendor_id,
        "vendor_bill_id": serial.vendor_bill_id, "delivered_at": serial.delivered_at, "customer_id": serial.customer_id,
        "customer_invoice_id": serial.customer_invoice_id, "warranty_end": warranty_end, "warranty_status": warranty_status,
    }


@routes.route("/serials", summary="List serial numbers, newest first", query=SerialQuery, response=SerialList)
def list_serials(query: SerialQuery):
    return paginate(services.serials_stmt(query.product_id, query.status, query.location_id, query.q, query.match), serial_to_dict, query)


@routes.route("/serials", "POST", summary="Create a serial number by hand (it is out of stock until received)",
              permission="serial.create", body=SerialIn, response=SerialOut, status=201)
def create_serial(body: SerialIn):
    return serial_to_dict(services.create_serial(body.name, body.product_id, body.ref))


@routes.route("/serials/lookup", summary="Find a serial number by its exact name (422 ambiguous_serial when several products have it)",
              query=LookupQuery, response=SerialOut)
def lookup_serial(query: LookupQuery):
    return serial_to_dict(services.lookup_serial(query.name, query.product_id))


@routes.route("/serials/<int:serial_id>", summary="One serial number", response=SerialOut)
def get_serial(serial_id: int):
    return serial_to_dict(services.get_serial(serial_id))


@routes.route("/serials/<int:serial_id>", "PATCH", summary="Change a serial number's internal reference", permission="serial.write",
              body=SerialPatch, response=SerialOut)
def update_serial(serial_id: int, body: SerialPatch):
    return serial_to_dict(services.update_serial(services.get_serial(serial_id), body.ref))


@routes.route("/serials/<int:serial_id>/history", summary="Every done move of this unit, oldest first", query=ListQuery, response=HistoryList)
def serial_history(serial_id: int, query: ListQuery):
    serial = services.get_serial(serial_id)
    return paginate(services.serial_history_stmt(serial), lambda row: dict(row._mapping), query, scalars=False)


# ---------------------------------------------------------------- stock on hand


class StockQuery(ListQuery):
    product_id: int | None = None
    location_id: int | None = Field(None, description="At this location or below it")


class StockRow(BaseModel):
    product_id: int
    location_id: int
    quantity: float
    reserved_quantity: float


class StockList(BaseModel):
    items: list[StockRow]
    total: int


@routes.route("/stock", summary="On hand and reserved quantity per product and internal location holding stock",
              query=StockQuery, response=StockList)
def stock(query: StockQuery):
    return paginate(services.stock_quantities_stmt(query.product_id, query.location_id), lambda row: dict(row._mapping),
                    query, scalars=False)
