"""Assigning serial numbers to the lines of pending moves: every rule that can be checked at once is
checked at once, for all the names of a request together, and nothing is kept when one fails."""
from __future__ import annotations

import re

from sqlalchemy import JSON, bindparam, case, delete, false, func, literal, not_, select, true, update
from sqlalchemy.orm import aliased

from erp_core import audit
from erp_core.database import db, dialect_insert
from erp_core.errors import DomainError, NotFound, raise_if_problems
from erp_core.models import Product
from erp_core.text import normalized_name

from ..models import Location, MoveLineSerial, Serial, StockMove, StockMoveLine
from .locations import locations_below
from .moves import Direction, check_line, direction, lock, plural, require_pending, scope
from .serial_rules import compiled, in_words, serial_for
from .serials import name_contains, serial_name_problem, status_is

TRAILING_NUMBER = re.compile(r"^(.*?)([0-9]+)$")
# Aliases built once: building them costs more than running the small queries that use them.
_AssignedSerial, _Here, _Reserver = aliased(Serial, name="assigned_serial"), aliased(Location, name="here"), aliased(StockMove, name="reserver")
_ItsProduct, _Reservation = aliased(Product, name="its_product"), aliased(MoveLineSerial, name="reservation")


def product_barcodes(names: list[str]) -> dict[str, str]:
    """{name: product} for the names that are a product's barcode (one query, whatever their number)."""
    if not names:
        return {}
    table, _ = names_table(names)
    # IN, not a join: with statistics SQLite joined every product to every name (a 10,000-name
    # paste cost 11 ms with 21 products); IN reads the names once into a temporary index.
    return dict(db.session.execute(select(Product.barcode, Product.name).where(Product.barcode.in_(select(table.c.value)))).all())


def _detail(name: str, line_id: int, code: str, message: str) -> dict:
    return {"serial": name, "line_id": line_id, "code": code, "message": message}


def not_tracked(line: StockMoveLine) -> dict:
    return {"line_id": line.id, "field": "serials", "code": "product_not_serial_tracked",
            "message": f"{line.product.display_name} is not tracked by serial number, so its line takes no serial numbers."}


def serial_rule_problem(name: str, product: str, pattern: str | None, barcodes: dict[str, str]) -> tuple[str, str] | None:
    """The first rule a (stored-form) serial name breaks as a serial number of ``product``: (code,
    message), or None. ``barcodes``: ``product_barcodes`` of the names checked together."""
    problem = serial_name_problem(name)
    if problem:
        return "invalid_serial", problem
    if name in barcodes:
        return "serial_is_product_barcode", f"{name} is the barcode of {barcodes[name]}, not a serial number: scan the unit's serial number label."
    if pattern and not compiled(pattern).fullmatch(name):
        return "serial_format", f"{name} does not look like a serial number of {product}: they are {in_words(pattern)} (pattern {pattern})."
    return None


def assignment_problems(move: StockMove, line: StockMoveLine, names: list[str], *, replace: bool) -> tuple[list[dict], list[str]]:
    """Assign ``names`` to ``line``: (every problem, empty when all is well; the names as stored).
    Rows are written even when there are problems, so the database checks can list every offender;
    the caller raises and its rollback undoes them."""
    if line.tracking != "serial":
        return [not_tracked(line)], []
    line_scope = scope(line.product_id)
    rules = line.product_tracking
    uppercase, pattern = (rules.serial_uppercase, rules.serial_pattern) if rules else (False, None)
    names = [serial_for(raw, uppercase) for raw in names]
    # Only the given names already on the move: a scan reads one row, not the line's thousands.
    given, _ = names_table(names)
    others = (select(MoveLineSerial.name).join(given, given.c.value == MoveLineSerial.name)
              .where(MoveLineSerial.move_id == move.id, MoveLineSerial.scope == line_scope))
    taken = set(db.session.scalars(others.where(MoveLineSerial.line_id != line.id) if replace else others))
    barcodes = product_barcodes(names)
    problems, accepted = [], {}
    for name in names:
        broken = serial_rule_problem(name, line.product.display_name, pattern, barcodes)
        if broken:
            problems.append(_detail(name, line.id, *broken))
        elif name in accepted or name in taken:
            problems.append(_detail(name, line.id, "duplicate_serial", f"{name} is given twice in {move.reference}; each unit is counted once."))
        else:
            accepted[name] = None
    # What the line holds already, and its last row (the new rows come after it): one query.
    held, after = (0, 0) if replace else db.session.execute(
        select(func.count(), func.coalesce(func.max(MoveLineSerial.id), 0)).where(MoveLineSerial.line_id == line.id)).one()
    room = int(line.quantity) - held
    for name in list(accepted)[max(room, 0):]:
        problems.append(_detail(name, line.id, "too_many_serials",
                                f"{name} is one serial number too many: the line is for {int(line.quantity)} and {'no more fit' if room <= 0 else f'only {room} more fit'}."))
    if replace:  # deleting the rows frees the units they reserved
        db.session.execute(delete(MoveLineSerial).where(MoveLineSerial.line_id == line.id))
    if accepted:
        moving, new_rows = direction(move), (MoveLineSerial.line_id == line.id, MoveLineSerial.id > after)
        if not _insert_assignments(move, line, line_scope, list(accepted), reserve=moving.outgoing):
            # Another pending move holds one of the units: write the rows without reserving, so that
            # the check below names each such unit and its move (the caller's rollback undoes them).
            db.session.execute(delete(MoveLineSerial).where(*new_rows))
            _insert_assignments(move, line, line_scope, list(accepted), reserve=False)
        # Checked after reserving: a concurrent move that held a unit has committed by now, so
        # where the unit is now is what is read.
        problems += state_problems(moving, *new_rows)
    return problems, list(accepted)


def names_table(names: list[str]):
    """``names`` as a table (value, position) unpacked by the database from one JSON parameter:
    writing 100,000 names is one statement with no per-row work in Python."""
    param = bindparam(None, names, type_=JSON)
    if db.session.get_bind().dialect.name == "postgresql":
        table = func.json_array_elements_text(param).table_valued("value", with_ordinality="position").render_derived()
        return table, table.c.position
    table = func.json_each(param).table_valued("value", "key")
    return table, table.c.key


def _insert_assignments(move: StockMove, line: StockMoveLine, line_scope: int, names: list[str], reserve: bool) -> bool:
    """Assigned rows in the given order, each linked to the existing serial of its name and, with
    ``reserve``, reserving it. False when a unit is reserved already: its row is then left out (one
    open reservation per unit, enforced by the partial unique index even between concurrent
    requests: the second waits for the first to commit)."""
    table, position = names_table(names)
    rows = (select(literal(move.id), literal(line.id), literal(line.product_id), literal(line_scope), table.c.value, Serial.id,
                   Serial.id.is_not(None) if reserve else false())
            .select_from(table).outerjoin(Serial, (Serial.scope == line_scope) & (Serial.name == table.c.value))
            .where(true()).order_by(position))  # WHERE: SQLite reads ON CONFLICT after a join as its ON otherwise
    stmt = dialect_insert(MoveLineSerial.__table__).from_select(
        ("move_id", "line_id", "product_id", "scope", "name", "serial_id", "reserved"), rows)
    if reserve:
        stmt = stmt.on_conflict_do_nothing(index_elements=["serial_id"], index_where=MoveLineSerial.reserved == true())
    return db.session.execute(stmt, execution_options={"preserve_rowcount": True}).rowcount == len(names)  # INSERTs need asking


def link_serials(*where) -> None:
    """Point assigned rows at the serial of their name where one exists (only those are written)."""
    match = select(Serial.id).where(Serial.scope == MoveLineSerial.scope, Serial.name == MoveLineSerial.name)
    db.session.execute(update(MoveLineSerial).where(*where, match.exists()).values(serial_id=match.scalar_subquery()),
                       execution_options={"synchronize_session": False})


def state_problems(moving: Direction, *where) -> list[dict]:
    """The rules that depend on where each assigned serial is now, as one query over the assigned
    rows selected by ``where``: it returns only the offenders."""
    move, source = moving.move, moving.source
    s, here, reserver, reservation = _AssignedSerial, _Here, _Reserver, _Reservation
    at_source = here.parent_path.startswith(source.parent_path)
    conditions = [(s.id.is_not(None) & (s.product_id != MoveLineSerial.product_id), "wrong_product")]
    if moving.outgoing:
        conditions += [(s.id.is_(None), "missing"), (here.id.is_(None) | not_(at_source), "not_at_location"),
                       (reservation.id.is_not(None), "reserved")]
    elif moving.customer_return:
        delivered = here.id.is_not(None) & at_source  # never NULL: FALSE AND NULL is FALSE
        if move.partner_id is not None:
            delivered = delivered & (s.customer_id == move.partner_id)
        conditions += [(here.usage == "internal", "in_stock"), (s.id.is_(None) | not_(delivered), "not_delivered")]
    else:
        conditions += [(here.usage == "internal", "in_stock")]
    reason = case(*conditions, else_=None)
    stmt = (select(MoveLineSerial.name, MoveLineSerial.line_id, reason.label("reason"), here.full_name,
                   reserver.reference if moving.outgoing else literal(None), _ItsProduct.name.label("product"))
            .select_from(MoveLineSerial)
            .outerjoin(s, s.id == MoveLineSerial.serial_id)
            .outerjoin(_ItsProduct, _ItsProduct.id == s.product_id)
            .outerjoin(here, here.id == s.location_id))
    if moving.outgoing:  # another pending move's open reservation of the unit
        held_elsewhere = (reservation.serial_id == s.id) & reservation.reserved & (reservation.move_id != move.id)
        stmt = (stmt.outerjoin(reservation, held_elsewhere)
                .outerjoin(reserver, reserver.id == reservation.move_id))
    rows = db.session.execute(stmt.where(*where, reason.is_not(None)).order_by(MoveLineSerial.id)).all()
    if not rows:
        return []
    partner = move.partner.name if move.partner_id is not None else "this customer"
    messages = {
        "wrong_product": ("serial_wrong_product", "{name} is a {product}, not this product (serial numbers are unique across products)."),
        "missing": ("serial_not_at_location", "{name} does not exist, so it is not at " + source.full_name + "; check the number."),
        "not_at_location": ("serial_not_at_location", "{name} is not at " + source.full_name + " or below ({where}); check where it is."),
        "reserved": ("serial_reserved", "{name} is reserved by the pending move {reserver}; remove it there first."),
        "in_stock": ("serial_already_in_stock", "{name} is already in stock ({where}); a receipt brings in only units that are not in stock."),
        "not_delivered": ("serial_not_delivered_to_partner", "{name} was not delivered to " + partner + ", so it cannot be returned by them."),
    }
    elsewhere = _products_of_names([row.name for row in rows if row.reason == "missing"])
    problems = []
    for name, line_id, why, where_now, reserved_by, product in rows:
        code, template = messages[why]
        if why == "missing" and name in elsewhere:  # a unit of another product, scanned by mistake
            template = "{name} is a {product}, not this product: scan the serial number of a unit of this one."
            product = elsewhere[name]
        where = f"it is at {where_now}" if where_now else "it was never received"
        problems.append(_detail(name, line_id, code, template.format(name=name, where=where, reserver=reserved_by, product=product)))
    return problems


def _products_of_names(names: list[str]) -> dict[str, str]:
    """{serial name: its product's name} for the names that are serial numbers of some product (one query)."""
    if not names:
        return {}
    table, _ = names_table(names)
    return dict(db.session.execute(select(Serial.name, Product.name).join(table, table.c.value == Serial.name)
                                   .join(Product, Product.id == Serial.product_id)).all())


def fill_with_oldest(move: StockMove, line: StockMoveLine, user=None) -> StockMoveLine:
    """Assign the oldest available serials at the source location to what the line still lacks
    (the delivery picker's "Fill with the N oldest": only ever on the user's request)."""
    missing = int(line.quantity) - line_serial_count(line)
    names = list(db.session.scalars(available_serials_stmt(move, line).with_only_columns(Serial.name).limit(max(0, missing))))
    if not names:
        raise DomainError("nothing_to_fill", "Nothing to fill: the line is complete or no serial number is available at the source location.")
    return _assign(move, line, names, False, user, "fill")


def assign_serials(move: StockMove, line: StockMoveLine, names: list[str], *, replace: bool, user=None) -> StockMoveLine:
    """Replace (``replace=True``) or extend the serials of a line of a pending move; on any problem
    nothing is assigned and the error lists every offender."""
    return _assign(move, line, names, replace, user, "replace" if replace else "assign")


def _assign(move: StockMove, line: StockMoveLine, names: list[str], replace: bool, user, action: str, **details) -> StockMoveLine:
    check_line(move, line)
    require_pending(lock(move), "changed")
    problems, assigned = assignment_problems(move, line, names, replace=replace)
    raise_if_problems(problems, f"No serial number was assigned: {plural(len(problems), 'problem')} to fix first.")
    audit.record(action, "move", move.id, user, line_id=line.id, serials=audit.compact(assigned), **details)
    return line


def generated_names(first: str, count: int) -> list[str]:
    """``first`` and the ``count - 1`` names after it, counting up its trailing number and keeping
    its zero padding (SN-0009 → SN-0010, A-99 → A-100)."""
    first = normalized_name(first)
    match = TRAILING_NUMBER.match(first)
    if match is None:
        raise DomainError("invalid_serial", f"{first or 'The first serial number'} does not end with a number to count up from.",
                          [{"field": "first", "code": "invalid_serial", "message": "End the first serial number with digits, e.g. SN-0001."}])
    prefix, digits = match.groups()
    start, width = int(digits), len(digits)
    return [f"{prefix}{number:0{width}d}" for number in range(start, start + count)]


def generate_serials(move: StockMove, line: StockMoveLine, first: str, count: int, user=None) -> StockMoveLine:
    """``count`` names counting up from ``first``, refused at once (before any name is made) when
    the line lacks fewer."""
    check_line(move, line)
    require_pending(lock(move), "changed")
    missing = max(int(line.quantity) - line_serial_count(line), 0)
    if not 1 <= count <= missing:
        code = "too_many_serials" if count > 0 else "invalid_count"
        message = ("Generate at least 1 serial number." if count < 1 else
                   f"{count} are too many: the line lacks {missing} serial number{'' if missing == 1 else 's'}." if missing
                   else f"{count} are too many: the line already has all its serial numbers.")
        raise DomainError(code, message, [{"field": "count", "line_id": line.id, "code": code, "message": message}])
    return _assign(move, line, generated_names(first, count), False, user, "generate", first=normalized_name(first))


def remove_serial(move: StockMove, line: StockMoveLine, name: str, user=None) -> StockMoveLine:
    check_line(move, line)
    require_pending(lock(move), "changed")
    name = normalized_name(name)
    if serial_name_problem(name):
        raise NotFound(f"{name!r} is not a serial number of this line of {move.reference}.")
    row = (MoveLineSerial.line_id == line.id, MoveLineSerial.name == name)
    if db.session.scalar(select(MoveLineSerial.id).where(*row)) is None:
        raise NotFound(f"{name} is not assigned to this line of {move.reference}.")
    db.session.execute(delete(MoveLineSerial).where(*row))  # and frees the unit it reserved
    audit.record("remove", "move", move.id, user, line_id=line.id, serial=name)
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
    stmt = (select(Serial).where(Serial.product_id == line.product_id, status_is("available"),
                                 Serial.location_id.in_(locations_below(move.source_location)))
            .order_by(Serial.received_at, Serial.id))
    return stmt.where(name_contains(q)) if q else stmt
