"""Stock quantities per product and location, with a subtotal per product."""
from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from erp_core.database import db
from erp_core.models import Product
from erp_core.web import list_page

from .. import services
from ..models import Location
from . import bp
from .common import by_id, int_arg, location_choices


def stock_filters() -> dict:
    """The list's filters and sort from the query string (what its filter form and headers send);
    by product name unless told otherwise, as the list groups a product's rows under its subtotal."""
    return {"product_id": int_arg("product_id"), "location_id": int_arg("location_id"), "sort": request.args.get("sort") or "product"}


@bp.route("/stock")
def stock():
    filters = stock_filters()
    stmt = services.stock_quantities_stmt(**filters)
    listing = list_page(stmt, scalars=False)
    rows = listing.rows
    sort = services.stock_sorting(stmt.selected_columns).key(filters["sort"])
    return render_template(
        "serial_tracking/stock.html", rows=rows, listing=listing, sort=sort,
        products=by_id(Product, [r.product_id for r in rows]), locations=by_id(Location, [r.location_id for r in rows]),
        trackings=services.trackings({r.product_id for r in rows}),
        # Subtotals when the rows of a product come together: sorted by product, or by ids.
        totals=services.stock_totals({r.product_id for r in rows}, filters["product_id"], filters["location_id"])
        if sort in (None, "product", "-product") else {},
        product_choices=[(p.id, p.display_name) for p in db.session.scalars(
            select(Product).where(Product.type == "storable").order_by(Product.name))],
        location_choices=location_choices(usage="internal"),
    )
