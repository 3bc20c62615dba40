"""Stock moves and the serial numbers of their lines over HTTP."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlalchemy import select

from erp_core.api import ApiModel, Id, ListQuery, Number, Page, paginate
from erp_core.auth import api_user, authorize
from erp_core.database import db
from erp_core.models import User
from erp_core.text import Text

from .. import services
from ..models import REASON_MAX, MoveLineSerial, MoveState, MoveType, ProductTracking, StockMove, StockMoveLine, Tracking
from ..services.products import tracking_column
from . import routes


class StockMoveRef(BaseModel):
    """A stock move made for an invoice, as listed in the invoice's ``stock_moves``."""

    id: int
    reference: str
    type: MoveType
    state: MoveState


class MoveLineIn(ApiModel):
    product_id: Id
    quantity: Number
    serials: list[str] | None = Field(None, description="Serial numbers assigned at once, checked as by PUT .../serials.")


class MoveIn(ApiModel):
    type: MoveType
    source_location_id: Id
    dest_location_id: Id
    partner_id: Id | None = None
    lines: list[MoveLineIn] = Field(min_length=1)


class SerialsIn(ApiModel):
    serials: list[str]


class GenerateIn(ApiModel):
    first: str = Field(min_length=1, max_length=64, description="The first name, ending with the number to count up from.")
    count: int = Field(ge=1, le=1_000_000)


class LineLot(BaseModel):
    lot_id: int | None = Field(description="Null until a receipt that brings the lot in for the first time is validated.")
    name: str
    quantity: float
    expiry_date: date | None


class MoveLineOut(BaseModel):
    id: int
    product_id: int
    quantity: float = Field(description="On a done move, what was done.")
    quantity_dropped: float = Field(description="What validating without a backorder left undone (0 otherwise).")
    tracking: Tracking
    serials: list[str]
    lots: list[LineLot] | None = Field(None, description="On lot-tracked lines only: their lots, with their quantities.")


class MoveOut(BaseModel):
    id: int
    reference: str
    type: MoveType
    state: MoveState
    ready: bool = Field(description="Every serial-tracked line has all its serial numbers, every lot-tracked line all its lots.")
    source_location_id: int
    dest_location_id: int
    partner_id: int | None
    invoice_id: int | None
    created_at: datetime
    done_at: datetime | None
    done_by: str | None
    backorder_id: int | None = Field(description="The pending move that took what this move lacked when validated.")
    backorder_of_id: int | None = Field(description="The move whose rest this backorder is.")
    origin_move_id: int | None = Field(description="The move this one returns or corrects.")
    reason: str | None = Field(description="Why the move was made (corrections, scrap, counts).")
    lines: list[MoveLineOut]


class MoveQuery(ListQuery):
    state: MoveState | None = None
    type: MoveType | None = None
    invoice_id: Id | None = None


def _lines_to_dicts(line_rows, names: dict[int, list[str]]) -> list[dict]:
    lots = services.line_lots([row[0] for row in line_rows if row[4] == "lot"]) if any(row[4] == "lot" for row in line_rows) else {}
    return [{"id": line_id, "product_id": product_id, "quantity": quantity, "quantity_dropped": dropped, "tracking": tracking,
             "serials": names.get(line_id, []), **({"lots": lots.get(line_id, [])} if tracking == "lot" else {})}
            for line_id, product_id, quantity, dropped, tracking in line_rows]


def _line_rows(where):
    return db.session.execute(
        select(StockMoveLine.id, StockMoveLine.move_id, StockMoveLine.product_id, StockMoveLine.quantity,
               StockMoveLine.quantity_dropped, tracking_column())
        .outerjoin(ProductTracking, ProductTracking.product_id == StockMoveLine.product_id).where(where).order_by(StockMoveLine.id)).all()


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
    for line_id, move_id, product_id, quantity, dropped, tracking in _line_rows(StockMoveLine.move_id.in_(ids)):
        lines_by_move[move_id].append((line_id, product_id, quantity, dropped, tracking))
    names = _serial_names(MoveLineSerial.move_id.in_(ids))
    user_ids = {m.done_by_id for m in moves if m.done_by_id is not None}
    users = dict(db.session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all()) if user_ids else {}
    backorders = dict(db.session.execute(select(StockMove.backorder_of_id, StockMove.id).where(StockMove.backorder_of_id.in_(ids))).all())
    result = []
    for move in moves:
        lines = _lines_to_dicts(lines_by_move[move.id], names)
        result.append({
            "id": move.id, "reference": move.reference, "type": move.type, "state": move.state,
            "ready": all(len(line["serials"]) == line["quantity"] for line in lines if line["tracking"] == "serial")
            and all(sum(lot["quantity"] for lot in line["lots"]) == line["quantity"] for line in lines if line["tracking"] == "lot"),
            "source_location_id": move.source_location_id, "dest_location_id": move.dest_location_id,
            "partner_id": move.partner_id, "invoice_id": move.invoice_id, "created_at": move.created_at,
            "done_at": move.done_at, "done_by": users.get(move.done_by_id), "backorder_id": backorders.get(move.id),
            "backorder_of_id": move.backorder_of_id, "origin_move_id": move.origin_move_id, "reason": move.reason, "lines": lines,
        })
    return result


def move_to_dict(move: StockMove) -> dict:
    return moves_to_dicts([move])[0]


def line_to_dict(line: StockMoveLine) -> dict:
    rows = [(line_id, product_id, quantity, dropped, tracking)
            for line_id, _, product_id, quantity, dropped, tracking in _line_rows(StockMoveLine.id == line.id)]
    return _lines_to_dicts(rows, _serial_names(MoveLineSerial.line_id == line.id))[0]


def _move_line(move_id: int, line_id: int, action: str) -> tuple[StockMove, StockMoveLine]:
    move, line = services.get_move_line(move_id, line_id)
    authorize(services.move_permission(move.type, action))
    return move, line


@routes.route("/moves", summary="List stock moves, newest first", query=MoveQuery, response=Page[MoveOut])
def list_moves(query: MoveQuery):
    page = paginate(services.search_moves(query.state, query.type, query.invoice_id), lambda move: move, query)
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
              body=SerialsIn, response=MoveLineOut)
def replace_serials(move_id: int, line_id: int, body: SerialsIn):
    move, line = _move_line(move_id, line_id, "assign")
    return line_to_dict(services.assign_serials(move, line, body.serials, replace=True, user=api_user()))


@routes.route("/moves/<int:move_id>/lines/<int:line_id>/serials", "POST", summary="Add serial numbers to a line (all or nothing)",
              body=SerialsIn, response=MoveLineOut)
def append_serials(move_id: int, line_id: int, body: SerialsIn):
    move, line = _move_line(move_id, line_id, "assign")
    return line_to_dict(services.assign_serials(move, line, body.serials, replace=False, user=api_user()))


@routes.route("/moves/<int:move_id>/lines/<int:line_id>/serials/generate", "POST",
              summary="Add `count` serial numbers counting up from `first`, keeping its zero padding", body=GenerateIn, response=MoveLineOut)
def generate_serials(move_id: int, line_id: int, body: GenerateIn):
    move, line = _move_line(move_id, line_id, "assign")
    return line_to_dict(services.generate_serials(move, line, body.first, body.count, user=api_user()))


@routes.route("/moves/<int:move_id>/lines/<int:line_id>/serials/<path:name>", "DELETE", summary="Remove one serial number from a line",
              response=MoveLineOut)
def remove_serial(move_id: int, line_id: int, name: str):
    move, line = _move_line(move_id, line_id, "assign")
    return line_to_dict(services.remove_serial(move, line, name, user=api_user()))


class ValidateIn(ApiModel):
    backorder: bool | None = Field(None, description="When lines lack serial numbers: true validates what is assigned and puts the "
                                   "rest on a new pending move; false validates what is assigned and drops the rest; left out, "
                                   "the move is refused (422 serial_count_mismatch).")


@routes.route("/moves/<int:move_id>/validate", "POST", summary="Check everything again and move the stock (all or nothing)",
              body=ValidateIn, body_optional=True, response=MoveOut)
def validate_move(move_id: int, body: ValidateIn):
    move = services.get_move(move_id)
    authorize(services.move_permission(move.type, "validate"))
    return move_to_dict(services.validate_move(move, api_user(), backorder=body.backorder))


class ReturnIn(ApiModel):
    serials: list[str] | None = Field(None, description="The serial numbers to return; all of the move's when left out.")


@routes.route("/moves/<int:move_id>/return", "POST", summary="A pending move bringing back (some of) what a done delivery or receipt "
              "moved, its serial numbers already assigned", body=ReturnIn, body_optional=True, response=MoveOut, status=201)
def return_move(move_id: int, body: ReturnIn):
    original = services.get_move(move_id)
    authorize(services.move_permission(services.return_type(original), "validate"))
    return move_to_dict(services.return_move(original, body.serials, api_user()))


class CorrectIn(ApiModel):
    wrong: str = Field(description="The serial number (on a lot line: the lot) that is on the line but should not be.")
    right: str = Field(description="The serial number (or lot) that should have been on the line.")
    reason: Text = Field(min_length=1, max_length=REASON_MAX, description="Why: kept on the correcting moves.")
    quantity: Number | None = Field(None, description="Lot lines only: how much of the wrong lot was the right one (default: all of it).")
    expiry_date: date | None = Field(None, description="Lot lines only: the right lot's expiry date, when the correction creates it.")


class CorrectionOut(BaseModel):
    moves: list[MoveOut]


@routes.route("/moves/<int:move_id>/lines/<int:line_id>/correct", "POST", summary="Correct a serial number (or a lot) of a done "
              "line with done moves that leave stock as if the right one had been on the line", body=CorrectIn, response=CorrectionOut,
              status=201)
def correct(move_id: int, line_id: int, body: CorrectIn):
    move, line = services.get_move_line(move_id, line_id)
    authorize(services.move_permission(move.type, "validate"))
    return {"moves": moves_to_dicts(services.correct(move, line, body.wrong, body.right, body.reason, body.quantity, body.expiry_date,
                                                     api_user()))}


@routes.route("/moves/<int:move_id>/cancel", "POST", summary="Cancel a pending move and release its reservations", response=MoveOut)
def cancel_move(move_id: int):
    move = services.get_move(move_id)
    authorize(services.move_permission(move.type, "cancel"))
    return move_to_dict(services.cancel_move(move, api_user()))
