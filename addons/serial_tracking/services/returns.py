"""Returns and corrections: new moves that undo (part of) a done move, linked to it by
``origin_move_id``, never an edit of the move itself."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from erp_core import audit
from erp_core.errors import BadRequest, DomainError, InvalidState, raise_if_problems
from erp_core.database import db
from erp_core.forms import format_number
from erp_core.text import normalized_name

from ..models import MoveLineSerial, StockMove, StockMoveLine
from .locations import stock_location
from .lots import line_lots
from .moves import create_move, plural
from .serial_rules import serial_for
from .validation import validate_move

RETURN_TYPES = {"delivery": "receipt", "receipt": "delivery"}
REVERSE_TYPES = {**RETURN_TYPES, "internal": "internal"}


def return_type(original: StockMove) -> str:
    """The type of the move that returns ``original`` (a delivery comes back on a receipt)."""
    if original.type not in RETURN_TYPES:
        raise DomainError("not_returnable", f"{original.reference} is a {original.type}: only deliveries and receipts are returned.",
                          [{"field": "type", "code": "not_returnable", "message": "Return a delivery or a receipt."}])
    return RETURN_TYPES[original.type]


def serials_by_line(move: StockMove) -> dict[int, list[str]]:
    """{line id: the serial numbers assigned to it, in the order they were}, in one query."""
    found: dict[int, list[str]] = {}
    for line_id, name in db.session.execute(select(MoveLineSerial.line_id, MoveLineSerial.name)
                                            .where(MoveLineSerial.move_id == move.id).order_by(MoveLineSerial.id)):
        found.setdefault(line_id, []).append(name)
    return found


def _uppercase(line: StockMoveLine) -> bool:
    return bool(line.product_tracking and line.product_tracking.serial_uppercase)


def return_move(original: StockMove, serials: list[str] | None, user=None,
                lots: dict[int, dict[str, Decimal]] | None = None) -> StockMove:
    """A pending move back the other way (customer → WH/Stock for a delivery, WH/Stock → vendor for a
    receipt), its lines holding the serial numbers of ``original`` (all of them, or ``serials``) and
    its lots. Part of the move: ``serials`` and ``lots``, {line id: {lot name: quantity}}, given
    together; the lines without serials or lots then stay."""
    move_type = return_type(original)
    if original.state != "done":
        raise InvalidState(f"{original.reference} is {original.state}: only a done move can be returned.")
    on_move = serials_by_line(original)
    carried = line_lots([line.id for line in original.lines])
    lines, problems = [], []
    if serials is None and lots is None:
        lines = [{"product_id": line.product_id, "quantity": line.quantity,
                  **({"serials": on_move.get(line.id, [])} if line.tracking == "serial" else {}),
                  **({"lots": [{"name": e["name"], "quantity": e["quantity"]} for e in carried.get(line.id, [])]}
                     if line.tracking == "lot" else {})}
                 for line in original.lines if line.quantity > 0]
    else:
        wanted: dict[int, tuple[StockMoveLine, list[str]]] = {}
        for raw in serials or []:
            found = next(((line, name) for line in original.lines for name in [serial_for(raw, _uppercase(line))]
                          if name in on_move.get(line.id, ())), None)
            if found is None:
                problems.append({"serial": raw.strip(), "code": "serial_not_on_move",
                                 "message": f"{raw.strip()} was not on {original.reference}; return only what it moved."})
            else:
                wanted.setdefault(found[0].id, (found[0], []))[1].append(found[1])
        lines = [{"product_id": line.product_id, "quantity": len(names), "serials": names} for line, names in wanted.values()]
        lot_lines, lot_problems = _lots_to_return(original, carried, lots or {})
        lines, problems = lines + lot_lines, problems + lot_problems
    serial_problems = [p for p in problems if "serial" in p]
    message = (" ".join(p["message"] for p in problems) if len(serial_problems) < len(problems) else
               f"{plural(len(problems), 'serial number')} of the list {'was' if len(problems) == 1 else 'were'} "
               f"not on {original.reference}.")
    raise_if_problems(problems, "Nothing was returned: " + message)
    if not lines:
        raise DomainError("nothing_to_return", f"{original.reference} moved nothing that can be returned.",
                          [{"field": "serials", "code": "nothing_to_return", "message": "Choose serial numbers of the move."}])
    ends = (original.dest_location_id, stock_location().id) if original.type == "delivery" else (stock_location().id, original.source_location_id)
    returned = create_move(move_type, *ends, lines, partner_id=original.partner_id, user=user, origin_move_id=original.id)
    audit.record("return", "move", original.id, user, return_id=returned.id, reference=returned.reference)
    return returned


def _lots_to_return(original: StockMove, carried: dict[int, list[dict]],
                    lots: dict[int, dict[str, Decimal]]) -> tuple[list[dict], list[dict]]:
    """The return's lot lines for ``lots`` ({line id: {lot name: quantity}}, a zero left out), and
    the problems: a lot the line did not carry, or more of it than it carried."""
    lines, problems = [], []
    for line in original.lines:
        wanted = {name: quantity for name, quantity in lots.get(line.id, {}).items() if quantity}
        held = {entry["name"]: entry["quantity"] for entry in carried.get(line.id, [])}
        for name, quantity in wanted.items():
            if name not in held:
                problems.append({"lot": name, "line_id": line.id, "code": "lot_not_on_move",
                                 "message": f"{name} was not on {original.reference}; return only what it moved."})
            elif not 0 < quantity <= held[name]:
                problems.append({"lot": name, "line_id": line.id, "code": "invalid_quantity", "message":
                                 f"Return between 0 and {format_number(held[name])} of {name}: that is what the move carried."})
        if wanted:
            lines.append({"product_id": line.product_id, "quantity": sum(wanted.values(), Decimal(0)),
                          "lots": [{"name": name, "quantity": quantity} for name, quantity in wanted.items()]})
    problems += [{"lot": "", "line_id": line_id, "code": "lot_not_on_move",
                  "message": f"Line {line_id} is not on {original.reference}."} for line_id in set(lots) - {line.id for line in original.lines}]
    return lines, problems


def _correctable(move: StockMove, reason: str) -> str:
    """The reason, trimmed, once ``move`` is one that can be corrected."""
    reason = (reason or "").strip()
    if not reason:
        raise BadRequest("Say why the move is corrected: the reason is kept on the correcting moves.",
                         [{"field": "reason", "code": "required", "message": "Give a reason."}])
    if move.state != "done":
        raise InvalidState(f"{move.reference} is {move.state}: only a done move is corrected (change a pending one directly).")
    if move.type not in REVERSE_TYPES:
        raise DomainError("not_correctable", f"{move.reference} is a {move.type}; correct receipts, deliveries and internal transfers.",
                          [{"field": "type", "code": "not_correctable", "message": "Only receipts, deliveries and transfers are corrected."}])
    return reason


def _undo_and_redo(move: StockMove, line: StockMoveLine, units, taken: dict, instead: dict, reason: str, user,
                   **details) -> list[StockMove]:
    """Two done moves linked to ``move``: ``units`` of what the line ``taken`` wrongly (its
    serials or lots) back from where the move took it to where it came from, and as much of what it
    should have taken ``instead`` on the move's trip."""
    product = {"product_id": line.product_id, "quantity": units}
    undo = create_move(REVERSE_TYPES[move.type], move.dest_location_id, move.source_location_id, [{**product, **taken}],
                       partner_id=move.partner_id, user=user, origin_move_id=move.id, reason=reason)
    redo = create_move(move.type, move.source_location_id, move.dest_location_id, [{**product, **instead}],
                       partner_id=move.partner_id, invoice_id=move.invoice_id, user=user, origin_move_id=move.id, reason=reason)
    moves = [validate_move(undo, user), validate_move(redo, user)]
    audit.record("correct", "move", move.id, user, line_id=line.id, reason=reason, moves=[m.reference for m in moves], **details)
    return moves


def correct(move: StockMove, line: StockMoveLine, wrong: str, right: str, reason: str, quantity=None, expiry_date=None,
            user=None) -> list[StockMove]:
    """Put right what a done line carried: a serial number, or (on a lot line) ``quantity`` of a lot,
    by default all of it, ``expiry_date`` being the right lot's when it is new. ``move`` itself is
    never edited: see ``correct_serial`` and ``correct_lot``."""
    if line.tracking == "lot":
        return correct_lot(move, line, wrong, right, reason, quantity, expiry_date, user)
    return correct_serial(move, line, wrong, right, reason, user)


def correct_lot(move: StockMove, line: StockMoveLine, wrong: str, right: str, reason: str, quantity=None, expiry_date=None,
                user=None) -> list[StockMove]:
    """Done moves, linked to ``move`` and carrying ``reason``, that leave stock as if ``quantity`` of
    lot ``right`` had been on ``line`` instead of lot ``wrong``."""
    reason = _correctable(move, reason)
    wrong, right = normalized_name(wrong or ""), normalized_name(right or "")
    carried = {entry["name"]: entry["quantity"] for entry in line_lots([line.id]).get(line.id, [])}
    quantity = carried.get(wrong) if quantity is None else Decimal(str(quantity))
    problems = []
    if wrong not in carried:
        problems.append({"lot": wrong, "line_id": line.id, "code": "lot_not_on_move",
                         "message": f"{wrong} is not on this line of {move.reference}: choose one of its lots ({', '.join(carried) or 'none'})."})
    elif not 0 < quantity <= carried[wrong]:
        problems.append({"lot": wrong, "line_id": line.id, "code": "invalid_quantity",
                         "message": f"Correct between 0 and {format_number(carried[wrong])} of {wrong}: that is what the line carried."})
    if right == wrong or not right:
        problems.append({"lot": right, "line_id": line.id, "code": "invalid_lot", "message": "Give the lot that should have been on the line."})
    raise_if_problems(problems, "The lot cannot be corrected: " + " ".join(p["message"] for p in problems))
    right_entry = {"name": right, "quantity": quantity, **({"expiry_date": expiry_date} if expiry_date else {})}
    return _undo_and_redo(move, line, quantity, {"lots": [{"name": wrong, "quantity": quantity}]}, {"lots": [right_entry]}, reason, user,
                          wrong=wrong, right=right, quantity=quantity)


def correct_serial(move: StockMove, line: StockMoveLine, wrong: str, right: str, reason: str, user=None) -> list[StockMove]:
    """Done moves, linked to ``move`` and carrying ``reason``, that leave stock as if ``right`` had
    been on ``line`` and ``wrong`` had not: ``wrong`` goes back from where the move took it to where
    it came from, ``right`` makes the move's trip."""
    reason = _correctable(move, reason)
    wrong, right = (serial_for(name, _uppercase(line)) for name in (wrong, right))
    names = serials_by_line(move).get(line.id, [])
    problems = []
    if wrong not in names:
        problems.append({"serial": wrong, "line_id": line.id, "code": "serial_not_on_move",
                         "message": f"{wrong} is not on this line of {move.reference}: choose one of its serial numbers."})
    if right in names or right == wrong:
        problems.append({"serial": right, "line_id": line.id, "code": "duplicate_serial",
                         "message": f"{right} is already on this line of {move.reference}."})
    raise_if_problems(problems, "The serial number cannot be corrected: " + " ".join(p["message"] for p in problems))
    return _undo_and_redo(move, line, 1, {"serials": [wrong]}, {"serials": [right]}, reason, user, wrong=wrong, right=right)


def scrap_serial(serial, reason: str, user=None) -> StockMove:
    """A done scrap move of one unit from where it is, with the reason."""
    from .locations import location_of_usage

    reason = (reason or "").strip()
    if not reason:
        raise BadRequest("Say why the unit is scrapped.", [{"field": "reason", "code": "required", "message": "Give a reason."}])
    if serial.location is None or serial.location.usage != "internal":
        raise DomainError("serial_not_at_location", f"{serial.name} is not in stock, so it cannot be scrapped.",
                          [{"serial": serial.name, "code": "serial_not_at_location", "message": "Only a unit in stock is scrapped."}])
    scrap = create_move("scrap", serial.location_id, location_of_usage("scrap").id,
                        [{"product_id": serial.product_id, "quantity": 1, "serials": [serial.name]}], user=user, reason=reason)
    return validate_move(scrap, user)
