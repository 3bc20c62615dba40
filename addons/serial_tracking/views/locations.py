"""Locations: the tree, and creating one."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from erp_core.auth import acting_user, requires
from erp_core.database import db
from erp_core.forms import ErpForm
from erp_core.web import perform

from .. import services
from ..models import InventoryCount, Location, LocationUsage
from . import bp
from .common import int_arg, location_choices


class LocationForm(ErpForm):
    name = StringField("Name", validators=[DataRequired()], description="Its own name only, e.g. Shelf 1; the full name adds the parents.")
    parent_id = SelectField("Parent location", coerce=int)
    usage = SelectField("Usage", choices=LocationUsage.choices(), default="internal",
                        description="Internal locations hold stock; the others stand for partners and adjustments.")


@bp.route("/locations")
def locations():
    rows = db.session.scalars(select(Location).order_by(Location.full_name)).all()
    # A location being counted offers its count again rather than a second one.
    counting = dict(db.session.execute(select(InventoryCount.location_id, func.min(InventoryCount.id))
                                       .where(InventoryCount.state == "open").group_by(InventoryCount.location_id)).all())
    return render_template("serial_tracking/locations.html", locations=rows, usages=LocationUsage.labels(), counting=counting)


@bp.route("/locations/new", methods=["GET", "POST"])
@requires("location.write")
def location_new():
    form = LocationForm()
    form.parent_id.choices = [(0, "— none (a top-level location)")] + location_choices(include_views=True)
    if request.method == "GET":
        form.parent_id.data = int_arg("parent_id") or services.stock_location().id
    if form.validate_on_submit():
        location = perform(services.create_location, form.name.data, form.parent_id.data or None, form.usage.data, acting_user(), form=form)
        if location is not None:
            flash(f"Location {location.full_name} created.", "success")
            return redirect(url_for(".locations"))
    return render_template("serial_tracking/location_form.html", form=form)
