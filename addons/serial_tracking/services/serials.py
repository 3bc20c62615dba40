"""Serial numbers: searching, reading, creating by hand, warranty and history."""
from __future__ import annotations

from datetime import date, datetime, timezone

from dateutil.relativedelta import relativedelta
from erp_addons.invoicing.models import Invoice
from sqlalchemy import false, func, select
from sqlalchemy.orm import aliased, joinedload

from erp_core import audit
from erp_core.database import db
from erp_core.errors import DomainError, NotFound
from erp_core.models import Partner, Product, User
from erp_core.sorting import Sorting, related
from erp_core.text import normalized_name, text_problem

from ..models import SERIAL_NAME_MAX, Location, MoveLineSerial, Serial, SerialHistory, StockMove
from .locations import locations_below
from .moves import scope
from .products import product_tracking

_HistorySource, _HistoryDest = aliased(Location, name="history_source"), aliased(Location, name="history_dest")


def serial_name_problem(name: str) -> str | None:
    """Why ``name`` (already through ``normalized_name``) cannot be a serial number, or None."""
    if not name:
        return "A serial number cannot be empty."
    if len(name) > SERIAL_NAME_MAX:
        return f"A serial number has at most {SERIAL_NAME_MAX} characters; this one has {len(name)}."
    problem = text_problem(name)
    return f"A serial number cannot hold invisible characters: {problem}" if problem else None


def name_contains(q: str):
    """Case-insensitive "part of the name" filter. PostgreSQL answers from the pg_trgm index
    (migration serial_tracking_0003); SQLite has no index for it, so the matching ids are collected
    in one pass over the compact index of lower-case names rather than by walking the table."""
    pattern = q.strip().lower()
    if db.session.get_bind().dialect.name == "postgresql":
        return Serial.name.icontains(pattern, autoescape=True)
    return Serial.id.in_(select(Serial.id).where(func.lower(Serial.name).contains(pattern, autoescape=True)))


def name_starts(q: str):
    """Names starting with ``q``, ignoring case, found through an index: a range on the index of
    lower-case names on SQLite, ILIKE 'q%' on PostgreSQL (the pg_trgm index serves it whatever the
    database's collation)."""
    pattern = q.strip().lower()
    if db.session.get_bind().dialect.name == "postgresql":
        return Serial.name.istartswith(pattern, autoescape=True)
    return (func.lower(Serial.name) >= pattern) & (func.lower(Serial.name) < pattern + "\U0010ffff")


def delivered_to(partner_id: int):
    """The ids of the units ever delivered to a customer: those they hold now and those they gave back."""
    return (select(SerialHistory.serial_id).join(StockMove, StockMove.id == SerialHistory.move_id)
            .join(Location, Location.id == SerialHistory.dest_location_id)
            .where(StockMove.partner_id == partner_id, Location.usage == "customer"))


def customers() -> list[Partner]:
    """The partners units were ever delivered to, by name (the serial list's customer filter)."""
    delivered = (select(StockMove.partner_id).join(Location, Location.id == StockMove.dest_location_id)
                 .where(StockMove.state == "done", Location.usage == "customer"))
    return list(db.session.scalars(select(Partner).where(Partner.id.in_(delivered)).order_by(Partner.name, Partner.id)))


# The serial list's sortable columns (its page and its CSV export).
SERIAL_SORTING = Sorting({"name": func.lower(Serial.name), "ref": func.lower(Serial.ref), "status": Serial.status,
                          "product": related(Product, func.lower(Product.name), Serial.product_id),
                          "location": related(Location, func.lower(Location.full_name), Serial.location_id)},
                         default=(Serial.id.desc(),), tiebreak=(Serial.id,))


def serial_order(sort: str | None = None, q: str | None = None, match: str = "contains") -> list:
    """The ORDER BY of the serial list page and its export: the sort asked for; else newest first,
    or by name for a prefix search (the order of the index the prefix walks)."""
    if SERIAL_SORTING.key(sort) is None and q and q.strip() and match == "prefix":
        return [func.lower(Serial.name), Serial.id]
    return SERIAL_SORTING.order(sort)


def serials_stmt(product_id: int | None = None, status: str | None = None, location_id: int | None = None, q: str | None = None,
                 match: str = "contains", customer_id: int | None = None):
    """Serials filtered, newest first (``serial_order`` gives the list page's orders); ``location_id`` includes the
    locations below it; ``q`` is a part of the name (``match="contains"``) or its beginning
    (``match="prefix"``); ``customer_id``: the units ever delivered to that customer."""
    stmt = select(Serial).options(joinedload(Serial.product), joinedload(Serial.location)).order_by(*SERIAL_SORTING.order(None))
    if product_id is not None:
        stmt = stmt.where(Serial.product_id == product_id)
    if status:
        stmt = stmt.where(status_is(status))
    if location_id is not None:
        location = db.session.get(Location, location_id)
        stmt = stmt.where(Serial.location_id.in_(locations_below(location)) if location else false())
    if q and q.strip():
        stmt = stmt.where(name_starts(q) if match == "prefix" else name_contains(q))
    if customer_id is not None:
        stmt = stmt.where(Serial.id.in_(delivered_to(customer_id)))
    return stmt


def status_is(status: str):
    """``Serial.status == status`` in a form the indexes serve: the status is derived from the stored
    one and the open reservations (``models.moves``), and a reserved unit is always in stock. The
    few reserved ids are read once (NOT IN), not probed for each of the units in stock (NOT EXISTS
    took 1.6 times as long to count a million)."""
    reserved = select(MoveLineSerial.serial_id).where(MoveLineSerial.reserved, MoveLineSerial.serial_id.is_not(None))
    if status == "on_hand":
        return Serial.id.in_(reserved)
    if status == "available":
        return (Serial.stock_status == status) & Serial.id.not_in(reserved)
    return Serial.stock_status == status


def get_serial(serial_id: int) -> Serial:
    serial = db.session.get(Serial, serial_id, options=[joinedload(Serial.product), joinedload(Serial.location),
                                                        joinedload(Serial.product_tracking)])
    if serial is None:
        raise NotFound(f"There is no serial number with id {serial_id}.")
    return serial


def create_serial(name: str, product_id: int, ref: str | None = None, user=None) -> Serial:
    """A unit known before it is received (it has no location until a receipt brings it in)."""
    name = normalized_name(name or "")
    problem = serial_name_problem(name)
    if problem:
        raise DomainError("invalid_serial", problem, [{"field": "name", "serial": name, "code": "invalid_serial", "message": problem}])
    product = db.session.get(Product, product_id)
    if product is None:
        raise DomainError("not_found", f"There is no product with id {product_id}.",
                          [{"field": "product_id", "code": "not_found", "message": "Choose an existing product."}])
    if product_tracking(product.id).tracking != "serial":
        message = f"{product.display_name} is not tracked by serial number; set its Tracking to 'By unique serial number' first."
        raise DomainError("product_not_serial_tracked", message, [{"field": "product_id", "code": "product_not_serial_tracked", "message": message}])
    name_scope = scope(product.id)
    if db.session.scalar(select(Serial.id).where(Serial.scope == name_scope, Serial.name == name)) is not None:
        message = f"The serial number {name} already exists" + (" (for some product)." if name_scope == 0 else f" for {product.display_name}.")
        raise DomainError("duplicate_serial", message, [{"field": "name", "serial": name, "code": "duplicate_serial", "message": message}])
    serial = Serial(name=name, product_id=product.id, scope=name_scope, ref=_clean_ref(ref), status="out_of_stock")
    db.session.add(serial)
    db.session.flush()
    audit.record("create", "serial", serial.id, user, name=name, product_id=product.id)
    return serial


def _clean_ref(ref: str | None) -> str | None:
    ref = (ref or "").strip() or None
    if ref is not None and len(ref) > 64:
        raise DomainError("invalid_ref", "An internal reference has at most 64 characters.",
                          [{"field": "ref", "code": "invalid_ref", "message": "At most 64 characters."}])
    return ref


def update_serial(serial: Serial, ref: str | None, user=None) -> Serial:
    before, serial.ref = serial.ref, _clean_ref(ref)
    db.session.flush()
    if before != serial.ref:
        audit.record("edit", "serial", serial.id, user, changes={"ref": [before, serial.ref]})
    return serial


def lookup_serial(name: str, product_id: int | None = None) -> Serial:
    """The serial of that exact name (of ``product_id`` when given)."""
    name = normalized_name(name or "")
    # The index is on the lower-case name (searches ignore case); the name itself must be exact.
    stmt = select(Serial).where(func.lower(Serial.name) == name.lower(), Serial.name == name).order_by(Serial.id)
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


def warranty(serial: Serial, today: date | None = None) -> tuple[date | None, str]:
    """(warranty end, "none" | "active" | "expired" | "returned"): ``warranty_months`` of the product
    from the delivery to the customer; a unit that came back from the customer is "returned" until
    it is delivered again."""
    return warranty_of(serial.delivered_at, serial.product_tracking.warranty_months if serial.product_tracking else 0,
                       serial.location.usage if serial.location else None, today)


def warranty_of(delivered_at: datetime | None, months: int | None, location_usage: str | None,
                today: date | None = None) -> tuple[date | None, str]:
    """The warranty rule on plain values, for lists that read serials as rows rather than objects."""
    if delivered_at is not None and location_usage != "customer":
        return None, "returned"
    if delivered_at is None or not months:
        return None, "none"
    end = delivered_at.astimezone(timezone.utc).date() + relativedelta(months=months)
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
    counts = dict(db.session.execute(select(Serial.stock_status, func.count()).where(Serial.product_id == product.id)
                                     .group_by(Serial.stock_status)).all())
    reserved = db.session.scalar(select(func.count()).select_from(MoveLineSerial).where(MoveLineSerial.product_id == product.id,
                                                                                        MoveLineSerial.reserved))
    return {"available": counts.get("available", 0) - reserved, "on_hand": reserved,
            "out_of_stock": counts.get("out_of_stock", 0)}
