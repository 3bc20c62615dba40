"""Stock moves: creating them, the permissions they need, locking, cancelling, and what a move does
to the units it carries (its ``Direction``)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from erp_addons.invoicing.models import Invoice
from erp_core import audit
from erp_core.database import db
from erp_core.errors import InvalidState, NotFound, raise_if_problems
from erp_core.models import Partner, Product
from erp_core.services import get_or_404, next_sequence_value

from ..models import Location, MoveLineSerial, MoveType, StockMove, StockMoveLine
from .products import product_tracking

REFERENCE_PREFIXES = {"receipt": "IN", "delivery": "OUT", "internal": "INT", "scrap": "SCRAP", "adjustment": "ADJ"}
# Where each type of move may go: (source usages, destination usages); adjustments go either way.
MOVE_ROUTES = {
    "receipt": [({"vendor", "customer"}, {"internal"})],
    "delivery": [({"internal"}, {"customer", "vendor"})],
    "internal": [({"internal"}, {"internal"})],
    "scrap": [({"internal"}, {"scrap"})],
    "adjustment": [({"inventory"}, {"internal"}), ({"internal"}, {"inventory"})],
}
ROUTE_HINTS = {
    "receipt": "a receipt comes from a vendor or customer location into an internal location",
    "delivery": "a delivery goes from an internal location to a customer or vendor location",
    "internal": "an internal transfer goes between two different internal locations",
    "scrap": "a scrap move goes from an internal location to a scrap location",
    "adjustment": "an adjustment goes between the inventory adjustment location and an internal location",
}


MAX_QUANTITY = Decimal("1e12")  # 12 integer digits: what the quantity columns hold


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def move_permission(move_type: str, action: str) -> str:
    """The permission an ``action`` (create, assign, validate, cancel) on a move of ``move_type`` needs."""
    if action == "assign":
        return "move.assign"
    if action == "create":
        return "move.create.internal" if move_type == "internal" else "move.create.manual"
    return f"move.{action}.manual" if move_type in ("scrap", "adjustment") else f"move.{action}"


def scope(product_id: int) -> int:
    """The uniqueness scope of a product's serial names: the product, or 0 when names are unique across products."""
    return 0 if current_app.config.get("ERP_SERIAL_UNIQUENESS") == "global" else product_id


@dataclass(frozen=True)
class Direction:
    """What a move does to the serials it carries, from the usages of its two ends."""

    move: StockMove
    source: Location
    dest: Location

    @property
    def outgoing(self) -> bool:
        """Takes units out of stock: they must be at the source (or below) and are reserved."""
        return self.source.usage == "internal"

    @property
    def creates_serials(self) -> bool:
        return self.source.usage != "internal" and self.dest.usage == "internal"

    @property
    def customer_return(self) -> bool:
        return self.source.usage == "customer"


def direction(move: StockMove) -> Direction:
    return Direction(move, move.source_location, move.dest_location)


def quantity_problems(product: Product, tracking: str, quantity, field: str, label: str, **ids) -> list[dict]:
    """Problems with one line's quantity (shared by manual moves and invoice postings)."""
    try:
        quantity = Decimal(str(quantity))
    except InvalidOperation:
        return [{"field": field, "code": "invalid_quantity", "message": f"{label}: the quantity must be a number.", **ids}]
    if not quantity.is_finite() or not 0 < quantity < MAX_QUANTITY or quantity != quantity.quantize(Decimal("0.001")):
        return [{"field": field, "code": "invalid_quantity", **ids,
                 "message": f"{label}: the quantity must be more than zero and less than {MAX_QUANTITY:,.0f}, with at most 3 decimals."}]
    if tracking == "serial" and quantity != quantity.to_integral_value():
        return [{"field": field, "code": "quantity_not_whole",
                 "message": f"{label}: {product.display_name} is tracked by serial number, so its quantity must be a whole number (not {quantity.normalize()}).", **ids}]
    return []


def _route_problems(move_type: str, source: Location | None, dest: Location | None, source_id: int, dest_id: int) -> list[dict]:
    problems = []
    if move_type not in MoveType.values():
        return [{"field": "type", "code": "invalid_choice", "message": f"Type must be one of {', '.join(MoveType.values())}."}]
    for location, location_id, field in ((source, source_id, "source_location_id"), (dest, dest_id, "dest_location_id")):
        if location is None:
            problems.append({"field": field, "code": "not_found", "message": f"There is no location with id {location_id}."})
    if problems:
        return problems
    allowed = any(source.usage in sources and dest.usage in dests for sources, dests in MOVE_ROUTES[move_type])
    if not allowed or source.id == dest.id:
        problems.append({"field": "dest_location_id", "code": "invalid_location",
                         "message": f"{source.full_name} → {dest.full_name} does not fit: {ROUTE_HINTS[move_type]}."})
    return problems


def _next_reference(move_type: str) -> str:
    prefix = REFERENCE_PREFIXES[move_type]
    return f"WH/{prefix}/{next_sequence_value(f'stock.move.{prefix}'):05d}"


def create_move(type: str, source_location_id: int, dest_location_id: int, lines: list[dict],
                partner_id: int | None = None, invoice_id: int | None = None, user=None, **links) -> StockMove:
    """A pending move. Each line is ``{"product_id", "quantity", "serials"?}``; serials given here
    are assigned with the same checks as a later assignment. ``links``: what the move comes from
    (``backorder_of_id``, ``origin_move_id``, ``count_id``) and its ``reason``."""
    from .assignment import assignment_problems
    from .lots import replace_lots

    source = db.session.get(Location, source_location_id)
    dest = db.session.get(Location, dest_location_id)
    problems = _route_problems(type, source, dest, source_location_id, dest_location_id)
    if partner_id is not None and db.session.get(Partner, partner_id) is None:
        problems.append({"field": "partner_id", "code": "not_found", "message": f"There is no partner with id {partner_id}."})
    if not lines:
        problems.append({"field": "lines", "code": "required", "message": "Add at least one line."})
    products = {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_({line["product_id"] for line in lines})))}
    for index, line in enumerate(lines):
        product, field, label = products.get(line["product_id"]), f"lines.{index}", f"Line {index + 1}"
        if product is None:
            problems.append({"field": field + ".product_id", "code": "not_found", "message": f"{label}: there is no product with id {line['product_id']}."})
        elif product.type != "storable":
            problems.append({"field": field + ".product_id", "code": "product_not_storable",
                             "message": f"{label}: {product.display_name} is a {product.type} product; only storable products are moved in stock."})
        else:
            problems += quantity_problems(product, product_tracking(product.id).tracking, line["quantity"], field + ".quantity", label)
    raise_if_problems(problems, "The stock move cannot be created: " + "; ".join(p["message"] for p in problems))

    move = StockMove(reference=_next_reference(type), type=type, state="pending", source_location_id=source.id,
                     dest_location_id=dest.id, partner_id=partner_id, invoice_id=invoice_id,
                     created_by_id=user.id if user is not None else None, **links)
    move.lines = [StockMoveLine(product_id=line["product_id"], quantity=Decimal(str(line["quantity"]))) for line in lines]
    db.session.add(move)
    db.session.flush()
    for line, data in zip(move.lines, lines):
        if data.get("serials") is not None:
            problems += assignment_problems(move, line, data["serials"], replace=True)[0]
        if data.get("lots") is not None:
            problems += replace_lots(move, line, data["lots"])[0]
    raise_if_problems(problems, f"The stock move cannot be created: {plural(len(problems), 'problem')} with its serial numbers or lots.")
    audit.record("create", "move", move.id, user, type=type, reference=move.reference, invoice_id=invoice_id,
                 lines=[{"product_id": line.product_id, "quantity": line.quantity} for line in move.lines])
    return move


def lock(move: StockMove) -> StockMove:
    """Re-read the move, locked until the end of the transaction (PostgreSQL; SQLite writers are
    serialised already), so two requests cannot validate or assign to it at the same time.

    Locks are always taken in one order, the invoice before its move, as cancelling an invoice
    does: a validation racing the cancellation of its invoice then waits instead of deadlocking.

    On SQLite the transaction took the write lock when it began (BEGIN IMMEDIATE), so what it has
    read is current already: re-reading would only cost each scan four statements (the invoice,
    then the move, its lines and their products loaded again)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return move
    if move.invoice_id is not None:
        db.session.execute(select(Invoice.id).where(Invoice.id == move.invoice_id).with_for_update())
    # OF stock_moves: a move read with its lines (get_move's with_lines) refreshes with them, and
    # PostgreSQL cannot lock the outer-joined side.
    db.session.refresh(move, with_for_update={"of": StockMove})
    return move


def require_pending(move: StockMove, doing: str) -> None:
    if move.state != "pending":
        raise InvalidState(f"{move.reference} is {move.state}: only pending moves can be {doing}.")


def free_reserved(move: StockMove) -> None:
    """End the reservations of a move that is done or cancelled; its rows stay as its record."""
    db.session.execute(update(MoveLineSerial).where(MoveLineSerial.move_id == move.id, MoveLineSerial.reserved)
                       .values(reserved=False),
                       execution_options={"synchronize_session": False})


def cancel_move(move: StockMove, user=None) -> StockMove:
    """Pending → cancelled; the serials it reserved are free again."""
    require_pending(lock(move), "cancelled")
    free_reserved(move)
    move.state = "cancelled"
    db.session.flush()
    audit.record("cancel", "move", move.id, user)
    return move


# What acting on a move's lines reads (a scan: the lines, their products, where the move goes from
# and to), loaded with the move in one statement instead of a lazy load each.
_WITH_LINES = (joinedload(StockMove.lines).joinedload(StockMoveLine.product),
               joinedload(StockMove.source_location), joinedload(StockMove.dest_location))


def get_move(move_id: int, with_lines: bool = False) -> StockMove:
    return get_or_404(StockMove, move_id, "stock move", _WITH_LINES if with_lines else ())


def get_move_line(move_id: int, line_id: int, with_lines: bool = False) -> tuple[StockMove, StockMoveLine]:
    """The move and one of its lines; 404 when either is missing or the line is another move's."""
    move = get_move(move_id, with_lines)
    line = db.session.get(StockMoveLine, line_id)
    if line is None or line.move_id != move.id:
        raise NotFound(f"{move.reference} has no line with id {line_id}.")
    return move, line


def check_line(move: StockMove, line: StockMoveLine) -> None:
    if line.move_id != move.id:
        raise NotFound(f"Line {line.id} is not a line of {move.reference}.")
