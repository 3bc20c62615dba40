"""Lot pages, mirroring the serial pages: the list (soonest expiry first, with what is in stock),
one lot with where it is and its history, and creating a lot by hand."""
from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy.orm import selectinload
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from erp_core.activity import record_activity
from erp_core.auth import acting_user, requires
from erp_core.database import db
from erp_core.forms import ErpForm
from erp_core.web import list_page, perform

from .. import services
from ..models import Lot, MoveType
from ..services.lots import today
from . import bp
from .common import int_arg

SOON = timedelta(days=30)  # a lot expiring within this is flagged on the pages


def expiry_state(expiry_date) -> str | None:
    """"expired", "soon" or None: how a lot's expiry is flagged."""
    if expiry_date is None:
        return None
    return "expired" if expiry_date < today() else "soon" if expiry_date <= today() + SOON else None


@bp.route("/lots")
def lots():
    product_id, q, sort = int_arg("product_id"), request.args.get("q", "").strip() or None, request.args.get("sort")
    stmt = services.lots_stmt(product_id, q, sort)
    listing = list_page(stmt.options(selectinload(Lot.product)), scalars=False)  # each row shows its product
    return render_template("serial_tracking/lots.html", lots=listing.rows, listing=listing,
                           sort=services.lot_sorting(stmt.selected_columns.quantity).key(sort),
                           product_choices=[(p.id, p.display_name) for p in services.tracked_products("lot")], expiry_state=expiry_state)


@bp.route("/lots/<int:lot_id>")
def lot(lot_id: int):
    record, quantity = services.get_lot(lot_id)
    return render_template("serial_tracking/lot.html", lot=record, quantity=quantity, expiry=expiry_state(record.expiry_date),
                           locations=services.lot_locations(record.id), history=db.session.execute(services.lot_history_stmt(record.id)).all(),
                           types=MoveType.labels(), activity=record_activity("lot", record.id))


class LotForm(ErpForm):
    name = StringField("Lot", validators=[DataRequired()], description="The lot or batch code printed on the goods, e.g. L-2026-07.")
    product_id = SelectField("Product", coerce=int, description="Only products tracked by lots are listed.")
    expiry_date = DateField("Expiry date", validators=[Optional()], description="Leave empty when the goods do not expire.")


@bp.route("/lots/new", methods=["GET", "POST"])
@requires("serial.create")
def lot_new():
    form = LotForm()
    form.product_id.choices = [(p.id, p.display_name) for p in services.tracked_products("lot")]
    if request.method == "GET" and int_arg("product_id"):
        form.product_id.data = int_arg("product_id")
    if form.validate_on_submit():
        lot = perform(services.create_lot, form.name.data, form.product_id.data, form.expiry_date.data, acting_user(), form=form)
        if lot is not None:
            flash(f"Lot {lot.name} created. It has no stock until a receipt brings some.", "success")
            return redirect(url_for(".lot", lot_id=lot.id))
    return render_template("serial_tracking/lot_form.html", form=form)
