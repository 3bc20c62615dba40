"""Counting a location: scan every unit found there; the difference with the records shows what is
missing, what was found but not expected, and what belongs elsewhere; applying it makes the moves
that put the records right (adjustments out and in, transfers back), linked to the count and with
its reason, in one transaction."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select

from erp_core import audit
from erp_core.database import db, utcnow
from erp_core.errors import BadRequest, DomainError, InvalidState, NotFound, raise_if_problems
from erp_core.services import get_or_404, next_sequence_value

from ..models import REASON_MAX, CountedSerial, InventoryCount, Location, ProductTracking, Serial, StockMove
from .locations import location_of_usage, locations_below
from .moves import create_move, plural, scope
from .serial_rules import serial_for
from .serials import serial_name_problem
from .validation import validate_move


@dataclass
class Difference:
    """What a count found, against what the records say is at its location (or below it)."""

    counted: list[dict]     # every unit scanned: {name, product_id, serial_id}
    missing: list[dict]     # expected there, not found: {name, product_id, serial_id, location, reserved_by}
    unexpected: list[dict]  # found, but out of stock or never seen: {name, product_id, serial_id}
    elsewhere: list[dict]   # found, but recorded at another internal location: {name, product_id, serial_id, location_id, location}


def get_count(count_id: int) -> InventoryCount:
    return get_or_404(InventoryCount, count_id, "count")


def start_count(location_id: int, user=None) -> InventoryCount:
    location = db.session.get(Location, location_id)
    if location is None or location.usage != "internal":
        raise DomainError("invalid_location", "Count an internal location (one that holds stock).",
                          [{"field": "location_id", "code": "invalid_location", "message": "Choose a stock location."}])
    count = InventoryCount(reference=f"WH/COUNT/{next_sequence_value('stock.count'):05d}", location_id=location.id, state="open",
                           created_by_id=user.id if user is not None else None)
    db.session.add(count)
    db.session.flush()
    audit.record("create", "count", count.id, user, location=location.full_name)
    return count


def _require_open(count: InventoryCount, doing: str) -> None:
    db.session.refresh(count, with_for_update=True)
    if count.state != "open":
        raise InvalidState(f"{count.reference} is {count.state}: only an open count can be {doing}.")


def add_counted(count: InventoryCount, names: list[str], product_id: int | None = None, user=None) -> InventoryCount:
    """Record the units found (scanned or typed). A name is looked up among the serial-tracked
    products; ``product_id`` says which product a name is of when it is unknown or ambiguous."""
    _require_open(count, "changed")
    chosen = db.session.get(ProductTracking, product_id) if product_id is not None else None
    if product_id is not None and (chosen is None or chosen.tracking != "serial"):
        raise DomainError("product_not_serial_tracked", "Choose a product tracked by serial number.",
                          [{"field": "product_id", "code": "product_not_serial_tracked", "message": "Not tracked by serial number."}])
    # Every unit a name may designate, in one query: the name as typed and in capitals (for the
    # products that keep their serials in capitals), of the serial-tracked products.
    spellings = {serial_for(raw, upper) for raw in names for upper in (False, True)}
    known = db.session.execute(select(Serial.id, Serial.product_id, Serial.name, ProductTracking.serial_uppercase)
                               .join(ProductTracking, ProductTracking.product_id == Serial.product_id)
                               .where(ProductTracking.tracking == "serial", func.lower(Serial.name).in_({s.lower() for s in spellings}),
                                      Serial.name.in_(spellings))).all()
    already = {(row.product_id, row.name) for row in db.session.execute(select(CountedSerial.product_id, CountedSerial.name)
                                                                          .where(CountedSerial.count_id == count.id))}
    problems, rows = [], []
    for raw in names:
        problem = serial_name_problem(serial_for(raw, False))
        if problem:
            problems.append({"serial": raw.strip(), "code": "invalid_serial", "message": problem})
            continue
        found = [k for k in known if k.name == serial_for(raw, k.serial_uppercase) and product_id in (None, k.product_id)]
        if len(found) > 1:
            problems.append({"serial": raw.strip(), "code": "ambiguous_serial",
                             "message": f"{raw.strip()} exists for {len(found)} products; say which one it is."})
        elif not found and product_id is None:
            problems.append({"serial": raw.strip(), "code": "count_unknown_serial",
                             "message": f"{raw.strip()} is not a known serial number; say which product it is to count it as a new unit."})
        else:
            product, serial_id = (found[0].product_id, found[0].id) if found else (product_id, None)
            name = found[0].name if found else serial_for(raw, chosen.serial_uppercase)
            if (product, name) in already:
                problems.append({"serial": name, "code": "duplicate_serial", "message": f"{name} is counted already."})
            else:
                already.add((product, name))
                rows.append(CountedSerial(count_id=count.id, product_id=product, scope=scope(product), name=name, serial_id=serial_id))
    raise_if_problems(problems, f"Nothing was counted: {plural(len(problems), 'problem')} to fix first.")
    db.session.add_all(rows)
    db.session.flush()
    audit.record("count", "count", count.id, user, serials=audit.compact([row.name for row in rows]))
    return count


def remove_counted(count: InventoryCount, name: str, user=None) -> InventoryCount:
    _require_open(count, "changed")
    removed = db.session.execute(delete(CountedSerial).where(CountedSerial.count_id == count.id, CountedSerial.name == name.strip())).rowcount
    if not removed:
        raise NotFound(f"{name.strip()} is not counted in {count.reference}.")
    audit.record("uncount", "count", count.id, user, serial=name.strip())
    return count


def difference(count: InventoryCount) -> Difference:
    """The count against the records, in three queries whatever the number of units."""
    here = locations_below(count.location)
    counted = db.session.execute(
        select(CountedSerial.name, CountedSerial.product_id, Serial.id, Serial.location_id, Location.usage, Location.full_name)
        .outerjoin(Serial, (Serial.scope == CountedSerial.scope) & (Serial.name == CountedSerial.name))
        .outerjoin(Location, Location.id == Serial.location_id)
        .where(CountedSerial.count_id == count.id).order_by(CountedSerial.id)).all()
    inside = set(db.session.scalars(here))
    found = {row.id for row in counted if row.id is not None}
    expected = db.session.execute(
        select(Serial.name, Serial.product_id, Serial.id, Location.full_name, Serial.reserved_by_move_id)
        .join(Location, Location.id == Serial.location_id)
        .where(Serial.location_id.in_(here), Serial.stock_status == "available").order_by(Serial.name)).all()
    units = [{"name": r.name, "product_id": r.product_id, "serial_id": r.id} for r in counted]
    return Difference(
        counted=units,
        missing=[{"name": r.name, "product_id": r.product_id, "serial_id": r.id, "location": r.full_name, "reserved_by": r.reserved_by_move_id}
                 for r in expected if r.id not in found],
        unexpected=[u for u, r in zip(units, counted) if r.id is None or r.usage != "internal"],
        elsewhere=[{**u, "location_id": r.location_id, "location": r.full_name} for u, r in zip(units, counted)
                   if r.id is not None and r.usage == "internal" and r.location_id not in inside],
    )


def apply_count(count: InventoryCount, reason: str, user=None) -> list:
    """Make the records match what was counted, in one transaction: the missing units go out
    (an adjustment to the inventory location), the unexpected come in (an adjustment from it;
    units never seen are created), the units recorded elsewhere are moved here (one transfer per
    location they were at). Every move is done, linked to the count and carries ``reason``."""
    reason = (reason or "").strip()
    if not reason:
        raise BadRequest("Say why the count is applied (the reason is kept on its moves).",
                         [{"field": "reason", "code": "required", "message": "Give a reason."}])
    room = REASON_MAX - len(f"{count.reference}: ")  # the moves keep the reason after the count's reference
    if len(reason) > room:
        raise BadRequest(f"The reason of a count has at most {room} characters: its moves keep it after the count's reference.",
                         [{"field": "reason", "code": "too_long", "message": f"At most {room} characters; this one has {len(reason)}."}])
    _require_open(count, "applied")
    found = difference(count)
    inventory = location_of_usage("inventory").id
    links = {"count_id": count.id, "reason": f"{count.reference}: {reason}", "user": user}
    moves = []
    if found.missing:
        moves.append(create_move("adjustment", count.location_id, inventory, _lines(found.missing), **links))
    if found.unexpected:
        moves.append(create_move("adjustment", inventory, count.location_id, _lines(found.unexpected), **links))
    for location_id in sorted({u["location_id"] for u in found.elsewhere}):
        moves.append(create_move("internal", location_id, count.location_id,
                                 _lines([u for u in found.elsewhere if u["location_id"] == location_id]), **links))
    done = [validate_move(move, user) for move in moves]
    count.state, count.applied_at = "applied", utcnow()
    db.session.flush()
    audit.record("apply", "count", count.id, user, reason=reason, moves=[m.reference for m in done],
                 missing=len(found.missing), unexpected=len(found.unexpected), elsewhere=len(found.elsewhere))
    return done


def count_moves(count: InventoryCount) -> list[int]:
    return list(db.session.scalars(select(StockMove.id).where(StockMove.count_id == count.id).order_by(StockMove.id)))


def cancel_count(count: InventoryCount, user=None) -> InventoryCount:
    _require_open(count, "cancelled")
    count.state = "cancelled"
    db.session.flush()
    audit.record("cancel", "count", count.id, user)
    return count


def _lines(units: list[dict]) -> list[dict]:
    by_product: dict[int, list[str]] = {}
    for unit in units:
        by_product.setdefault(unit["product_id"], []).append(unit["name"])
    return [{"product_id": product, "quantity": len(names), "serials": names} for product, names in by_product.items()]
