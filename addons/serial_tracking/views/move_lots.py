"""The lots of a move's lot-tracked lines on its page: a receipt takes a lot name, a quantity and an
expiry date; a delivery picks lots free at its source, or uses the first-expiry-first-out
suggestion in one click, and an expired lot goes out only with a manager's reason. Each form is a
thin route over the lot services, which hold every rule."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import request
from flask_login import current_user

from erp_core.auth import authorize, may
from erp_core.database import db
from erp_core.errors import BadRequest

from .. import services
from ..models import StockMove
from ..services.lots import held_entries, holds_back_expired
from . import bp, move_page
from .lots import expiry_state

KNOWN_LOTS = 50                 # existing lot names a receipt's lot field offers as you type


def lot_panels(move: StockMove, feedback, may_assign: bool) -> list[dict]:
    """One panel per lot-tracked line: its lots, and what its forms offer."""
    lines = [line for line in move.lines if line.tracking == "lot"]
    held = services.line_lots([line.id for line in lines]) if lines else {}
    incoming = move.source_location.usage != "internal"
    entries = held_entries(list(held)) if held and not incoming else {}  # the reasons expired lots were let out with
    panels = []
    for line in lines:
        lots = held.get(line.id, [])
        overrides = {entry["name"]: entry["expiry_override"] for entry in entries.get(line.id, [])}
        lots = [{**lot, "override": overrides.get(lot["name"])} for lot in lots]
        panel = {"line": line, "lots": lots, "total": sum((lot["quantity"] for lot in lots), Decimal(0)), "incoming": incoming,
                 "feedback": feedback if feedback and feedback.line_id == line.id else None, "available": [], "suggestion": [],
                 "known": [], "override": False}
        if may_assign and incoming:
            panel["known"] = [lot for lot, _ in db.session.execute(services.lots_stmt(line.product_id).limit(KNOWN_LOTS))]
        elif may_assign:
            panel["available"] = services.available_lots(move, line)
            panel["suggestion"] = services.suggested_lots(move, line, panel["available"])
            # the reason field, only for who may use it and only when an expired lot is on offer
            panel["override"] = (holds_back_expired(move) and may(current_user, services.EXPIRED_OVERRIDE)
                                 and any(expiry_state(lot["expiry_date"]) == "expired" for lot in panel["available"]))
        panels.append(panel)
    return panels


@bp.context_processor
def _lot_helpers():
    """``lot_panels`` for the move page's include, and ``lot_expiry_state`` to flag its lots."""
    return {"lot_panels": lot_panels, "lot_expiry_state": expiry_state}


def _expiry(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(f"“{text.strip()}” is not a date: give the expiry date as YYYY-MM-DD, for example 2027-03-31.",
                         [{"field": "expiry_date", "code": "invalid_date", "message": "Not a date."}]) from None


@bp.post("/moves/<int:move_id>/lines/<int:line_id>/lots/add")
def line_lot_add(move_id: int, line_id: int):
    """Add a quantity of a lot: typed on a receipt (new or known), chosen from stock on a delivery."""
    move, line = services.get_move_line(move_id, line_id)
    values = {key: request.form.get(key, "") for key in ("lot", "quantity", "expiry_date", "reason")}
    reason = values["reason"].strip() or None
    if reason:
        authorize(services.EXPIRED_OVERRIDE)
    try:
        entry = {"name": values["lot"], "quantity": values["quantity"].strip(), "expiry_date": _expiry(values["expiry_date"])}
    except BadRequest as error:
        return move_page._render_move(move, move_page.LineFeedback(line.id, "lot-add", error, values), 422)
    return move_page._line_action(move, line, "lot-add", services.add_lots, [entry], allow_expired=reason, values=values)


@bp.post("/moves/<int:move_id>/lines/<int:line_id>/lots/suggest")
def line_lot_suggest(move_id: int, line_id: int):
    move, line = services.get_move_line(move_id, line_id)
    return move_page._line_action(move, line, "lot-suggest", services.fill_lots_fefo)


@bp.post("/moves/<int:move_id>/lines/<int:line_id>/lots/remove")
def line_lot_remove(move_id: int, line_id: int):
    move, line = services.get_move_line(move_id, line_id)
    return move_page._line_action(move, line, "lot-list", services.remove_lot, request.form.get("lot", ""))
