"""Validating a move: check everything again and move the stock in one transaction, with a bounded
number of SQL statements whatever the number of units."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, insert, literal, select, update

from erp_core import audit
from erp_core.database import UtcDateTime, db, dialect_insert, utcnow
from erp_core.forms import format_number
from erp_core.errors import DomainError, raise_if_problems

from ..models import Location, MoveLineLot, MoveLineSerial, ProductTracking, Serial, SerialHistory, StockMove, StockMoveLine, StockQuant
from .assignment import link_serials, move_serial_counts, not_tracked, state_problems
from .lots import line_lots, link_lots, lot_state_problems, move_lots, not_lot_tracked
from .moves import Direction, direction, free_reserved, lock, plural, quantity_problems, require_pending
from .products import tracking_column


def assigned_quantities(move: StockMove) -> dict[int, Decimal]:
    """What each line holds: its serial numbers counted, or its lots' quantities added up."""
    held = {line_id: Decimal(count) for line_id, count in move_serial_counts([move.id]).items()}
    if has_lots(move):
        held.update(dict(db.session.execute(select(MoveLineLot.line_id, func.sum(MoveLineLot.quantity))
                                            .where(MoveLineLot.move_id == move.id).group_by(MoveLineLot.line_id)).all()))
    return held


def has_lots(move: StockMove) -> bool:
    """Whether the move has a lot-tracked line (lot work is skipped otherwise)."""
    return any(line.tracking == "lot" for line in move.lines)


def _line_problems(move: StockMove, held: dict[int, Decimal]) -> list[dict]:
    serials, lots = move_serial_counts([move.id]), line_lots([line.id for line in move.lines]) if has_lots(move) else {}
    problems = []
    for line in move.lines:
        product, assigned = line.product, held.get(line.id, Decimal(0))
        if line.tracking != "serial" and serials.get(line.id):
            problems.append(not_tracked(line))
        if line.tracking != "lot" and lots.get(line.id):
            problems.append(not_lot_tracked(line))
        if line.tracking == "none" or (line.quantity == 0 and line.quantity_dropped):  # nothing to count, or all of it dropped
            continue
        problems += quantity_problems(product, line.tracking, line.quantity, "quantity", product.display_name, line_id=line.id)
        if assigned != line.quantity:
            problems.append(_mismatch(line, assigned))
    return problems


def _mismatch(line: StockMoveLine, assigned: Decimal) -> dict:
    name, wanted = line.product.display_name, line.quantity
    if line.tracking == "serial":
        code = "serial_count_mismatch" if assigned < wanted else "too_many_serials"
        what = f"{format_number(assigned)} of {format_number(wanted)} serial numbers are assigned"
    else:
        code = "lot_quantity_mismatch" if assigned < wanted else "too_many_units"
        what = f"lots for {format_number(assigned)} of {format_number(wanted)} are assigned"
    fix = f"add the {format_number(wanted - assigned)} missing." if assigned < wanted else f"remove {format_number(assigned - wanted)}."
    return {"line_id": line.id, "field": "serials" if line.tracking == "serial" else "lots", "code": code, "message": f"{name}: {what}; {fix}"}


def validate_move(move: StockMove, user, backorder: bool | None = None) -> StockMove:
    """Check everything again and move the stock, in one transaction: a bounded number of SQL
    statements whatever the number of serials.

    With ``backorder`` given, lines that lack serial numbers are validated for what they have:
    the rest goes to a new pending move (``True``) or is dropped (``False``); without it, a line that
    lacks any is refused (serial_count_mismatch)."""
    require_pending(lock(move), "validated")
    if backorder is not None:
        _split_short_lines(move, backorder, user)
    moving = direction(move)
    of_move = MoveLineSerial.move_id == move.id
    # Serials are never renamed or deleted, so only rows without a serial yet need linking.
    link_serials(of_move, MoveLineSerial.serial_id.is_(None))
    lots = has_lots(move)
    if lots:
        link_lots(move)
    problems = _line_problems(move, assigned_quantities(move)) + state_problems(moving, of_move) + (lot_state_problems(moving) if lots else [])
    raise_if_problems(problems, f"{move.reference} cannot be validated: {plural(len(problems), 'problem')} to fix first.")

    now = utcnow()
    values = _arrival_values(moving, now)
    if moving.outgoing:
        _write_history(moving, now, user)  # first: it records where each unit was
        _move_serials(move, values)
        free_reserved(move)
    else:
        _move_back_serials(moving, values)
        if moving.creates_serials:
            _create_missing_serials(move, values, now)
        _write_history(moving, now, user)
    _move_quantities(moving)
    if lots:
        move_lots(moving, now)
    move.state, move.done_at, move.done_by_id = "done", now, user.id if user is not None else None
    db.session.flush()
    audit.record("validate", "move", move.id, user, lines=[{"line_id": line.id, "product_id": line.product_id,
                                                            "quantity": line.quantity} for line in move.lines])
    return move


def _split_short_lines(move: StockMove, backorder: bool, user) -> None:
    """Make each serial-tracked line's quantity what it holds, putting the rest on a backorder (a new
    pending move with the same type, ends, partner and invoice) or dropping it. A line with nothing
    assigned leaves the move whole when there is a backorder to take it."""
    from .moves import create_move

    held = assigned_quantities(move)
    short = [(line, held.get(line.id, Decimal(0))) for line in move.lines
             if line.tracking != "none" and held.get(line.id, Decimal(0)) < line.quantity]
    if not short:
        return
    if all(line.tracking != "none" and held.get(line.id, 0) == 0 for line in move.lines):
        raise DomainError("nothing_to_validate", f"{move.reference} has no serial number assigned: assign some before validating.",
                          [{"line_id": line.id, "field": "serials", "code": "nothing_to_validate",
                            "message": f"{line.product.display_name}: no serial number is assigned."} for line in move.lines])
    if backorder:
        rest = create_move(move.type, move.source_location_id, move.dest_location_id,
                           [{"product_id": line.product_id, "quantity": line.quantity - assigned} for line, assigned in short],
                           partner_id=move.partner_id, invoice_id=move.invoice_id, user=user, backorder_of_id=move.id)
        audit.record("backorder", "move", move.id, user, backorder_id=rest.id, reference=rest.reference)
    for line, assigned in short:
        if backorder and assigned == 0:
            move.lines.remove(line)
        else:
            line.quantity_dropped = Decimal(0) if backorder else line.quantity - assigned
            line.quantity = assigned
    db.session.flush()


def _arrival_values(moving: Direction, now: datetime) -> dict:
    """What a unit carried by the move becomes: its location and status, purchase info on a
    receipt from a vendor, delivery info on a delivery to a customer."""
    move, dest = moving.move, moving.dest
    values = {"location_id": dest.id, "stock_status": "available" if dest.usage == "internal" else "out_of_stock"}
    invoice_type = move.invoice.type if move.invoice_id is not None else None
    if moving.source.usage == "vendor":
        values.update(received_at=now, vendor_id=move.partner_id, vendor_bill_id=move.invoice_id if invoice_type == "vendor_bill" else None)
    if dest.usage == "customer":
        values.update(delivered_at=now, customer_id=move.partner_id,
                      customer_invoice_id=move.invoice_id if invoice_type == "customer_invoice" else None)
    return values


def _move_serials(move: StockMove, values: dict) -> None:
    """The serials that exist already take their new location, status and info."""
    assigned = select(MoveLineSerial.serial_id).where(MoveLineSerial.move_id == move.id, MoveLineSerial.serial_id.is_not(None))
    db.session.execute(update(Serial).where(Serial.id.in_(assigned)).values(**values), execution_options={"synchronize_session": False})


def _move_back_serials(moving: Direction, values: dict) -> None:
    """Units coming back into stock (returns, known units received) move only if they are still out
    of stock: a concurrent move that took one in first (it waited for our row lock, or we for its)
    leaves it out of the update, and the problem is reported instead of moving the unit twice."""
    move = moving.move
    linked = (MoveLineSerial.move_id == move.id, MoveLineSerial.serial_id.is_not(None))
    internal = select(Location.id).where(Location.usage == "internal")
    moved = db.session.execute(
        update(Serial).where(Serial.id.in_(select(MoveLineSerial.serial_id).where(*linked)),
                             Serial.location_id.is_(None) | Serial.location_id.not_in(internal)).values(**values),
        execution_options={"synchronize_session": False}).rowcount
    if moved != db.session.scalar(select(func.count()).select_from(MoveLineSerial).where(*linked)):
        problems = state_problems(moving, MoveLineSerial.move_id == move.id)
        raise_if_problems(problems or [{"code": "serial_already_in_stock", "message": "Another move took these units in meanwhile."}],
                          f"{move.reference} cannot be validated: another move changed its units meanwhile.")


def _create_missing_serials(move: StockMove, values: dict, now: datetime) -> None:
    """New units are inserted as they end up, so they need no update afterwards."""
    columns = (Serial.name, Serial.product_id, Serial.scope, Serial.created_at, *(getattr(Serial, key) for key in values))
    literals = [literal(value, getattr(Serial, key).type) for key, value in values.items()]
    db.session.execute(insert(Serial).from_select(columns, select(
        MoveLineSerial.name, MoveLineSerial.product_id, MoveLineSerial.scope, literal(now, UtcDateTime), *literals)
        .where(MoveLineSerial.move_id == move.id, MoveLineSerial.serial_id.is_(None)).order_by(MoveLineSerial.id)))


def _write_history(moving: Direction, now: datetime, user) -> None:
    move = moving.move
    # A unit leaving stock may sit below the move's source (a shelf): history records where it was.
    source = func.coalesce(Serial.location_id, moving.source.id) if moving.outgoing else literal(moving.source.id)
    columns = ("serial_id", "move_id", "date", "source_location_id", "dest_location_id", "user_id", "invoice_id")
    db.session.execute(insert(SerialHistory).from_select(columns, select(
        Serial.id, literal(move.id), literal(now, UtcDateTime), source, literal(moving.dest.id),
        literal(user.id if user is not None else None), literal(move.invoice_id))
        # by name, not serial_id: the units this receipt just created are not linked (it would
        # rewrite every assigned row for nothing)
        .select_from(MoveLineSerial).join(Serial, (Serial.scope == MoveLineSerial.scope) & (Serial.name == MoveLineSerial.name))
        .where(MoveLineSerial.move_id == move.id)))


def _move_quantities(moving: Direction) -> None:
    """Quantities of the lines whose product is not tracked: out of the source, into the
    destination, for internal ends (lots have quantities of their own: ``move_lots``)."""
    for location, sign in ((moving.source, -1), (moving.dest, 1)):
        if location.usage != "internal":
            continue
        quantities = (select(StockMoveLine.product_id, literal(location.id), sign * func.sum(StockMoveLine.quantity))
                      .outerjoin(ProductTracking, ProductTracking.product_id == StockMoveLine.product_id)
                      .where(StockMoveLine.move_id == moving.move.id, tracking_column() == "none")
                      .group_by(StockMoveLine.product_id))
        stmt = dialect_insert(StockQuant.__table__).from_select(["product_id", "location_id", "quantity"], quantities)
        db.session.execute(stmt.on_conflict_do_update(index_elements=["product_id", "location_id"],
                                                      set_={"quantity": StockQuant.__table__.c.quantity + stmt.excluded.quantity}))
