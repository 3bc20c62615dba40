"""Changing how a product with stock is tracked: its page explains why the tracking is locked (the
panel this addon adds to products) and offers to count the stock out and back in."""
from __future__ import annotations

from flask import flash, redirect, url_for
from wtforms import SelectField

from erp_core.auth import acting_user, authorize
from erp_core.forms import ErpForm
from erp_core.models import Product
from erp_core.services import get_or_404
from erp_core.web import perform

from .. import services
from ..models import Tracking
from . import bp

PERMISSIONS = ("product.write", services.move_permission("adjustment", "create"), services.move_permission("adjustment", "validate"))


class TrackingChangeForm(ErpForm):
    tracking = SelectField("New tracking")


def tracking_change_form(product: Product, **kwargs) -> TrackingChangeForm:
    form = TrackingChangeForm(**kwargs)
    current = services.tracking_of(product.id)
    form.tracking.choices = [(value, label) for value, label in Tracking.choices() if value != current]
    if form.tracking.data is None:  # what a change is usually for: serial numbers, or none any more
        form.tracking.data = "serial" if current != "serial" else "none"
    return form


@bp.post("/products/<int:product_id>/tracking")
def product_tracking_change(product_id: int):
    product = get_or_404(Product, product_id, "product")
    for permission in PERMISSIONS:
        authorize(permission)
    form = tracking_change_form(product)
    if not form.validate_on_submit():
        flash("Choose the new tracking.", "error")
        return redirect(url_for("master.product", product_id=product.id))
    pending = perform(services.convert_tracking, product, form.tracking.data, acting_user())
    if pending is None:
        return redirect(url_for("master.product", product_id=product.id))
    label = dict(Tracking.choices())[form.tracking.data]
    if not pending:
        flash(f"{product.display_name} is now tracked: {label}. Its stock was counted out and back in.", "success")
        return redirect(url_for("master.product", product_id=product.id))
    others = f" (and {len(pending) - 1} more, one per location)" if len(pending) > 1 else ""
    flash(f"{product.display_name} is now tracked: {label}. {pending[0].reference}{others} brings its stock back in: "
          "scan the serial numbers of the units, then validate it.", "success")
    return redirect(url_for(".move", move_id=pending[0].id))
