"""Serial numbers: the list, one unit with its history, and creating one by hand."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Optional

from sqlalchemy import func

from erp_core.activity import record_activity
from erp_core.auth import acting_user, requires
from erp_core.database import db
from erp_core.forms import ErpForm
from erp_core.web import PAGE_SIZE, page_args, perform

from .. import services
from ..models import MoveType, Serial, SerialHistory, SerialStatus
from . import bp
from .common import capped_count, int_arg, location_choices
from .journey import STROKES, journey_layout


def serial_filters() -> dict:
    """The list's filters from the query string (what its search form sends). The page's search
    box matches the beginning of the name unless told ``match=contains``."""
    return {"product_id": int_arg("product_id"),
            "status": request.args.get("status") if request.args.get("status") in SerialStatus.values() else None,
            "location_id": int_arg("location_id"), "q": request.args.get("q", "").strip() or None,
            "match": "contains" if request.args.get("match") == "contains" else "prefix"}


@bp.route("/serials")
def serials():
    filters = serial_filters()
    q, match = filters["q"], "starts" if filters["match"] == "prefix" else "contains"
    stmt = services.serials_stmt(**filters)
    if q and match == "starts":
        stmt = stmt.order_by(None).order_by(func.lower(Serial.name), Serial.id)  # the order of the index the prefix walks
    page, offset = page_args()
    rows = db.session.scalars(stmt.limit(PAGE_SIZE + 1).offset(offset)).unique().all()
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    # Without a next page the total is known; otherwise count, but not past COUNT_CAP.
    total, capped = capped_count(stmt) if has_next else (offset + len(rows), False)
    return render_template(
        "serial_tracking/serials.html", serials=rows, page=page, has_next=has_next, offset=offset, total=total, capped=capped,
        product_choices=[(p.id, p.display_name) for p in services.tracked_products()],
        location_choices=location_choices(), statuses=SerialStatus.labels(), match=match,
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
    record = services.get_serial(serial_id)
    warranty_end, warranty_status = services.warranty(record)
    return render_template(
        "serial_tracking/serial.html", serial=record, warranty_end=warranty_end, warranty_status=warranty_status,
        warranty_months=services.product_tracking(record.product_id).warranty_months,
        # the contract's history rows, plus the invoice id to link the document number
        history=db.session.execute(services.serial_history_stmt(record).add_columns(SerialHistory.invoice_id)).all(),
        statuses=SerialStatus.labels(), types=MoveType.labels(), trace=services.serial_trace(record),
        journey=journey_layout(services.serial_journey(record)), strokes=STROKES, activity=record_activity("serial", record.id),
    )
