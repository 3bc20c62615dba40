"""Counting a location: the list of counts, starting one, the count page where every unit found is
scanned while the difference with the records updates, and applying or cancelling it."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from erp_core.auth import acting_user, may, requires
from erp_core.database import db
from erp_core.forms import ErpForm, ErrorPlaces
from erp_core.models import Product
from erp_core.web import PAGE_SIZE, page_of, perform

from .. import services
from ..models import REASON_MAX, CountedSerial, CountState, InventoryCount, Location, Serial, StockMove
from ..services.moves import plural
from . import bp
from .common import by_id, int_arg, location_choices
from .move_page import SERIAL_SEPARATORS

SHOWN = 200  # units listed per section of a count page; the rest are counted, not listed


class StartCountForm(ErpForm):
    location_id = SelectField("Location", coerce=int, description="A stock location; the locations below it are counted with it.")


class CountedForm(ErpForm):
    """Units found: one scanned (``serial``), a typed or pasted list (``serials``), or the names that
    were unknown sent again with their product (``unknown`` + ``product_id``), together with the
    rest of the list they came in (``rest``)."""

    serial = StringField("Scan or type a serial number, then Enter")
    serials = TextAreaField("Serial numbers, one per line, or separated by commas or tabs")
    unknown = SelectMultipleField(validate_choice=False)
    rest = SelectMultipleField(validate_choice=False)
    product_id = SelectField("Product", coerce=int, default=0, validate_choice=False)


class RemoveCountedForm(ErpForm):
    name = StringField(validators=[DataRequired()])


class ApplyForm(ErpForm):
    reason = TextAreaField("Reason", validators=[DataRequired(message="Say why: the reason is kept on the moves the count makes."),
                                                 Length(max=REASON_MAX)], render_kw={"rows": 2},
                           description="Kept on every move the count makes, after the count's reference.")


class KeepDetails(ErrorPlaces):
    """Keeps every detail of a refusal for the page to list next to the scan (only the message is flashed)."""

    def __init__(self):
        super().__init__(None)
        self.details: list[dict] = []

    def place(self, details: list[dict]) -> list[dict]:
        self.details = list(details)
        return []


@dataclass
class Feedback:
    """What the last scan or list sent was refused for, shown on the count page."""

    source: str                                       # scan | paste | unknown
    details: list[dict] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # names no product has: ask which product they are
    rest: list[str] = field(default_factory=list)     # the other names of the same list, sent again with them
    text: str = ""                                    # the pasted text, kept


# ---------------------------------------------------------------- list and start


@bp.route("/counts")
def counts():
    stmt = select(InventoryCount).order_by(InventoryCount.id.desc())
    if request.args.get("state") in CountState.values():
        stmt = stmt.where(InventoryCount.state == request.args["state"])
    if int_arg("location_id"):
        stmt = stmt.where(InventoryCount.location_id == int_arg("location_id"))
    page, total, rows = page_of(stmt)
    counted = dict(db.session.execute(select(CountedSerial.count_id, func.count()).where(CountedSerial.count_id.in_([c.id for c in rows]))
                                      .group_by(CountedSerial.count_id)).all()) if rows else {}
    form = _start_form(formdata=None)
    form.location_id.data = int_arg("location_id")
    return render_template("serial_tracking/counts.html", counts=rows, counted=counted, page=page, total=total, page_size=PAGE_SIZE,
                           states=CountState.labels(), form=form)


def _start_form(**kwargs) -> StartCountForm:
    form = StartCountForm(**kwargs)
    form.location_id.choices = location_choices(usage="internal")
    return form


@bp.post("/counts/new")
@requires("count.create")
def count_new():
    form = _start_form()
    if form.validate_on_submit():
        count = perform(services.start_count, form.location_id.data, acting_user())
        if count is not None:
            flash(f"{count.reference} started: scan every unit you find at {count.location.full_name}.", "success")
            return redirect(url_for(".count", count_id=count.id))
    else:
        flash("Choose a stock location to count.", "error")
    return redirect(url_for(".counts"))


# ---------------------------------------------------------------- the count page


@bp.route("/counts/<int:count_id>")
def count(count_id: int):
    return _render_count(services.get_count(count_id))


def _render_count(count: InventoryCount, counted_form: CountedForm | None = None, apply_form: ApplyForm | None = None,
                  feedback: Feedback | None = None, status: int = 200):
    found = services.count_difference(count)
    units = found.counted + found.missing + found.elsewhere
    products = by_id(Product, {u["product_id"] for u in units})
    # Where the records say each unexpected unit is (out of stock at a customer, scrapped, or never seen).
    recorded = dict(db.session.execute(select(Serial.id, Location.full_name).join(Location, Location.id == Serial.location_id)
                                       .where(Serial.id.in_([u["serial_id"] for u in found.unexpected if u["serial_id"]])))
                    .all()) if found.unexpected else {}
    is_open = count.state == "open"
    counted_form = counted_form or CountedForm(formdata=None)
    counted_form.product_id.choices = [(0, "— choose the product —")] + [(p.id, p.display_name) for p in services.tracked_products()]
    return render_template(
        "serial_tracking/count.html", count=count, found=found, products=products, recorded=recorded, shown=SHOWN,
        reservers=by_id(StockMove, {u["reserved_by"] for u in found.missing}),
        moves=by_id(StockMove, services.count_moves(count)), counted_form=counted_form,
        apply_form=apply_form or ApplyForm(formdata=None), feedback=feedback, states=CountState.labels(),
        may_count=is_open and may(current_user, "count.create"), may_apply=is_open and may(current_user, "count.apply"),
    ), status


def _count_units(count: InventoryCount, names: list[str], product_id: int | None, rest: list[str], user=None) -> InventoryCount:
    """The names (of ``product_id`` when they are new units) and the rest of their list, in one go."""
    services.add_counted(count, names, product_id, user)
    if rest:
        services.add_counted(count, rest, None, user)
    return count


@bp.post("/counts/<int:count_id>/serials")
@requires("count.create")
def count_add(count_id: int):
    count = services.get_count(count_id)
    form = CountedForm()
    source = "unknown" if form.unknown.data else "scan" if "serial" in request.form else "paste"
    if not form.validate_on_submit():
        return _render_count(count, form, feedback=Feedback(source, text=form.serials.data or ""), status=422)
    product_id, rest = None, []
    if source == "unknown":
        names, product_id, rest = form.unknown.data, form.product_id.data or None, form.rest.data
        if product_id is None:
            form.product_id.errors = ["Choose the product these serial numbers are of."]
            return _render_count(count, form, feedback=Feedback(source, unknown=names, rest=rest), status=422)
    elif source == "scan":
        names = [form.serial.data or ""]
    else:
        names = [name for name in SERIAL_SEPARATORS.split(form.serials.data or "") if name.strip()]
        if not names:
            form.serials.errors = ["Type or paste at least one serial number."]
            return _render_count(count, form, feedback=Feedback(source), status=422)
    refusal = KeepDetails()
    if perform(_count_units, count, names, product_id, rest, acting_user(), form=refusal) is None:
        unknown = [d["serial"] for d in refusal.details if d.get("code") == "count_unknown_serial"]
        # Sent again with the unknown ones: the rest of the list, but not what was refused for another reason.
        refused = {d.get("serial") for d in refusal.details}
        others = [name for name in names + rest if name.strip() not in refused] if unknown and source != "unknown" else rest
        feedback = Feedback(source, refusal.details, unknown if source != "unknown" else names, others, text=form.serials.data or "")
        return _render_count(services.get_count(count_id), form, feedback=feedback, status=422)
    added = len(names) + len(rest)
    flash(f"{names[0].strip()} counted." if added == 1 else f"{added} serial numbers counted.", "success")
    return redirect(url_for(".count", count_id=count.id))


@bp.post("/counts/<int:count_id>/remove")
@requires("count.create")
def count_remove(count_id: int):
    count = services.get_count(count_id)
    form = RemoveCountedForm()
    if form.validate_on_submit() and perform(services.remove_counted, count, form.name.data, acting_user()) is not None:
        flash(f"{form.name.data.strip()} is no longer counted.", "success")
    return redirect(url_for(".count", count_id=count.id))


@bp.post("/counts/<int:count_id>/apply")
@requires("count.apply")
def count_apply(count_id: int):
    count = services.get_count(count_id)
    form = ApplyForm()
    if form.validate_on_submit():
        moves = perform(services.apply_count, count, form.reason.data, acting_user(), form=form)
        if moves is not None:
            flash(f"{count.reference} is applied: " + (f"{plural(len(moves), 'done move')} put the records right." if moves
                                                      else "everything was where the records said; nothing had to move."), "success")
            return redirect(url_for(".count", count_id=count.id))
    return _render_count(services.get_count(count_id), apply_form=form, status=422)


@bp.post("/counts/<int:count_id>/cancel")
@requires("count.create")
def count_cancel(count_id: int):
    count = services.get_count(count_id)
    if perform(services.cancel_count, count, acting_user()) is not None:
        flash(f"{count.reference} is cancelled: nothing moved.", "success")
    return redirect(url_for(".count", count_id=count.id))
