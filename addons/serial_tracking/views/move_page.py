"""The page of one move: its lines and, on each serial-tracked line, the forms that assign serial
numbers (scan, paste, generate, pick from stock) and the list of those assigned."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from erp_core.activity import record_activity
from erp_core.auth import acting_user, authorize, may
from erp_core.database import db, transaction
from erp_core.errors import BadRequest, DomainError
from erp_core.web import flash_error

from .. import services
from ..models import InventoryCount, MoveLineSerial, MoveType, Serial, StockMove, StockMoveLine
from ..services import scan as scanning
from ..services.returns import RETURN_TYPES, REVERSE_TYPES
from . import bp
from .common import capped_count, int_arg
from .moves import held_by_line, plain, validation_asks

ASSIGNED_PAGE = 100    # serials of a line shown at once: a line may hold 100,000
PICKER_PAGE = 50       # available serials offered at once in the delivery picker
SERIAL_SEPARATORS = re.compile(r"[\r\n,\t]+")


@dataclass
class LineFeedback:
    """What went wrong in one of a line's forms, shown next to that form when the page re-renders."""

    line_id: int
    form: str                     # scan | paste | generate | pick | list, or lot-add | lot-suggest | lot-list (move_lots)
    error: DomainError
    values: dict = field(default_factory=dict)


@bp.route("/moves/<int:move_id>")
def move(move_id: int):
    return _render_move(services.get_move(move_id))


def _render_move(move: StockMove, feedback: LineFeedback | None = None, status: int = 200):
    pending = move.state == "pending"
    may_assign = pending and may(current_user, services.move_permission(move.type, "assign"))
    panels = []
    counts = services.move_serial_counts([move.id])
    for line in move.lines:
        if line.tracking != "serial":
            continue
        count = counts.get(line.id, 0)
        pages = max(1, -(-count // ASSIGNED_PAGE))
        page = min(max(1, int_arg(f"p{line.id}", 1)), pages)
        panel = {"line": line, "count": count, "quantity": int(line.quantity), "page_size": ASSIGNED_PAGE,
                 "page": page, "pages": pages, "first": (page - 1) * ASSIGNED_PAGE, "names": _newest_serials(line, page),
                 "feedback": feedback if feedback and feedback.line_id == line.id else None, "picker": None}
        if may_assign and move.source_location.usage == "internal":
            panel["picker"] = _picker(move, line, panel)
        elif may_assign and move.source_location.usage == "customer":
            panel["picker"] = _return_picker(move, line, panel)
        panels.append(panel)
    done, held = move.state == "done", held_by_line(move)
    return render_template(
        "serial_tracking/move.html", move=move, panels=panels, feedback=feedback,
        focus_line=feedback.line_id if feedback else _focus_line(move, held),
        types=MoveType.labels(), may_assign=may_assign,
        may_validate=pending and may(current_user, services.move_permission(move.type, "validate")),
        validate_asks=pending and validation_asks(move, held),
        may_cancel=pending and may(current_user, services.move_permission(move.type, "cancel")),
        activity=record_activity("move", move.id),
        may_return=done and move.type in RETURN_TYPES and may(current_user, services.move_permission(RETURN_TYPES[move.type], "validate")),
        may_correct=done and move.type in REVERSE_TYPES and may(current_user, services.move_permission(move.type, "validate")),
        relations=move_relations(move),
    ), status


def _focus_line(move: StockMove, held: dict) -> int | None:
    """The line whose scan field has the focus: the one a product barcode chose (?line=), else the
    first serial- or lot-tracked line still lacking units (by ``held``, held_by_line: exact), else the first of them."""
    tracked = [line for line in move.lines if line.tracking in ("serial", "lot")]
    chosen = next((line for line in tracked if line.id == int_arg("line", 0)), None)
    if chosen or not tracked:
        return chosen.id if chosen else None
    return next((line.id for line in tracked if held[line.id] < line.quantity), tracked[0].id)


def move_relations(move: StockMove) -> dict:
    """The moves this one is linked with, for its page: the backorder it left or came from, the move
    it returns or corrects, the returns and corrections made of it, and the count it applies.
    A correction carries its reason; a return has none."""
    linked = db.session.scalars(select(StockMove).where((StockMove.backorder_of_id == move.id) | (StockMove.origin_move_id == move.id))
                                .order_by(StockMove.id)).all()
    corrections: dict[str, list[StockMove]] = {}
    for other in linked:
        if other.origin_move_id == move.id and other.reason:
            corrections.setdefault(other.reason, []).append(other)
    origin = db.session.get(StockMove, move.origin_move_id) if move.origin_move_id else None
    return {
        "backorders": [m for m in linked if m.backorder_of_id == move.id],
        "backorder_of": db.session.get(StockMove, move.backorder_of_id) if move.backorder_of_id else None,
        "return_of": origin if origin is not None and not move.reason else None,
        "corrects": origin if origin is not None and move.reason else None,
        "returns": [m for m in linked if m.origin_move_id == move.id and not m.reason],
        "corrections": list(corrections.items()),
        "count": db.session.get(InventoryCount, move.count_id) if move.count_id else None,
    }


def _newest_serials(line: StockMoveLine, page: int) -> list[str]:
    """One page of a line's serials, last assigned first: what was just scanned shows on top,
    and the first page of a 100,000-serial line is read from the end of the index, not scanned to."""
    stmt = (select(MoveLineSerial.name).where(MoveLineSerial.line_id == line.id).order_by(MoveLineSerial.id.desc())
            .limit(ASSIGNED_PAGE).offset((page - 1) * ASSIGNED_PAGE))
    return list(db.session.scalars(stmt))


def _picker(move: StockMove, line: StockMoveLine, panel: dict) -> dict:
    """The serials the delivery may take: at the source location or below, free, oldest first."""
    q = request.args.get(f"pick{line.id}", "").strip()
    stmt = services.available_serials_stmt(move, line, q or None)
    rows = db.session.scalars(stmt.limit(PICKER_PAGE)).all()
    total, capped = capped_count(stmt)
    return {"q": q, "serials": rows, "total": total, "capped": capped, "kind": "stock",
            "missing": max(0, panel["quantity"] - panel["count"]), "open": bool(q) or request.args.get("pick") == str(line.id)}


def _return_picker(move: StockMove, line: StockMoveLine, panel: dict) -> dict:
    """A receipt from a customer location (a customer return, such as a refund's) takes back only
    units delivered to that customer and still there: those are offered, last delivered first."""
    q = request.args.get(f"pick{line.id}", "").strip()
    assigned = select(MoveLineSerial.serial_id).where(MoveLineSerial.move_id == move.id, MoveLineSerial.serial_id.is_not(None))
    stmt = (select(Serial).where(Serial.product_id == line.product_id, Serial.location_id.in_(services.locations_below(move.source_location)),
                                 Serial.id.not_in(assigned))
            .order_by(Serial.delivered_at.desc(), Serial.id.desc()))
    if move.partner_id is not None:
        stmt = stmt.where(Serial.customer_id == move.partner_id)
    if q:
        stmt = stmt.where(services.name_contains(q))
    rows = db.session.scalars(stmt.limit(PICKER_PAGE)).all()
    total, capped = capped_count(stmt)
    return {"q": q, "serials": rows, "total": total, "capped": capped, "kind": "return", "missing": 0,
            "open": bool(q) or request.args.get("pick") == str(line.id)}


def _line_action(move: StockMove, line: StockMoveLine, form_name: str, action, *args, values: dict | None = None, **kwargs):
    """Run one serial action of a line as one transaction. Back to the move on success; on a broken
    rule the page again, with every problem next to the form that caused it and the input kept."""
    authorize(services.move_permission(move.type, "assign"))
    try:
        with transaction():
            action(move, line, *args, user=acting_user(), **kwargs)
    except DomainError as exc:
        return _refused(move, LineFeedback(line.id, form_name, exc, values or {}))
    return redirect(url_for(".move", move_id=move.id, _anchor=f"line-{line.id}"))


def _refused(move: StockMove, feedback: LineFeedback):
    """The page again with the problem next to the form that caused it (or at the top when the move
    is no longer pending: its forms are gone)."""
    exc = feedback.error
    if exc.status in (401, 403):
        raise exc
    if exc.status == 409:
        flash_error(exc)
        return redirect(url_for(".move", move_id=move.id))
    return _render_move(move, feedback, exc.status if exc.status != 400 else 422)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/moves/<int:move_id>/lines/<int:line_id>/scan")
def line_scan(move_id: int, line_id: int):
    """One scan in a line's field, understood by the scan service as the API's scans are: a serial
    number for this line, a product barcode choosing its line, GS1 data filling its GTIN's line.
    The page's script asks for JSON and stays on the page; without the script the form posts and
    the page re-renders, on the line the scan went to."""
    move, line = services.get_move_line(move_id, line_id, with_lines=True)
    code = request.form.get("serial", "")
    try:
        with transaction():
            authorize(services.move_permission(move.type, "assign"))
            result = scanning.scan(move, code, line, acting_user())
    except DomainError as exc:
        if _wants_json():
            return jsonify(exc.to_dict()), exc.status
        return _refused(move, LineFeedback(line.id, "scan", exc, {"serial": code}))
    answer = _scan_answer(move, result)
    if _wants_json():
        return jsonify(answer)
    flash(answer["message"], "success")
    return redirect(url_for(".move", move_id=move.id, line=result.line.id, _anchor=f"line-{result.line.id}"))


def _scan_answer(move: StockMove, result: scanning.ScanResult) -> dict:
    """What the page shows of an accepted scan: what it was understood as and where it went."""
    line = result.line
    count, quantity = held_by_line(move).get(line.id, 0), plain(line.quantity)  # exact: 2 of a 2.5 lot line is not done
    understood = ", ".join(result.understood_as())
    message = (f"{understood}: added ({count} / {quantity})." if result.assigned
               else f"{understood}: now scan its serial numbers." if line.tracking == "serial" else f"{understood}.")
    return {"line_id": line.id, "assigned": result.assigned, "serial": result.serial, "lot": result.lot, "count": count,
            "quantity": quantity, "ready": count >= quantity, "understood": result.understood_as(), "message": message}


@bp.post("/moves/<int:move_id>/lines/<int:line_id>/paste")
def line_paste(move_id: int, line_id: int):
    move, line = services.get_move_line(move_id, line_id)
    text = request.form.get("serials", "")
    names = [n for n in SERIAL_SEPARATORS.split(text) if n.strip()]
    replace = bool(request.form.get("replace"))
    values = {"serials": text, "replace": replace}
    if not names and not replace:
        return _render_move(move, LineFeedback(line.id, "paste", BadRequest("Type or paste at least one serial number."), values), 422)
    return _line_action(move, line, "paste", services.assign_serials, names, replace=replace, values=values)


@bp.post("/moves/<int:move_id>/lines/<int:line_id>/generate")
def line_generate(move_id: int, line_id: int):
    move, line = services.get_move_line(move_id, line_id)
    first, count_text = request.form.get("first", ""), request.form.get("count", "").strip()
    values = {"first": first, "count": count_text}
    if not count_text.isdigit() or int(count_text) < 1:
        error = BadRequest("Enter how many serial numbers to generate: a whole number of at least 1.")
        return _render_move(move, LineFeedback(line.id, "generate", error, values), 422)
    return _line_action(move, line, "generate", services.generate_serials, first, int(count_text), values=values)


@bp.post("/moves/<int:move_id>/lines/<int:line_id>/pick")
def line_pick(move_id: int, line_id: int):
    """Add the ticked serials, or, only when the user pressed "Fill", the oldest available ones."""
    move, line = services.get_move_line(move_id, line_id)
    if request.form.get("fill"):
        return _line_action(move, line, "pick", services.fill_with_oldest)
    names = request.form.getlist("serial")
    if not names:
        return _render_move(move, LineFeedback(line.id, "pick", BadRequest("Tick the serial numbers to add first.")), 422)
    return _line_action(move, line, "pick", services.assign_serials, names, replace=False)


@bp.post("/moves/<int:move_id>/lines/<int:line_id>/remove")
def line_remove(move_id: int, line_id: int):
    move, line = services.get_move_line(move_id, line_id)
    name = request.form.get("serial", "")
    if request.form.get("all"):
        return _line_action(move, line, "list", services.assign_serials, [], replace=True)
    return _line_action(move, line, "list", services.remove_serial, name)
