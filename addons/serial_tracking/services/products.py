"""How each product is tracked: the fields this addon adds to products (``RecordExtension``), and
how other services of the addon read them."""
from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import func, select

from erp_core.database import db, dialect_insert
from erp_core.models import Product
from erp_core.records import RecordExtension, RecordField

from erp_core.text import Text

from ..models import ProductTracking, StockMove, StockMoveLine, Tracking
from .serial_rules import PATTERN_MAX, pattern_problem

FIELDS = (
    RecordField("tracking", "Tracking", Tracking, Tracking.NONE, writable=True, choices=tuple(Tracking.choices()),
                section="Traceability", help="Lot and serial tracking are for storable products only."),
    RecordField("warranty_months", "Warranty (months)", int, 0, writable=True, section="Traceability",
                help="Counted from the delivery to the customer; 0 for no warranty.",
                # The range is a rule (422 invalid_warranty, from _check), documented here.
                field=Field(json_schema_extra={"minimum": 0, "maximum": 1200})),
    RecordField("serial_pattern", "Serial number pattern", Text | None, None, writable=True, section="Traceability",
                help="Optional: a regular expression every serial number must fully match, e.g. LT-[A-Z]\\d{3}.",
                field=Field(json_schema_extra={"maxLength": PATTERN_MAX})),
    RecordField("serial_uppercase", "Serial numbers in capitals", bool, False, writable=True, section="Traceability",
                help="Turn serial numbers to upper case as they are scanned or typed, so lt-a001 and LT-A001 are one unit."),
)
COLUMNS = tuple(f.name for f in FIELDS)


def tracking_of(product_id: int) -> str:
    return product_tracking(product_id).tracking


def product_tracking(product_id: int) -> ProductTracking:
    """The product's tracking settings; the defaults for a product made while this addon was not loaded."""
    return db.session.get(ProductTracking, product_id) or ProductTracking(product_id=product_id, tracking="none", warranty_months=0,
                                                                          serial_uppercase=False)


def trackings(product_ids) -> dict[int, str]:
    """{product id: tracking} for the given products, in one query."""
    return dict(db.session.execute(select(ProductTracking.product_id, ProductTracking.tracking)
                                   .where(ProductTracking.product_id.in_(product_ids))).all())


def tracking_column():
    """The tracking of a product in a query that outer-joins ProductTracking."""
    return func.coalesce(ProductTracking.tracking, "none")


def tracked_products(tracking: str = "serial") -> list[Product]:
    """The products tracked by serial number (or by lots), by name."""
    return list(db.session.scalars(select(Product).join(ProductTracking, ProductTracking.product_id == Product.id)
                                   .where(ProductTracking.tracking == tracking).order_by(Product.name, Product.id)))


def _load(products: list[Product]) -> dict[int, dict[str, Any]]:
    rows = db.session.scalars(select(ProductTracking).where(ProductTracking.product_id.in_([p.id for p in products])))
    return {row.product_id: {name: getattr(row, name) for name in COLUMNS} for row in rows}


def _check(product: Product, values: dict[str, Any]) -> list[dict]:
    current = product_tracking(product.id) if product.id is not None else None
    tracking = values.get("tracking", current.tracking if current else "none")
    warranty_months = values.get("warranty_months", current.warranty_months if current else 0)
    problems = []
    if values.get("serial_pattern"):
        problem = pattern_problem(values["serial_pattern"])
        if problem:
            problems.append({"field": "serial_pattern", "code": "invalid_pattern", "message": problem})
    if current is not None and tracking != current.tracking:
        problems += tracking_lock(product)
    if tracking not in Tracking.values():
        problems.append({"field": "tracking", "code": "invalid_choice", "message": "Tracking must be none, lot or serial."})
    elif tracking != "none" and product.type != "storable":
        problems.append({"field": "tracking", "code": "tracking_requires_storable",
                         "message": f"Only storable products can be tracked by {tracking}; this one is {product.type}."})
    if warranty_months is None or not 0 <= warranty_months <= 1200:
        problems.append({"field": "warranty_months", "code": "invalid_warranty", "message": "The warranty is a number of months from 0 to 1200."})
    return problems


def _save(product: Product, values: dict[str, Any]) -> None:
    row = db.session.get(ProductTracking, product.id) or ProductTracking(product_id=product.id, tracking="none", warranty_months=0)
    if "serial_pattern" in values:  # an empty pattern is no pattern
        values = {**values, "serial_pattern": (values["serial_pattern"] or "").strip() or None}
    for name, value in values.items():
        setattr(row, name, value)
    db.session.add(row)
    db.session.flush()


def tracking_lock(product: Product) -> list[dict]:
    """Why the tracking of ``product`` cannot change now: the stock it has at internal locations and
    the pending moves it is on (each a detail). Counting the stock out and back in first is the way
    out (``convert_tracking``)."""
    from .stock import stock_quantities_stmt

    problems = [{"field": "tracking", "code": "tracking_locked", "location_id": row.location_id, "quantity": row.quantity,
                 "message": f"{row.quantity:g} in stock at {name}; count it out and back in to change the tracking."}
                for row, name in _stock_with_names(stock_quantities_stmt(product_id=product.id))]
    problems += [{"field": "tracking", "code": "tracking_locked", "move_id": move_id,
                  "message": f"{reference} is pending with this product; validate or cancel it first."}
                 for move_id, reference in db.session.execute(
                     select(StockMove.id, StockMove.reference).join(StockMoveLine, StockMoveLine.move_id == StockMove.id)
                     .where(StockMoveLine.product_id == product.id, StockMove.state == "pending").distinct().order_by(StockMove.id))]
    return problems


def _stock_with_names(stmt):
    from ..models import Location

    rows = db.session.execute(stmt).all()
    names = dict(db.session.execute(select(Location.id, Location.full_name).where(Location.id.in_({r.location_id for r in rows}))).all())
    return [(row, names[row.location_id]) for row in rows]


def ensure_tracking_rows() -> None:
    """A row for every product, including those made while this addon was not loaded."""
    missing = select(Product.id).where(~select(ProductTracking.product_id).where(ProductTracking.product_id == Product.id).exists())
    db.session.execute(dialect_insert(ProductTracking.__table__).from_select(["product_id"], missing).on_conflict_do_nothing())


PRODUCT_EXTENSION = RecordExtension(Product, FIELDS, load=_load, check=_check, save=_save)
