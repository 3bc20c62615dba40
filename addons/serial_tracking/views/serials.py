"""Serial numbers: the list, one unit with its history, and creating one by hand."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from sqlalchemy import select

from erp_core.activity import record_activity
from erp_core.auth import acting_user, authorize, may, requires
from erp_core.database import db
from erp_core.forms import ErpForm
from erp_core.web import list_page, perform

from .. import services
from ..models import REASON_MAX, Location, MoveType, Serial, SerialHistory, SerialStatus, StockMove
from . import bp
from .common import COUNT_CAP, int_arg, location_choices
from .journey import STROKES, journey_layout


def serial_filters() -> dict:
    """The list's filters and sort from the query string (what its search form and headers send).
    The page's search box matches the beginning of the name unless told ``match=contains``."""
    return {"product_id": int_arg("product_id"),
            "status": request.args.get("status") if request.args.get("status") in SerialStatus.values() else None,
            "location_id": int_arg("location_id"), "customer_id": int_arg("customer_id"),
            "q": request.args.get("q", "").strip() or None,
            "match": "contains" if request.args.get("match") == "contains" else "prefix", "sort": request.args.get("sort")}


@bp.route("/serials")
def serials():
    filters = serial_filters()
    sort = filters.pop("sort")
    stmt = services.serials_stmt(**filters).order_by(None).order_by(*services.serial_order(sort, filters["q"], filters["match"]))
    listing = list_page(stmt, cap=COUNT_CAP)
    return render_template(
        "serial_tracking/serials.html", serials=listing.rows, listing=listing,
        sort=services.SERIAL_SORTING.key(sort), match="starts" if filters["match"] == "prefix" else "contains",
        product_choices=[(p.id, p.display_name) for p in services.tracked_products()],
        location_choices=location_choices(), statuses=SerialStatus.labels(),
        customer_choices=[(p.id, p.name) for p in services.customers()],
    )


class SerialForm(ErpForm):
    name = StringField("Serial number", validators=[DataRequired()], description="The unique code on the unit, e.g. SN-2024-001.")
    product_id = SelectField("Product", coerce=int, description="Only products tracked by unique serial number are listed.")
    ref = StringField("Internal reference", validators=[Optional()])


@bp.route("/serials/new", methods=["GET", "POST"])
@requires("serial.create")
def serial_new():
    form = SerialForm()
    form.product_id.choices = [(p.id, p.display_name) for p in services.tracked_products()]
    if request.method == "GET" and int_arg("product_id"):
        form.product_id.data = int_arg("product_id")
    if form.validate_on_submit():
        serial = perform(services.create_serial, form.name.data, form.product_id.data, form.ref.data or None, acting_user(), form=form)
        if serial is not None:
            flash(f"Serial number {serial.name} created. It is out of stock until a receipt brings it in.", "success")
            return redirect(url_for(".serial", serial_id=serial.id))
    return render_template("serial_tracking/serial_form.html", form=form)


@bp.route("/serials/<int:serial_id>")
def serial(serial_id: int):
    return _render_serial(services.get_serial(serial_id))


def _render_serial(record: Serial, scrap_form: ScrapForm | None = None, status: int = 200, ref_form: RefForm | None = None):
    warranty_end, warranty_status = services.warranty(record)
    in_stock = record.location is not None and record.location.usage == "internal"
    may_scrap = in_stock and all(may(current_user, services.move_permission("scrap", action)) for action in ("create", "validate"))
    return render_template(
        "serial_tracking/serial.html", serial=record, warranty_end=warranty_end, warranty_status=warranty_status,
        warranty_months=services.product_tracking(record.product_id).warranty_months,
        # the contract's history rows, plus the invoice id to link the document number
        history=db.session.execute(services.serial_history_stmt(record).add_columns(SerialHistory.invoice_id)).all(),
        statuses=SerialStatus.labels(), types=MoveType.labels(), trace=services.serial_trace(record),
        journey=journey_layout(services.serial_journey(record)), strokes=STROKES, activity=record_activity("serial", record.id),
        returned=_last_return(record) if warranty_status == "returned" else None,
        scrap_form=(scrap_form or ScrapForm(formdata=None)) if may_scrap else None,
        ref_form=(ref_form or RefForm(formdata=None, ref=record.ref)) if may(current_user, "serial.write") else None,
    ), status


def _last_return(record: Serial):
    """(date, move) of the last time the unit came back from a customer."""
    return db.session.execute(
        select(SerialHistory.date, StockMove).join(StockMove, StockMove.id == SerialHistory.move_id)
        .join(Location, Location.id == SerialHistory.source_location_id)
        .where(SerialHistory.serial_id == record.id, Location.usage == "customer").order_by(SerialHistory.id.desc()).limit(1)).first()


class ScrapForm(ErpForm):
    reason = TextAreaField("Reason", validators=[DataRequired(message="Say why the unit is scrapped."), Length(max=REASON_MAX)],
                           render_kw={"rows": 2}, description="Kept on the scrap move, e.g. “screen cracked in the warehouse”.")


@bp.post("/serials/<int:serial_id>/scrap")
def serial_scrap(serial_id: int):
    """A unit in stock goes to the scrap location, with the reason, on a done scrap move."""
    record = services.get_serial(serial_id)
    for action in ("create", "validate"):
        authorize(services.move_permission("scrap", action))
    form = ScrapForm()
    if form.validate_on_submit():
        move = perform(services.scrap_serial, record, form.reason.data, acting_user(), form=form)
        if move is not None:
            flash(f"{record.name} is scrapped: {move.reference} took it to {move.dest_location.full_name}.", "success")
            return redirect(url_for(".serial", serial_id=record.id))
    return _render_serial(services.get_serial(serial_id), form, 422)


class RefForm(ErpForm):
    ref = StringField("Internal reference", validators=[Optional(), Length(max=64)],
                      description="Your own code for this unit, e.g. an asset tag; at most 64 characters. Empty it to remove it.")


@bp.post("/serials/<int:serial_id>/ref")
@requires("serial.write")
def serial_ref(serial_id: int):
    """Change a unit's internal reference (as PATCH /serials/{id} does)."""
    record = services.get_serial(serial_id)
    form = RefForm()
    if form.validate_on_submit():
        saved = perform(services.update_serial, record, form.ref.data, acting_user(), form=form)
        if saved is not None:
            flash(f"The internal reference of {saved.name} is now {saved.ref}." if saved.ref else
                  f"{saved.name} has no internal reference now.", "success")
            return redirect(url_for(".serial", serial_id=saved.id))
    return _render_serial(services.get_serial(serial_id), status=422, ref_form=form)
