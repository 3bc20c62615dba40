"""Rules of stock: locations, moves, serial assignment and validation, serial numbers.

Serial work is set-based so that its cost in SQL statements does not grow with the number of
units: the names of an assignment travel as one JSON parameter unpacked by the database
(``names_table``), every rule is one query joining the assigned rows to the serials, and
validation moves every unit with a handful of INSERT ... SELECT and UPDATE ... WHERE id IN
(SELECT ...) statements. No per-serial ORM object is built on that path.
Services never commit; the API request, web action or CLI command commits or rolls back."""
from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import JSON, bindparam, case, delete, false, func, insert, literal, not_, select, union_all, update
from sqlalchemy.orm import aliased, joinedload

from addons.invoicing.models import Invoice
from erp_core.database import UtcDateTime, db, dialect_insert, utcnow
from erp_core.errors import DomainError, InvalidState, NotFound, raise_if_problems
from erp_core.models import Partner, Product, User
from erp_core.services import get_or_404, next_sequence_value

from .models import (LOCATION_USAGES, MOVE_TYPES, SERIAL_NAME_MAX, Location, MoveLineSerial, Serial, SerialHistory,
                     StockMove, StockMoveLine, StockQuant)

DEFAULT_STOCK = "WH/Stock"
# Created by `erp init`, parents first: (full name, usage).
DEFAULT_LOCATIONS = (
    ("WH", "view"), (DEFAULT_STOCK, "internal"),
    ("Partners", "view"), ("Partners/Vendors", "vendor"), ("Partners/Customers", "customer"),
    ("Virtual", "view"), ("Virtual/Inventory adjustment", "inventory"), ("Virtual/Scrap", "scrap"),
)
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
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Aliases built once: building them costs more than running the small queries that use them.
_AssignedSerial, _Here, _Reserver = aliased(Serial, name="assigned_serial"), aliased(Location, name="here"), aliased(StockMove, name="reserver")
_HistorySource, _HistoryDest = aliased(Location, name="history_source"), aliased(Location, name="history_dest")
TRAILING_NUMBER = re.compile(r"^(.*?)([0-9]+)$")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# ---------------------------------------------------------------- locations


def get_location(location_id: int) -> Location:
    return get_or_404(Location, location_id, "location")


def create_location(name: str, parent_id: int | None, usage: str) -> Location:
    name = (name or "").strip()
    problems = []
    if not name:
        problems.append({"field": "name", "code": "required", "message": "Enter the location's name."})
    elif "/" in name or len(name) > 100:
        problems.append({"field": "name", "code": "invalid_name", "message": "Use at most 100 characters and no '/' (it separates the levels of the full name)."})
    if usage not in LOCATION_USAGES:
        problems.append({"field": "usage", "code": "invalid_choice", "message": f"Usage must be one of {', '.join(LOCATION_USAGES)}."})
    parent = db.session.get(Location, parent_id) if parent_id is not None else None
    if parent_id is not None and parent is None:
        problems.append({"field": "parent_id", "code": "not_found", "message": f"There is no location with id {parent_id}."})
    full_name = f"{parent.full_name}/{name}" if parent else name
    if name and db.session.scalar(select(Location.id).where(Location.full_name == full_name)):
        problems.append({"field": "name", "code": "duplicate", "message": f"A location named {full_name} already exists."})
    raise_if_problems(problems, "The location cannot be created: " + "; ".join(p["message"] for p in problems))
    location = Location(name=name, parent_id=parent_id, usage=usage, full_name=full_name)
    db.session.add(location)
    db.session.flush()
    location.parent_path = f"{parent.parent_path if parent else ''}{location.id}/"
    db.session.flush()
    return location


def create_default_locations() -> None:
    """The warehouse, partner and virtual locations of a new database; existing ones are kept."""
    existing = {loc.full_name: loc for loc in db.session.scalars(select(Location))}
    for full_name, usage in DEFAULT_LOCATIONS:
        if full_name not in existing:
            parent_name, _, name = full_name.rpartition("/")
            parent = existing.get(parent_name)
            existing[full_name] = create_location(name, parent.id if parent else None, usage)


def location_of_usage(usage: str) -> Location:
    location = db.session.scalar(select(Location).where(Location.usage == usage).order_by(Location.id).limit(1))
    if location is None:
        raise DomainError("missing_location", f"There is no location of usage {usage!r}; run `erp init` to create the default locations.")
    return location


def stock_location() -> Location:
    """The default stock location (WH/Stock), or the first internal one if it was not created."""
    return db.session.scalar(select(Location).where(Location.full_name == DEFAULT_STOCK)) or location_of_usage("internal")


def locations_below(location: Location):
    """A select of the ids of ``location`` and every location under it."""
    return select(Location.id).where(Location.parent_path.startswith(location.parent_path))


# ---------------------------------------------------------------- permissions


def move_permission(move_type: str, action: str) -> str:
    """The permission an ``action`` (create, assign, validate, cancel) on a move of ``move_type`` needs."""
    if action == "assign":
        return "move.assign"
    if action == "create":
        return "move.create.internal" if move_type == "internal" else "move.create.manual"
    return f"move.{action}.manual" if move_type in ("scrap", "adjustment") else f"move.{action}"


# ---------------------------------------------------------------- moves


def _scope(product_id: int) -> int:
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


def _direction(move: StockMove) -> Direction:
    return Direction(move, move.source_location, move.dest_location)


def quantity_problems(product: Product, quantity, field: str, label: str, **ids) -> list[dict]:
    """Problems with one line's quantity (shared by manual moves and invoice postings)."""
    try:
        quantity = Decimal(str(quantity))
    except InvalidOperation:
        return [{"field": field, "code": "invalid_quantity", "message": f"{label}: the quantity must be a number.", **ids}]
    if quantity <= 0 or quantity != quantity.quantize(Decimal("0.001")) or quantity >= Decimal("1e12"):
        return [{"field": field, "code": "invalid_quantity", "message": f"{label}: the quantity must be more than zero, with at most 3 decimals.", **ids}]
    if product.tracking == "serial" and quantity != quantity.to_integral_value():
        return [{"field": field, "code": "quantity_not_whole",
                 "message": f"{label}: {product.display_name} is tracked by serial number, so its quantity must be a whole number (not {quantity.normalize()}).", **ids}]
    return []


def _move_problems(move_type: str, source: Location | None, dest: Location | None, source_id: int, dest_id: int) -> list[dict]:
    problems = []
    if move_type not in MOVE_TYPES:
        return [{"field": "type", "code": "invalid_choice", "message": f"Type must be one of {', '.join(MOVE_TYPES)}."}]
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
                partner_id: int | None = None, invoice_id: int | None = None, user=None) -> StockMove:
    """A pending move. Each line is ``{"product_id", "quantity", "serials"?}``; serials given here
    are assigned with the same checks as a later assignment."""
    source = db.session.get(Location, source_location_id)
    dest = db.session.get(Location, dest_location_id)
    problems = _move_problems(type, source, dest, source_location_id, dest_location_id)
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
            problems += quantity_problems(product, line["quantity"], field + ".quantity", label)
    raise_if_problems(problems, "The stock move cannot be created: " + "; ".join(p["message"] for p in problems))

    move = StockMove(reference=_next_reference(type), type=type, state="pending", source_location_id=source.id,
                     dest_location_id=dest.id, partner_id=partner_id, invoice_id=invoice_id,
                     created_by_id=user.id if user is not None else None)
    move.lines = [StockMoveLine(product_id=line["product_id"], quantity=Decimal(str(line["quantity"]))) for line in lines]
    db.session.add(move)
    db.session.flush()
    for line, data in zip(move.lines, lines):
        if data.get("serials") is not None:
            problems += _assign(move, line, data["serials"], replace=True)
    raise_if_problems(problems, f"The stock move cannot be created: {_plural(len(problems), 'serial number')} cannot be assigned.")
    return move


def _lock(move: StockMove) -> StockMove:
    """Re-read the move, locked until the end of the transaction (PostgreSQL; SQLite writers are
    serialised already), so two requests cannot validate or assign to it at the same time."""
    db.session.refresh(move, with_for_update=True)
    return move


def _require_pending(move: StockMove, doing: str) -> None:
    if move.state != "pending":
        raise InvalidState(f"{move.reference} is {move.state}: only pending moves can be {doing}.")


def cancel_move(move: StockMove, user=None) -> StockMove:
    """Pending → cancelled; the serials it reserved are free again."""
    _require_pending(_lock(move), "cancelled")
    db.session.execute(update(Serial).where(Serial.reserved_by_move_id == move.id)
                       .values(reserved_by_move_id=None, status="available"))
    move.state = "cancelled"
    db.session.flush()
    return move


# ---------------------------------------------------------------- serial assignment


def serial_name_problem(name: str) -> str | None:
    """Why ``name`` (already trimmed) cannot be a serial number, or None."""
    if not name:
        return "A serial number cannot be empty."
    if len(name) > SERIAL_NAME_MAX:
        return f"A serial number has at most {SERIAL_NAME_MAX} characters; this one has {len(name)}."
    if CONTROL_CHARACTERS.search(name):
        return "A serial number cannot contain control characters (tabs, line breaks...); check the scanner's settings."
    return None


def _detail(name: str, line_id: int, code: str, message: str) -> dict:
    return {"serial": name, "line_id": line_id, "code": code, "message": message}


def _not_tracked(line: StockMoveLine) -> dict:
    return {"line_id": line.id, "field": "serials", "code": "product_not_serial_tracked",
            "message": f"{line.product.display_name} is not tracked by serial number, so its line takes no serial numbers."}


def _assign(move: StockMove, line: StockMoveLine, names: list[str], *, replace: bool) -> list[dict]:
    """Assign ``names`` to ``line`` and return every problem (empty when all is well). Rows are
    written even when there are problems, so the database checks can list every offender; the
    caller raises and its rollback undoes them."""
    if line.product.tracking != "serial":
        return [_not_tracked(line)]
    scope = _scope(line.product_id)
    others = select(MoveLineSerial.name).where(MoveLineSerial.move_id == move.id, MoveLineSerial.scope == scope)
    taken = set(db.session.scalars(others.where(MoveLineSerial.line_id != line.id) if replace else others))
    problems, accepted = [], {}
    for raw in names:
        name = raw.strip()
        problem = serial_name_problem(name)
        if problem:
            problems.append(_detail(name, line.id, "invalid_serial", problem))
        elif name in accepted or name in taken:
            problems.append(_detail(name, line.id, "duplicate_serial", f"{name} is given twice in {move.reference}; each unit is counted once."))
        else:
            accepted[name] = None
    room = int(line.quantity) - (0 if replace else line_serial_count(line))
    for name in list(accepted)[max(room, 0):]:
        problems.append(_detail(name, line.id, "too_many_serials",
                                f"{name} is one serial number too many: the line is for {int(line.quantity)} and {'no more fit' if room <= 0 else f'only {room} more fit'}."))
    if replace:
        _release(move, MoveLineSerial.line_id == line.id)
        db.session.execute(delete(MoveLineSerial).where(MoveLineSerial.line_id == line.id))
        after = 0
    else:
        after = db.session.scalar(select(func.coalesce(func.max(MoveLineSerial.id), 0)).where(MoveLineSerial.line_id == line.id))
    if accepted:
        _insert_assignments(move, line, scope, list(accepted))
        new_rows = (MoveLineSerial.line_id == line.id, MoveLineSerial.id > after)
        problems += _state_problems(_direction(move), *new_rows)
        if not problems:
            problems += _reserve(_direction(move), *new_rows, expected=len(accepted))
    return problems


def names_table(names: list[str]):
    """``names`` as a table (value, position) unpacked by the database from one JSON parameter:
    writing 100,000 names is one statement with no per-row work in Python."""
    param = bindparam(None, names, type_=JSON)
    if db.session.get_bind().dialect.name == "postgresql":
        table = func.json_array_elements_text(param).table_valued("value", with_ordinality="position").render_derived()
        return table, table.c.position
    table = func.json_each(param).table_valued("value", "key")
    return table, table.c.key


def _insert_assignments(move: StockMove, line: StockMoveLine, scope: int, names: list[str]) -> None:
    """Assigned rows in the given order, each linked to the existing serial of its name."""
    table, position = names_table(names)
    rows = (select(literal(move.id), literal(line.id), literal(line.product_id), literal(scope), table.c.value, Serial.id)
            .select_from(table).outerjoin(Serial, (Serial.scope == scope) & (Serial.name == table.c.value)).order_by(position))
    db.session.execute(insert(MoveLineSerial).from_select(("move_id", "line_id", "product_id", "scope", "name", "serial_id"), rows))


def _link_serials(*where) -> None:
    """Point assigned rows at the serial of their name where one exists (only those are written)."""
    match = select(Serial.id).where(Serial.scope == MoveLineSerial.scope, Serial.name == MoveLineSerial.name)
    db.session.execute(update(MoveLineSerial).where(*where, match.exists()).values(serial_id=match.scalar_subquery()),
                       execution_options={"synchronize_session": False})


def _state_problems(direction: Direction, *where) -> list[dict]:
    """The rules that depend on where each assigned serial is now, as one query over the assigned
    rows selected by ``where``: it returns only the offenders."""
    move, source = direction.move, direction.source
    s, here, reserver = _AssignedSerial, _Here, _Reserver
    at_source = here.parent_path.startswith(source.parent_path)
    conditions = [(s.id.is_not(None) & (s.product_id != MoveLineSerial.product_id), "wrong_product")]
    if direction.outgoing:
        conditions += [(s.id.is_(None), "missing"), (here.id.is_(None) | not_(at_source), "not_at_location"),
                       (s.reserved_by_move_id.is_not(None) & (s.reserved_by_move_id != move.id), "reserved")]
    elif direction.customer_return:
        delivered = here.id.is_not(None) & at_source  # never NULL: FALSE AND NULL is FALSE
        if move.partner_id is not None:
            delivered = delivered & (s.customer_id == move.partner_id)
        conditions += [(here.usage == "internal", "in_stock"), (s.id.is_(None) | not_(delivered), "not_delivered")]
    else:
        conditions += [(here.usage == "internal", "in_stock")]
    reason = case(*conditions, else_=None)
    rows = db.session.execute(
        select(MoveLineSerial.name, MoveLineSerial.line_id, reason.label("reason"), here.full_name, reserver.reference)
        .select_from(MoveLineSerial)
        .outerjoin(s, s.id == MoveLineSerial.serial_id)
        .outerjoin(here, here.id == s.location_id)
        .outerjoin(reserver, reserver.id == s.reserved_by_move_id)
        .where(*where, reason.is_not(None))
        .order_by(MoveLineSerial.id)
    ).all()
    if not rows:
        return []
    partner = move.partner.name if move.partner_id is not None else "this customer"
    messages = {
        "wrong_product": ("serial_wrong_product", "{name} already exists for another product, and serial numbers are unique across products."),
        "missing": ("serial_not_at_location", "{name} does not exist, so it is not at " + source.full_name + "; check the number."),
        "not_at_location": ("serial_not_at_location", "{name} is not at " + source.full_name + " or below (it is at {where}); check its current location."),
        "reserved": ("serial_reserved", "{name} is reserved by the pending move {reserver}; remove it there first."),
        "in_stock": ("serial_already_in_stock", "{name} is already in stock at {where}; a receipt brings in only units that are not in stock."),
        "not_delivered": ("serial_not_delivered_to_partner", "{name} was not delivered to " + partner + ", so it cannot be returned by them."),
    }
    problems = []
    for name, line_id, why, where_now, reserved_by in rows:
        code, template = messages[why]
        problems.append(_detail(name, line_id, code, template.format(name=name, where=where_now or "no location", reserver=reserved_by)))
    return problems


def _reserve(direction: Direction, *where, expected: int) -> list[dict]:
    """A move out of stock reserves the serials assigned to it. If another transaction reserved
    one since the check, fewer rows change: report which, from what is committed now."""
    if not direction.outgoing:
        return []
    assigned = select(MoveLineSerial.serial_id).where(*where)
    changed = db.session.execute(
        update(Serial).where(Serial.id.in_(assigned), Serial.reserved_by_move_id.is_(None))
        .values(reserved_by_move_id=direction.move.id, status="on_hand"),
        execution_options={"synchronize_session": False}).rowcount
    return _state_problems(direction, *where) if changed != expected else []


def _release(move: StockMove, *where) -> None:
    """Free the serials of the assigned rows selected by ``where`` that ``move`` reserved."""
    db.session.execute(
        update(Serial).where(Serial.reserved_by_move_id == move.id,
                             Serial.id.in_(select(MoveLineSerial.serial_id).where(MoveLineSerial.move_id == move.id, *where)))
        .values(reserved_by_move_id=None, status="available"),
        execution_options={"synchronize_session": False})


def fill_with_oldest(move: StockMove, line: StockMoveLine, user=None) -> StockMoveLine:
    """Assign the oldest available serials at the source location to what the line still lacks
    (the delivery picker's "Fill with the N oldest": only ever on the user's request)."""
    missing = int(line.quantity) - line_serial_count(line)
    names = list(db.session.scalars(available_serials_stmt(move, line).with_only_columns(Serial.name).limit(max(0, missing))))
    if not names:
        raise DomainError("nothing_to_fill", "Nothing to fill: the line is complete or no serial number is available at the source location.")
    return assign_serials(move, line, names, replace=False, user=user)


def get_move(move_id: int) -> StockMove:
    return get_or_404(StockMove, move_id, "stock move")


def get_move_line(move_id: int, line_id: int) -> tuple[StockMove, StockMoveLine]:
    """The move and one of its lines; 404 when either is missing or the line is another move's."""
    move = get_move(move_id)
    line = db.session.get(StockMoveLine, line_id)
    if line is None or line.move_id != move.id:
        raise NotFound(f"{move.reference} has no line with id {line_id}.")
    return move, line


def _check_line(move: StockMove, line: StockMoveLine) -> None:
    if line.move_id != move.id:
        raise NotFound(f"Line {line.id} is not a line of {move.reference}.")


def assign_serials(move: StockMove, line: StockMoveLine, names: list[str], *, replace: bool, user=None) -> StockMoveLine:
    """Replace (``replace=True``) or extend the serials of a line of a pending move; on any problem
    nothing is assigned and the error lists every offender."""
    _check_line(move, line)
    _require_pending(_lock(move), "changed")
    problems = _assign(move, line, names, replace=replace)
    raise_if_problems(problems, f"No serial number was assigned: {_plural(len(problems), 'problem')} to fix first.")
    return line


def generated_names(first: str, count: int) -> list[str]:
    """``first`` and the ``count - 1`` names after it, counting up its trailing number and keeping
    its zero padding (SN-0009 → SN-0010, A-99 → A-100)."""
    first = first.strip()
    match = TRAILING_NUMBER.match(first)
    if match is None:
        raise DomainError("invalid_serial", f"{first or 'The first serial number'} does not end with a number to count up from.",
                          [{"field": "first", "code": "invalid_serial", "message": "End the first serial number with digits, e.g. SN-0001."}])
    prefix, digits = match.groups()
    start, width = int(digits), len(digits)
    return [f"{prefix}{number:0{width}d}" for number in range(start, start + count)]


def generate_serials(move: StockMove, line: StockMoveLine, first: str, count: int, user=None) -> StockMoveLine:
    return assign_serials(move, line, generated_names(first, count), replace=False, user=user)


def remove_serial(move: StockMove, line: StockMoveLine, name: str, user=None) -> StockMoveLine:
    _check_line(move, line)
    _require_pending(_lock(move), "changed")
    name = name.strip()
    row = (MoveLineSerial.line_id == line.id, MoveLineSerial.name == name)
    if db.session.scalar(select(MoveLineSerial.id).where(*row)) is None:
        raise NotFound(f"{name} is not assigned to this line of {move.reference}.")
    _release(move, *row)
    db.session.execute(delete(MoveLineSerial).where(*row))
    return line


def line_serial_names(line: StockMoveLine, limit: int | None = None, offset: int = 0) -> list[str]:
    stmt = select(MoveLineSerial.name).where(MoveLineSerial.line_id == line.id).order_by(MoveLineSerial.id)
    return list(db.session.scalars(stmt.limit(limit).offset(offset) if limit is not None else stmt.offset(offset)))


def line_serial_count(line: StockMoveLine) -> int:
    return db.session.scalar(select(func.count()).where(MoveLineSerial.line_id == line.id))


def move_serial_counts(move_ids: list[int]) -> dict[int, int]:
    """Assigned serials per line id for the given moves, in one query."""
    return dict(db.session.execute(select(MoveLineSerial.line_id, func.count()).where(MoveLineSerial.move_id.in_(move_ids))
                                   .group_by(MoveLineSerial.line_id)).all())


def move_serial_previews(move_ids: list[int], limit: int = 5) -> dict[int, tuple[int, list[str]]]:
    """(count, first ``limit`` names) of the assigned serials per line id of the given moves, in
    one query (a window function numbers each line's serials)."""
    numbered = select(MoveLineSerial.line_id, MoveLineSerial.name,
                      func.row_number().over(partition_by=MoveLineSerial.line_id, order_by=MoveLineSerial.id).label("n"),
                      func.count().over(partition_by=MoveLineSerial.line_id).label("total")
                      ).where(MoveLineSerial.move_id.in_(move_ids)).subquery()
    previews: dict[int, tuple[int, list[str]]] = {}
    for line_id, name, total in db.session.execute(
            select(numbered.c.line_id, numbered.c.name, numbered.c.total).where(numbered.c.n <= limit)
            .order_by(numbered.c.line_id, numbered.c.n)):
        previews.setdefault(line_id, (total, []))[1].append(name)
    return previews


def available_serials_stmt(move: StockMove, line: StockMoveLine, q: str | None = None):
    """Serials a delivery-type line can take: the line's product, free, at the move's source
    location or below, oldest received first."""
    stmt = (select(Serial).where(Serial.product_id == line.product_id, Serial.status == "available",
                                 Serial.location_id.in_(locations_below(move.source_location)))
            .order_by(Serial.received_at, Serial.id))
    return stmt.where(name_contains(q)) if q else stmt


# ---------------------------------------------------------------- validation


def _line_problems(move: StockMove) -> list[dict]:
    counts = move_serial_counts([move.id])
    problems = []
    for line in move.lines:
        product, assigned = line.product, counts.get(line.id, 0)
        if product.tracking != "serial":
            if assigned:
                problems.append(_not_tracked(line))
            continue
        problems += quantity_problems(product, line.quantity, "quantity", product.display_name, line_id=line.id)
        wanted = int(line.quantity)
        if assigned != wanted:
            code = "serial_count_mismatch" if assigned < wanted else "too_many_serials"
            problems.append({"line_id": line.id, "field": "serials", "code": code,
                             "message": f"{product.display_name}: {assigned} of {wanted} serial numbers are assigned; "
                                        + (f"add the {wanted - assigned} missing." if assigned < wanted else f"remove {assigned - wanted}.")})
    return problems


def validate_move(move: StockMove, user) -> StockMove:
    """Check everything again and move the stock, in one transaction: a bounded number of SQL
    statements whatever the number of serials."""
    _require_pending(_lock(move), "validated")
    direction = _direction(move)
    of_move = MoveLineSerial.move_id == move.id
    # Serials are never renamed or deleted, so only rows without a serial yet need linking.
    _link_serials(of_move, MoveLineSerial.serial_id.is_(None))
    problems = _line_problems(move) + _state_problems(direction, of_move)
    raise_if_problems(problems, f"{move.reference} cannot be validated: {_plural(len(problems), 'problem')} to fix first.")

    now = utcnow()
    values = _arrival_values(direction, now)
    if direction.outgoing:
        _write_history(direction, now, user)  # first: it records where each unit was
        _move_serials(move, values)
    else:
        _move_serials(move, values)  # units coming back
        if direction.creates_serials:
            _create_missing_serials(move, values, now)
        _write_history(direction, now, user)
    _move_quantities(direction)
    move.state, move.done_at, move.done_by_id = "done", now, user.id if user is not None else None
    db.session.flush()
    return move


def _arrival_values(direction: Direction, now: datetime) -> dict:
    """What a unit carried by the move becomes: its location and status, purchase info on a
    receipt from a vendor, delivery info on a delivery to a customer."""
    move, dest = direction.move, direction.dest
    values = {"location_id": dest.id, "status": "available" if dest.usage == "internal" else "out_of_stock"}
    if direction.outgoing:
        values["reserved_by_move_id"] = None
    invoice_type = move.invoice.type if move.invoice_id is not None else None
    if direction.source.usage == "vendor":
        values.update(received_at=now, vendor_id=move.partner_id, vendor_bill_id=move.invoice_id if invoice_type == "vendor_bill" else None)
    if dest.usage == "customer":
        values.update(delivered_at=now, customer_id=move.partner_id,
                      customer_invoice_id=move.invoice_id if invoice_type == "customer_invoice" else None)
    return values


def _move_serials(move: StockMove, values: dict) -> None:
    """The serials that exist already take their new location, status and info."""
    assigned = select(MoveLineSerial.serial_id).where(MoveLineSerial.move_id == move.id, MoveLineSerial.serial_id.is_not(None))
    db.session.execute(update(Serial).where(Serial.id.in_(assigned)).values(**values), execution_options={"synchronize_session": False})


def _create_missing_serials(move: StockMove, values: dict, now: datetime) -> None:
    """New units are inserted as they end up, so they need no update afterwards."""
    columns = ("name", "product_id", "scope", "created_at", *values)
    literals = [literal(value, Serial.__table__.c[key].type) for key, value in values.items()]
    db.session.execute(insert(Serial).from_select(columns, select(
        MoveLineSerial.name, MoveLineSerial.product_id, MoveLineSerial.scope, literal(now, UtcDateTime), *literals)
        .where(MoveLineSerial.move_id == move.id, MoveLineSerial.serial_id.is_(None)).order_by(MoveLineSerial.id)))


def _write_history(direction: Direction, now: datetime, user) -> None:
    move = direction.move
    # A unit leaving stock may sit below the move's source (a shelf): history records where it was.
    source = func.coalesce(Serial.location_id, direction.source.id) if direction.outgoing else literal(direction.source.id)
    columns = ("serial_id", "move_id", "date", "source_location_id", "dest_location_id", "user_id", "invoice_id")
    db.session.execute(insert(SerialHistory).from_select(columns, select(
        Serial.id, literal(move.id), literal(now, UtcDateTime), source, literal(direction.dest.id),
        literal(user.id if user is not None else None), literal(move.invoice_id))
        # by name, not serial_id: the units this receipt just created are not linked (it would
        # rewrite every assigned row for nothing)
        .select_from(MoveLineSerial).join(Serial, (Serial.scope == MoveLineSerial.scope) & (Serial.name == MoveLineSerial.name))
        .where(MoveLineSerial.move_id == move.id)))


def _move_quantities(direction: Direction) -> None:
    """Quantities of the lines whose product is not serial-tracked: out of the source, into the
    destination, for internal ends."""
    for location, sign in ((direction.source, -1), (direction.dest, 1)):
        if location.usage != "internal":
            continue
        quantities = (select(StockMoveLine.product_id, literal(location.id), sign * func.sum(StockMoveLine.quantity))
                      .join(Product, Product.id == StockMoveLine.product_id)
                      .where(StockMoveLine.move_id == direction.move.id, Product.tracking != "serial")
                      .group_by(StockMoveLine.product_id))
        stmt = dialect_insert(StockQuant.__table__).from_select(["product_id", "location_id", "quantity"], quantities)
        db.session.execute(stmt.on_conflict_do_update(index_elements=["product_id", "location_id"],
                                                      set_={"quantity": StockQuant.__table__.c.quantity + stmt.excluded.quantity}))


# ---------------------------------------------------------------- serial numbers


def name_contains(q: str):
    """Case-insensitive "part of the name" filter. PostgreSQL answers from the pg_trgm index
    (migration serial_tracking_0003); SQLite has no index for it, so the matching ids are collected
    in one pass over the compact name index rather than by walking the table."""
    pattern = q.strip()
    if db.session.get_bind().dialect.name == "postgresql":
        return Serial.name.icontains(pattern, autoescape=True)
    # LIKE is case-insensitive for ASCII on SQLite
    return Serial.id.in_(select(Serial.id).where(Serial.name.contains(pattern, autoescape=True)))


def name_starts(q: str):
    """Names starting with ``q`` exactly as typed (case-sensitive), found through an index: a range
    on the name index on SQLite (whose LIKE ignores case, so cannot use it), LIKE 'q%' on
    PostgreSQL (the pg_trgm index serves it whatever the database's collation)."""
    pattern = q.strip()
    if db.session.get_bind().dialect.name == "postgresql":
        return Serial.name.startswith(pattern, autoescape=True)
    return (Serial.name >= pattern) & (Serial.name < pattern + "\U0010ffff")


def serials_stmt(product_id: int | None = None, status: str | None = None, location_id: int | None = None, q: str | None = None,
                 match: str = "contains"):
    """Serials newest first, filtered; ``location_id`` includes the locations below it; ``q`` is a
    part of the name (``match="contains"``) or its beginning (``match="prefix"``)."""
    stmt = select(Serial).options(joinedload(Serial.product), joinedload(Serial.location)).order_by(Serial.id.desc())
    if product_id is not None:
        stmt = stmt.where(Serial.product_id == product_id)
    if status:
        stmt = stmt.where(Serial.status == status)
    if location_id is not None:
        location = db.session.get(Location, location_id)
        stmt = stmt.where(Serial.location_id.in_(locations_below(location)) if location else false())
    if q and q.strip():
        stmt = stmt.where(name_starts(q) if match == "prefix" else name_contains(q))
    return stmt


def get_serial(serial_id: int) -> Serial:
    serial = db.session.get(Serial, serial_id, options=[joinedload(Serial.product), joinedload(Serial.location)])
    if serial is None:
        raise NotFound(f"There is no serial number with id {serial_id}.")
    return serial


def create_serial(name: str, product_id: int, ref: str | None = None) -> Serial:
    """A unit known before it is received (it has no location until a receipt brings it in)."""
    name = (name or "").strip()
    problem = serial_name_problem(name)
    if problem:
        raise DomainError("invalid_serial", problem, [{"field": "name", "serial": name, "code": "invalid_serial", "message": problem}])
    product = db.session.get(Product, product_id)
    if product is None:
        raise DomainError("not_found", f"There is no product with id {product_id}.",
                          [{"field": "product_id", "code": "not_found", "message": "Choose an existing product."}])
    if product.tracking != "serial":
        message = f"{product.display_name} is not tracked by serial number; set its Tracking to 'By unique serial number' first."
        raise DomainError("product_not_serial_tracked", message, [{"field": "product_id", "code": "product_not_serial_tracked", "message": message}])
    scope = _scope(product.id)
    if db.session.scalar(select(Serial.id).where(Serial.scope == scope, Serial.name == name)) is not None:
        message = f"The serial number {name} already exists" + (" (for some product)." if scope == 0 else f" for {product.display_name}.")
        raise DomainError("duplicate_serial", message, [{"field": "name", "serial": name, "code": "duplicate_serial", "message": message}])
    serial = Serial(name=name, product_id=product.id, scope=scope, ref=_clean_ref(ref), status="out_of_stock")
    db.session.add(serial)
    db.session.flush()
    return serial


def _clean_ref(ref: str | None) -> str | None:
    ref = (ref or "").strip() or None
    if ref is not None and len(ref) > 64:
        raise DomainError("invalid_ref", "An internal reference has at most 64 characters.",
                          [{"field": "ref", "code": "invalid_ref", "message": "At most 64 characters."}])
    return ref


def update_serial(serial: Serial, ref: str | None) -> Serial:
    serial.ref = _clean_ref(ref)
    db.session.flush()
    return serial


def lookup_serial(name: str, product_id: int | None = None) -> Serial:
    """The serial of that exact name (of ``product_id`` when given)."""
    name = (name or "").strip()
    stmt = select(Serial).where(Serial.name == name).order_by(Serial.id)
    if product_id is not None:
        stmt = stmt.where(Serial.product_id == product_id)
    found = list(db.session.scalars(stmt.limit(100)))
    if not found:
        raise NotFound(f"There is no serial number {name}" + (" for that product." if product_id is not None else "."))
    if len(found) > 1:
        raise DomainError("ambiguous_serial", f"{name} exists for {len(found)} products; give product_id to choose one.",
                          [{"serial": name, "product_id": s.product_id, "code": "ambiguous_serial",
                            "message": f"{name} of {s.product.display_name} (serial id {s.id})."} for s in found])
    return found[0]


def add_months(day: date, months: int) -> date:
    years, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def warranty(serial: Serial, today: date | None = None) -> tuple[date | None, str]:
    """(warranty end, "none" | "active" | "expired"): ``warranty_months`` of the product from the
    delivery to the customer."""
    months = serial.product.warranty_months
    if serial.delivered_at is None or not months:
        return None, "none"
    end = add_months(serial.delivered_at.astimezone(timezone.utc).date(), months)
    today = today or datetime.now(timezone.utc).date()
    return end, "active" if today <= end else "expired"


def serial_history_stmt(serial: Serial):
    source, dest = _HistorySource, _HistoryDest
    return (select(SerialHistory.date, SerialHistory.move_id, StockMove.reference, StockMove.type,
                   source.full_name.label("source_location"), dest.full_name.label("dest_location"),
                   User.username.label("user"), Invoice.number.label("invoice_number"))
            .join(StockMove, StockMove.id == SerialHistory.move_id)
            .join(source, source.id == SerialHistory.source_location_id)
            .join(dest, dest.id == SerialHistory.dest_location_id)
            .outerjoin(User, User.id == SerialHistory.user_id)
            .outerjoin(Invoice, Invoice.id == SerialHistory.invoice_id)
            .where(SerialHistory.serial_id == serial.id)
            .order_by(SerialHistory.id))


def serial_counts(product: Product) -> dict[str, int]:
    """Serials of ``product`` by status."""
    counts = dict(db.session.execute(select(Serial.status, func.count()).where(Serial.product_id == product.id).group_by(Serial.status)).all())
    return {status: counts.get(status, 0) for status in ("available", "on_hand", "out_of_stock")}


# ---------------------------------------------------------------- stock on hand


def stock_quantities_stmt(product_id: int | None = None, location_id: int | None = None):
    """(product_id, location_id, quantity, reserved_quantity) for each product and internal
    location holding stock: serial-tracked products counted from their serials, others from quants."""
    location = db.session.get(Location, location_id) if location_id is not None else None
    serial_rows = (select(Serial.product_id, Serial.location_id, func.count().label("quantity"),
                          func.count(Serial.reserved_by_move_id).label("reserved_quantity"))
                   .where(Serial.status.in_(("available", "on_hand")))
                   .group_by(Serial.product_id, Serial.location_id))
    quant_rows = (select(StockQuant.product_id, StockQuant.location_id, StockQuant.quantity, literal(0))
                  .join(Product, Product.id == StockQuant.product_id)
                  .join(Location, Location.id == StockQuant.location_id)
                  .where(StockQuant.quantity != 0, Product.tracking != "serial", Location.usage == "internal"))
    if product_id is not None:
        serial_rows = serial_rows.where(Serial.product_id == product_id)
        quant_rows = quant_rows.where(StockQuant.product_id == product_id)
    if location_id is not None:
        serial_rows = serial_rows.where(Serial.location_id.in_(locations_below(location)) if location else false())
        quant_rows = quant_rows.where(StockQuant.location_id.in_(locations_below(location)) if location else false())
    rows = union_all(serial_rows, quant_rows).subquery()
    return select(rows.c.product_id, rows.c.location_id, rows.c.quantity, rows.c.reserved_quantity).order_by(rows.c.product_id, rows.c.location_id)


# ---------------------------------------------------------------- invoices

INVOICE_MOVES = {  # invoice type: (move type, source, destination) where "stock" is the default stock location
    "vendor_bill": ("receipt", "vendor", "stock"),
    "customer_invoice": ("delivery", "stock", "customer"),
    "customer_refund": ("receipt", "customer", "stock"),
    "vendor_refund": ("delivery", "stock", "vendor"),
}


def create_invoice_move(invoice: Invoice, user=None) -> StockMove | None:
    """The pending move of a just-posted invoice: one line per storable product line."""
    lines = [(index, line) for index, line in enumerate(invoice.lines)
             if line.product is not None and line.product.type == "storable" and line.quantity > 0]
    if not lines:
        return None
    problems = [p for index, line in lines for p in quantity_problems(
        line.product, line.quantity, f"lines.{index}.quantity", f"Line {index + 1}", line_id=line.id)]
    raise_if_problems(problems, f"{invoice.display_name} cannot be posted: " + "; ".join(p["message"] for p in problems))
    move_type, source, dest = INVOICE_MOVES[invoice.type]
    ends = [stock_location() if end == "stock" else location_of_usage(end) for end in (source, dest)]
    return create_move(move_type, ends[0].id, ends[1].id, [{"product_id": line.product_id, "quantity": line.quantity} for _, line in lines],
                       partner_id=invoice.partner_id, invoice_id=invoice.id, user=user)


def invoice_moves(invoice: Invoice) -> list[StockMove]:
    return invoices_moves([invoice.id])


def invoices_moves(invoice_ids: list[int]) -> list[StockMove]:
    return list(db.session.scalars(select(StockMove).where(StockMove.invoice_id.in_(invoice_ids)).order_by(StockMove.id)))


def invoice_cancel_refusal(invoice: Invoice) -> str | None:
    done = [move.reference for move in invoice_moves(invoice) if move.state == "done"]
    if not done:
        return None
    return (f"{invoice.display_name} cannot be cancelled: its stock move {', '.join(done)} is already done; "
            "record a refund to return the goods instead.")


def cancel_invoice_moves(invoice: Invoice, user=None) -> None:
    for move in invoice_moves(invoice):
        if move.state == "pending":
            cancel_move(move, user)
