"""Stock quantities per product and location."""
from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from erp_core.database import db
from erp_core.models import Product
from erp_core.web import PAGE_SIZE, page_args

from .. import services
from ..models import Location
from . import bp
from .common import by_id, int_arg, location_choices


@bp.route("/stock")
def stock():
    stmt = services.stock_quantities_stmt(product_id=int_arg("product_id"), location_id=int_arg("location_id"))
    page, offset = page_args()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.execute(stmt.limit(PAGE_SIZE).offset(offset)).all()
    return render_template(
        "serial_tracking/stock.html", rows=rows, page=page, total=total, page_size=PAGE_SIZE,
        products=by_id(Product, [r.product_id for r in rows]), locations=by_id(Location, [r.location_id for r in rows]),
        trackings=services.trackings({r.product_id for r in rows}),
        product_choices=[(p.id, p.display_name) for p in db.session.scalars(
            select(Product).where(Product.type == "storable").order_by(Product.name))],
        location_choices=location_choices(usage="internal"),
    )
