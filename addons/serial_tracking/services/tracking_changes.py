"""Changing how a product is tracked while it has stock: the stock is counted out (an adjustment to
the inventory location, done at once), the tracking changes, and the stock comes back in (an
adjustment from the inventory location per location), waiting for its serial numbers to be
scanned. Stock never vanishes and no unit is left half-tracked."""
from __future__ import annotations

from sqlalchemy import select

from erp_core import audit
from erp_core.database import db
from erp_core.errors import raise_if_problems
from erp_core.models import Product
from erp_core.services import update_product

from ..models import Serial, StockMove
from .locations import location_of_usage
from .moves import create_move
from .products import tracking_lock, tracking_of
from .stock import stock_quantities_stmt
from .validation import validate_move


def convert_tracking(product: Product, tracking: str, user=None) -> list[StockMove]:
    """Switch ``product`` to ``tracking`` through adjustments; answers the adjustments left to
    complete (serial numbers to scan), each pending at the location it brings stock back to."""
    locked_by_moves = [p for p in tracking_lock(product) if "move_id" in p]
    raise_if_problems(locked_by_moves, f"{product.display_name} is on pending moves: validate or cancel them first.")
    old, inventory = tracking_of(product.id), location_of_usage("inventory").id
    stock = [(row.location_id, row.quantity) for row in db.session.execute(stock_quantities_stmt(product_id=product.id))]
    reason = f"Tracking of {product.display_name} changed from {old} to {tracking}"
    for location_id, quantity in stock:
        line = {"product_id": product.id, "quantity": quantity}
        if old == "serial":
            line["serials"] = list(db.session.scalars(select(Serial.name).where(Serial.product_id == product.id,
                                                                                 Serial.location_id == location_id)))
        validate_move(create_move("adjustment", location_id, inventory, [line], user=user, reason=reason), user)
    update_product(product, {"tracking": tracking}, user)
    back = [create_move("adjustment", inventory, location_id, [{"product_id": product.id, "quantity": quantity}], user=user, reason=reason)
            for location_id, quantity in stock]
    pending = [move if tracking != "none" else validate_move(move, user) for move in back]
    audit.record("convert_tracking", "product", product.id, user, tracking=[old, tracking], moves=[m.reference for m in pending])
    return [move for move in pending if move.state == "pending"]
