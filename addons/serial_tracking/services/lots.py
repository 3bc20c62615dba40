"""Lots: batches of a product counted in quantities. A line of a lot-tracked product takes lots with
quantities, checked all at once as serial numbers are: the sum may not exceed the line, a delivery
takes only what a lot holds at its source location (less what other pending moves reserve there),
and an expired lot goes out only when a manager says why. Deliveries are offered lots first
expiry, first out."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, func, insert, literal, select, update

from erp_addons.invoicing.models import Invoice
from erp_core import audit
from erp_core.database import UtcDateTime, db, dialect_insert
from erp_core.forms import format_number
from erp_core.errors import BadRequest, DomainError, NotFound, raise_if_problems
from erp_core.models import Product, User
from erp_core.sorting import Sorting, related
from erp_core.text import normalized_name, text_problem

from ..models import Location, Lot, LotQuant, MoveLineLot, SERIAL_NAME_MAX, StockMove, StockMoveLine
from .moves import MAX_QUANTITY, check_line, direction, lock, plural, require_pending, scope
from .products import product_tracking


def today() -> date:
    return datetime.now(timezone.utc).date()


def lot_name_problem(name: str) -> str | None:
    if not name:
        return "A lot name cannot be empty."
    if len(name) > SERIAL_NAME_MAX:
        return f"A lot name has at most {SERIAL_NAME_MAX} characters; this one has {len(name)}."
    problem = text_problem(name)
    return f"A lot name cannot hold invisible characters: {problem}" if problem else None


def _quantity(value) -> Decimal | None:
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not quantity.is_finite() or not 0 < quantity < MAX_QUANTITY or quantity != quantity.quantize(Decimal("0.001")):
        return None
    return quantity


def _detail(name: str, line_id: int, code: str, message: str, **extra) -> dict:
    return {"lot": name, "line_id": line_id, "code": code, "message": message, **extra}


def not_lot_tracked(line: StockMoveLine) -> dict:
    return {"line_id": line.id, "field": "lots", "code": "product_not_lot_tracked",
            "message": f"{line.product.display_name} is not tracked by lots, so its line takes no lots."}


def reserved_elsewhere(lot_ids, location_id: int, move_id: int | None) -> dict[int, Decimal]:
    """{lot id: quantity} that other pending moves out of ``location_id`` than ``move_id`` (every
    one with None) hold of these lots."""
    others = () if move_id is None else (StockMove.id != move_id,)
    return dict(db.session.execute(
        select(MoveLineLot.lot_id, func.sum(MoveLineLot.quantity)).join(StockMove, StockMove.id == MoveLineLot.move_id)
        .where(MoveLineLot.lot_id.in_(lot_ids), StockMove.state == "pending", StockMove.source_location_id == location_id,
               *others).group_by(MoveLineLot.lot_id)).all())


def on_hand(lot_ids, location_id: int) -> dict[int, Decimal]:
    return dict(db.session.execute(select(LotQuant.lot_id, LotQuant.quantity)
                                   .where(LotQuant.lot_id.in_(lot_ids), LotQuant.location_id == location_id)).all())


EXPIRED_OVERRIDE = "lot.allow_expired"  # the permission that lets an expired lot out on a delivery, with a reason


def lot_problems(move: StockMove, line: StockMoveLine, entries: list[dict], allow_expired: str | None = None) -> tuple[list[dict], list[dict]]:
    """(every problem, the entries as stored: {name, quantity, expiry_date, lot_id, expiry_override})."""
    if line.tracking != "lot":
        return [not_lot_tracked(line)], []
    line_scope, moving = scope(line.product_id), direction(move)
    problems, accepted = [], {}
    for entry in entries:
        name = normalized_name(str(entry.get("name") or ""))
        quantity = _quantity(entry.get("quantity"))
        problem = lot_name_problem(name)
        if problem:
            problems.append(_detail(name, line.id, "invalid_lot", problem))
        elif quantity is None:
            problems.append(_detail(name, line.id, "invalid_quantity", f"{name}: give a quantity above 0 with at most 3 decimals."))
        elif name in accepted:
            problems.append(_detail(name, line.id, "duplicate_lot", f"{name} is given twice; give each lot once with its whole quantity."))
        else:
            accepted[name] = {"name": name, "quantity": quantity, "expiry_date": entry.get("expiry_date"), "lot_id": None,
                              "expiry_override": entry.get("expiry_override")}
    total = sum((e["quantity"] for e in accepted.values()), Decimal(0))
    if total > line.quantity:
        problems.append({"line_id": line.id, "field": "lots", "code": "too_many_units",
                         "message": f"The lots add up to {total.normalize():f}, more than the line's {line.quantity.normalize():f}."})
    known = {lot.name: lot for lot in db.session.scalars(select(Lot).where(Lot.scope == line_scope, Lot.name.in_(list(accepted))))}
    for name, entry in accepted.items():
        lot = known.get(name)
        if lot is None:
            continue
        entry["lot_id"] = lot.id
        if lot.product_id != line.product_id:
            problems.append(_detail(name, line.id, "lot_wrong_product", f"{name} is a lot of {lot.product.display_name}, not of this product."))
        elif entry["expiry_date"] and lot.expiry_date and entry["expiry_date"] != lot.expiry_date:
            problems.append(_detail(name, line.id, "lot_expiry_mismatch",
                                    f"{name} expires on {lot.expiry_date.isoformat()}, not {entry['expiry_date'].isoformat()}; check the label."))
    if moving.outgoing:
        problems += _outgoing_problems(move, line, accepted, known, allow_expired)
    return problems, list(accepted.values())


def holds_back_expired(move: StockMove) -> bool:
    """Whether an expired lot needs a manager's reason to go out on ``move``: on a delivery (to a
    customer, or back to a vendor) it does; scrapping it or moving it to a quarantine shelf does not."""
    return move.type == "delivery"


def _outgoing_problems(move, line, accepted, known, allow_expired) -> list[dict]:
    source = move.source_location
    ids = [lot.id for lot in known.values()]
    held, reserved = on_hand(ids, source.id), reserved_elsewhere(ids, source.id, move.id)
    problems = []
    for name, entry in accepted.items():
        lot = known.get(name)
        free = (held.get(lot.id, 0) - reserved.get(lot.id, 0)) if lot else Decimal(0)
        if lot is None or entry["quantity"] > free:
            problems.append(_detail(name, line.id, "lot_insufficient",
                                    f"{name} has {format_number(max(free, 0))} free at {source.full_name}; {format_number(entry['quantity'])} cannot be taken.",
                                    available=max(free, 0)))
        elif lot.expiry_date and lot.expiry_date < today() and holds_back_expired(move):
            if allow_expired:
                entry["expiry_override"] = allow_expired
            elif not entry["expiry_override"]:  # one a manager let out before stays let out
                problems.append(_detail(name, line.id, "lot_expired", f"{name} expired on {lot.expiry_date.isoformat()}; it goes out "
                                        "only when an inventory manager lets it, with a reason."))
    return problems


def replace_lots(move: StockMove, line: StockMoveLine, entries: list[dict], allow_expired: str | None = None) -> tuple[list[dict], list[dict]]:
    """Put ``entries`` in place of the line's lots; (problems, the entries as stored). The caller
    raises on problems and its rollback undoes the change."""
    problems, stored = lot_problems(move, line, entries, allow_expired)
    if not problems:
        db.session.execute(delete(MoveLineLot).where(MoveLineLot.line_id == line.id))
        if stored:  # one executemany: ORM objects would be inserted one statement each on SQLite (no ordered RETURNING)
            line_of = {"move_id": move.id, "line_id": line.id, "product_id": line.product_id, "scope": scope(line.product_id)}
            db.session.execute(insert(MoveLineLot.__table__), [line_of | e for e in stored])
    return problems, stored


def assign_lots(move: StockMove, line: StockMoveLine, entries: list[dict], user=None, allow_expired: str | None = None) -> StockMoveLine:
    """Replace the lots of a line of a pending move; on any problem nothing changes and every
    offender is listed. ``allow_expired`` is the reason a manager lets an expired lot out (the caller
    checks the ``EXPIRED_OVERRIDE`` permission, as callers check every permission)."""
    if allow_expired is not None and not allow_expired.strip():
        raise BadRequest("Say why expired lots may go out.", [{"field": "allow_expired", "code": "required", "message": "Give a reason."}])
    check_line(move, line)
    require_pending(lock(move), "changed")
    problems, stored = replace_lots(move, line, entries, allow_expired)
    raise_if_problems(problems, f"No lot was assigned: {plural(len(problems), 'problem')} to fix first.")
    overrides = [e["name"] for e in stored if allow_expired and e["expiry_override"] == allow_expired]
    audit.record("assign_lots", "move", move.id, user, line_id=line.id,
                 lots=[{"name": e["name"], "quantity": e["quantity"]} for e in stored],
                 **({"expired_let_out": overrides, "reason": allow_expired} if overrides else {}))
    return line


def held_entries(line_ids) -> dict[int, list[dict]]:
    """{line id: its lots as entries of ``assign_lots``, each keeping the override it was let out
    with} in one query."""
    found: dict[int, list[dict]] = {}
    for line_id, *entry in db.session.execute(
            select(MoveLineLot.line_id, MoveLineLot.name, MoveLineLot.quantity, MoveLineLot.expiry_date,
                   MoveLineLot.expiry_override)
            .where(MoveLineLot.line_id.in_(line_ids)).order_by(MoveLineLot.id)):
        found.setdefault(line_id, []).append(dict(zip(("name", "quantity", "expiry_date", "expiry_override"), entry)))
    return found


def add_lots(move: StockMove, line: StockMoveLine, additions: list[dict], user=None,
             allow_expired: str | None = None) -> StockMoveLine:
    """Add quantities of lots to those the line holds, checked as ``assign_lots`` checks them. A lot
    the line holds already gets more, and its expiry override, given for less, is asked for again."""
    entries = held_entries([line.id]).get(line.id, [])
    held, problems = {entry["name"]: entry for entry in entries}, []
    for addition in additions:
        name, expiry = normalized_name(str(addition.get("name") or "")), addition.get("expiry_date")
        quantity = _quantity(addition.get("quantity"))
        if name in held and quantity is not None:
            if expiry and held[name]["expiry_date"] and expiry != held[name]["expiry_date"]:
                problems.append(_detail(name, line.id, "lot_expiry_mismatch", f"{name} is on this line already with the expiry "
                                        f"date {held[name]['expiry_date'].isoformat()}, not {expiry.isoformat()}; check the label."))
            held[name].update(quantity=held[name]["quantity"] + quantity, expiry_override=None,
                              expiry_date=held[name]["expiry_date"] or expiry)
        else:  # a new lot, or a bad quantity that assign_lots refuses with its reason
            entries.append({**addition, "name": name})
    raise_if_problems(problems, f"No lot was assigned: {plural(len(problems), 'problem')} to fix first.")
    return assign_lots(move, line, entries, user, allow_expired)


def remove_lot(move: StockMove, line: StockMoveLine, name: str, user=None) -> StockMoveLine:
    """Take one lot off the line; the others stay as they are."""
    entries = held_entries([line.id]).get(line.id, [])
    if not any(entry["name"] == name for entry in entries):
        message = f"{name} is not on this line (any more): reload the page."
        raise DomainError("lot_not_assigned", message, [_detail(name, line.id, "lot_not_assigned", message)])
    return assign_lots(move, line, [entry for entry in entries if entry["name"] != name], user)


def fill_lots_fefo(move: StockMove, line: StockMoveLine, user=None) -> StockMoveLine:
    """Add what ``suggested_lots`` proposes, so the line is covered first expiry first out."""
    suggestion = suggested_lots(move, line)
    if not suggestion:
        message = (f"No unexpired lot of {line.product.display_name} is free at {move.source_location.full_name}."
                   if line_missing(line) > 0 else "The line has all its units already.")
        raise DomainError("no_lot_to_suggest", message,
                          [{"line_id": line.id, "field": "lots", "code": "no_lot_to_suggest", "message": message}])
    return add_lots(move, line, [{"name": lot["name"], "quantity": lot["quantity"]} for lot in suggestion], user)


def line_lots(line_ids) -> dict[int, list[dict]]:
    """{line id: [{lot_id, name, quantity, expiry_date}]} in one query."""
    found: dict[int, list[dict]] = {}
    if not line_ids:  # a move without lot lines (a scan asks on every serial)
        return found
    for row in db.session.execute(select(MoveLineLot.line_id, MoveLineLot.lot_id, MoveLineLot.name, MoveLineLot.quantity,
                                         func.coalesce(Lot.expiry_date, MoveLineLot.expiry_date).label("expiry_date"))
                                  .outerjoin(Lot, Lot.id == MoveLineLot.lot_id)
                                  .where(MoveLineLot.line_id.in_(line_ids)).order_by(MoveLineLot.id)):
        found.setdefault(row.line_id, []).append({"lot_id": row.lot_id, "name": row.name, "quantity": row.quantity,
                                                  "expiry_date": row.expiry_date})
    return found


def line_missing(line: StockMoveLine) -> Decimal:
    """How much of the line's quantity its lots do not cover yet."""
    return line.quantity - sum((e["quantity"] for e in line_lots([line.id]).get(line.id, [])), Decimal(0))


def available_lots(move: StockMove, line: StockMoveLine) -> list[dict]:
    """The lots of the line's product the move can still take at its source, expired ones included,
    earliest expiry first (lots without one last): {lot_id, name, expiry_date, quantity}, the
    quantity being what is there less what other pending moves and this move already hold."""
    lots = db.session.execute(
        select(Lot.id, Lot.name, Lot.expiry_date, LotQuant.quantity).join(LotQuant, LotQuant.lot_id == Lot.id)
        .where(Lot.product_id == line.product_id, LotQuant.location_id == move.source_location_id, LotQuant.quantity > 0)
        .order_by(Lot.expiry_date.is_(None), Lot.expiry_date, Lot.name)).all()
    taken = reserved_elsewhere([lot.id for lot in lots], move.source_location_id, None)  # the (pending) move's own included
    return [{"lot_id": lot.id, "name": lot.name, "expiry_date": lot.expiry_date, "quantity": lot.quantity - taken.get(lot.id, 0)}
            for lot in lots if lot.quantity > taken.get(lot.id, 0)]


def suggested_lots(move: StockMove, line: StockMoveLine, available: list[dict] | None = None) -> list[dict]:
    """What a delivery line should take, first expiry first out: the lots free at the source,
    earliest expiry first (lots without one last), until the line's quantity is covered. Expired
    lots are left out where they are held back (``holds_back_expired``): a scrap takes them first.
    ``available``: what ``available_lots`` answered, for a caller that shows both."""
    missing, suggestion, expired_too = line_missing(line), [], not holds_back_expired(move)
    for lot in available_lots(move, line) if available is None else available:
        if missing <= 0:
            break
        if expired_too or lot["expiry_date"] is None or lot["expiry_date"] >= today():
            suggestion.append({**lot, "quantity": min(lot["quantity"], missing)})
            missing -= suggestion[-1]["quantity"]
    return suggestion


# ---------------------------------------------------------------- lots as records


def lot_sorting(quantity) -> Sorting:
    """The sortable columns of the lot list, ``quantity`` being its column of the quantity in stock;
    soonest expiry first by default."""
    return Sorting({"name": func.lower(Lot.name), "product": related(Product, func.lower(Product.name), Lot.product_id),
                    "expiry": Lot.expiry_date, "quantity": quantity},
                   default=(Lot.expiry_date.is_(None), Lot.expiry_date, Lot.name, Lot.id), tiebreak=(Lot.id,))


def lots_stmt(product_id: int | None = None, q: str | None = None, sort: str | None = None):
    """(Lot, quantity in stock at internal locations), soonest expiry first unless ``sort`` says otherwise."""
    in_stock = (select(LotQuant.lot_id, func.sum(LotQuant.quantity).label("quantity")).join(Location, Location.id == LotQuant.location_id)
                .where(Location.usage == "internal").group_by(LotQuant.lot_id).subquery())
    quantity = func.coalesce(in_stock.c.quantity, 0).label("quantity")
    stmt = (select(Lot, quantity).outerjoin(in_stock, in_stock.c.lot_id == Lot.id)
            .order_by(*lot_sorting(quantity).order(sort)))
    if product_id is not None:
        stmt = stmt.where(Lot.product_id == product_id)
    if q and q.strip():
        stmt = stmt.where(func.lower(Lot.name).contains(q.strip().lower(), autoescape=True))
    return stmt


def get_lot(lot_id: int):
    found = db.session.execute(lots_stmt().where(Lot.id == lot_id)).first()
    if found is None:
        raise NotFound(f"There is no lot with id {lot_id}.")
    return found


def create_lot(name: str, product_id: int, expiry_date: date | None = None, user=None) -> Lot:
    name = normalized_name(name or "")
    problem = lot_name_problem(name)
    if problem:
        raise DomainError("invalid_lot", problem, [{"field": "name", "lot": name, "code": "invalid_lot", "message": problem}])
    product = db.session.get(Product, product_id)
    if product is None or product_tracking(product.id).tracking != "lot":
        message = "Choose a product tracked by lots (its Tracking is 'By lots')."
        raise DomainError("product_not_lot_tracked", message, [{"field": "product_id", "code": "product_not_lot_tracked", "message": message}])
    if db.session.scalar(select(Lot.id).where(Lot.scope == scope(product.id), Lot.name == name)) is not None:
        message = f"The lot {name} already exists" + ("." if scope(product.id) == 0 else f" for {product.display_name}.")
        raise DomainError("duplicate_lot", message, [{"field": "name", "lot": name, "code": "duplicate_lot", "message": message}])
    lot = Lot(name=name, product_id=product.id, scope=scope(product.id), expiry_date=expiry_date)
    db.session.add(lot)
    db.session.flush()
    audit.record("create", "lot", lot.id, user, name=name, product_id=product.id, expiry_date=expiry_date)
    return lot


def lot_locations(lot_id: int) -> list[tuple[str, Decimal]]:
    """(location, quantity) where the lot is in stock, by location name."""
    return db.session.execute(select(Location.full_name, LotQuant.quantity).join(Location, Location.id == LotQuant.location_id)
                              .where(LotQuant.lot_id == lot_id, LotQuant.quantity != 0, Location.usage == "internal")
                              .order_by(Location.full_name)).all()


def lot_history_stmt(lot_id: int):
    """Every done move of a lot, oldest first, with the quantity it carried."""
    from sqlalchemy.orm import aliased

    source, dest = aliased(Location), aliased(Location)
    return (select(StockMove.done_at.label("date"), StockMove.id.label("move_id"), StockMove.reference, StockMove.type,
                   source.full_name.label("source_location"), dest.full_name.label("dest_location"), User.username.label("user"),
                   Invoice.number.label("invoice_number"), MoveLineLot.quantity)
            .join(StockMove, StockMove.id == MoveLineLot.move_id)
            .join(source, source.id == StockMove.source_location_id).join(dest, dest.id == StockMove.dest_location_id)
            .outerjoin(User, User.id == StockMove.done_by_id).outerjoin(Invoice, Invoice.id == StockMove.invoice_id)
            .where(MoveLineLot.lot_id == lot_id, StockMove.state == "done").order_by(StockMove.done_at, StockMove.id))


# ---------------------------------------------------------------- validation (set-based, whatever the number of lots)


def link_lots(move: StockMove) -> None:
    """Point the move's lot rows at the lots of their name that exist now."""
    match = select(Lot.id).where(Lot.scope == MoveLineLot.scope, Lot.name == MoveLineLot.name)
    db.session.execute(update(MoveLineLot).where(MoveLineLot.move_id == move.id, MoveLineLot.lot_id.is_(None), match.exists())
                       .values(lot_id=match.scalar_subquery()), execution_options={"synchronize_session": False})


def lot_state_problems(moving) -> list[dict]:
    """A move out of stock takes of each lot only what is free at its source (what is there, less
    what other pending moves out of there hold), and no expired lot a manager did not let out."""
    move = moving.move
    if not moving.outgoing:
        return []
    rows = db.session.execute(select(MoveLineLot.line_id, MoveLineLot.lot_id, MoveLineLot.name, MoveLineLot.quantity,
                                     MoveLineLot.expiry_override, Lot.expiry_date)
                              .outerjoin(Lot, Lot.id == MoveLineLot.lot_id).where(MoveLineLot.move_id == move.id)).all()
    if not rows:
        return []
    ids = [row.lot_id for row in rows if row.lot_id is not None]
    held, reserved = on_hand(ids, move.source_location_id), reserved_elsewhere(ids, move.source_location_id, move.id)
    problems = []
    for row in rows:
        free = held.get(row.lot_id, 0) - reserved.get(row.lot_id, 0) if row.lot_id else Decimal(0)
        if row.quantity > free:
            problems.append(_detail(row.name, row.line_id, "lot_insufficient",
                                    f"{row.name} has {format_number(max(free, 0))} free at {move.source_location.full_name}; {format_number(row.quantity)} cannot be taken.",
                                    available=max(free, 0)))
        elif row.expiry_date and row.expiry_date < today() and not row.expiry_override and holds_back_expired(move):
            problems.append(_detail(row.name, row.line_id, "lot_expired", f"{row.name} expired on {row.expiry_date.isoformat()}."))
    return problems


def move_lots(moving, now) -> None:
    """The lot quantities of a validated move: lots a receipt brings in for the first time are
    created, each lot leaves its source and arrives at its destination (internal ends only)."""
    move = moving.move
    of_move = MoveLineLot.move_id == move.id
    if moving.creates_serials:
        new = (select(MoveLineLot.name, MoveLineLot.product_id, MoveLineLot.scope, func.max(MoveLineLot.expiry_date),
                      literal(now, UtcDateTime))
               .where(of_move, MoveLineLot.lot_id.is_(None)).group_by(MoveLineLot.name, MoveLineLot.product_id, MoveLineLot.scope))
        db.session.execute(insert(Lot).from_select(["name", "product_id", "scope", "expiry_date", "created_at"], new))
        link_lots(move)
    per_lot = select(MoveLineLot.lot_id, func.sum(MoveLineLot.quantity).label("quantity")).where(of_move).group_by(MoveLineLot.lot_id)
    if moving.source.usage == "internal":
        taking = per_lot.subquery()
        taken = select(taking.c.quantity).where(taking.c.lot_id == LotQuant.lot_id).scalar_subquery()
        changed = db.session.execute(
            update(LotQuant).where(LotQuant.location_id == moving.source.id, LotQuant.lot_id.in_(select(taking.c.lot_id)),
                                   LotQuant.quantity >= taken).values(quantity=LotQuant.quantity - taken),
            execution_options={"synchronize_session": False}).rowcount
        if changed != db.session.scalar(select(func.count()).select_from(taking)):
            raise_if_problems(lot_state_problems(moving) or [{"code": "lot_insufficient", "message": "A lot ran short meanwhile."}],
                              f"{move.reference} cannot be validated: another move took some of its lots meanwhile.")
    if moving.dest.usage == "internal":
        stmt = dialect_insert(LotQuant.__table__).from_select(
            ["lot_id", "location_id", "quantity"],
            select(MoveLineLot.lot_id, literal(moving.dest.id), func.sum(MoveLineLot.quantity)).where(of_move).group_by(MoveLineLot.lot_id))
        db.session.execute(stmt.on_conflict_do_update(index_elements=["lot_id", "location_id"],
                                                      set_={"quantity": LotQuant.__table__.c.quantity + stmt.excluded.quantity}))
