"""Inventory pages: stock movements and their serial assignment, serial numbers, stock quantities and
locations. Views parse the request, authorize, call the services and render; the rules live in
services.py, so the UI can do exactly what the API can, no more."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import DecimalField, FieldList, Form, FormField, SelectField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from erp_core.auth import authorize, may, requires
from erp_core.database import db, transaction
from erp_core.errors import BadRequest, DomainError
from erp_core.models import Partner, Product
from erp_core.web import PAGE_SIZE, flash_error, page_args, perform

from . import services
from .models import Location, MoveLineSerial, Serial, SerialHistory, StockMove, StockMoveLine

bp = Blueprint("serial_tracking", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/serial_tracking", url_prefix="/inventory")

MOVE_TYPES = {"receipt": "Receipt", "delivery": "Delivery", "internal": "Internal transfer",
              "scrap": "Scrap", "adjustment": "Inventory adjustment"}
MOVE_STATES = {"pending": "Pending", "done": "Done", "cancelled": "Cancelled"}
SERIAL_STATUSES = {"available": "Available", "on_hand": "On hand", "out_of_stock": "Out of stock"}
USAGES = {"view": "View (groups other locations)", "internal": "Internal (stock)", "vendor": "Vendor",
          "customer": "Customer", "inventory": "Inventory adjustment", "scrap": "Scrap"}
ASSIGNED_PAGE = 100    # serials of a line shown at once: a line may hold 100,000
PICKER_PAGE = 50       # available serials offered at once in the delivery picker
COUNT_CAP = 10_000     # serial lists count exactly up to here, then say "more than"
SERIAL_SEPARATORS = re.compile(r"[\r\n,\t]+")


def _user():
    return current_user._get_current_object()


def _int_arg(name: str, default: int | None = None) -> int | None:
    try:
        return int(request.args.get(name, ""))
    except ValueError:
        return default


def _capped_count(stmt) -> tuple[int, bool]:
    """Count at most COUNT_CAP rows: an exact count of a million serials on every page load is the
    slowest part of the page, and nobody pages that far. Returns (count, capped)."""
    n = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).limit(COUNT_CAP + 1).subquery()))
    return min(n, COUNT_CAP), n > COUNT_CAP


def _by_id(model, ids) -> dict:
    ids = {i for i in ids if i is not None}
    return {r.id: r for r in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}


def _location_choices(include_views: bool = False, usage: str | None = None) -> list[tuple[int, str]]:
    stmt = select(Location).order_by(Location.full_name)
    if usage:
        stmt = stmt.where(Location.usage == usage)
    elif not include_views:
        stmt = stmt.where(Location.usage != "view")
    return [(loc.id, loc.full_name) for loc in db.session.scalars(stmt)]


def qty(value) -> str:
    """Quantities without trailing zeros: 3, not 3.000."""
    if value is None:
        return ""
    text = f"{value:f}" if hasattr(value, "as_tuple") else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


bp.add_app_template_filter(qty, "qty")


# ---------------------------------------------------------------- stock movements


@bp.route("/moves")
def moves():
    stmt = select(StockMove).order_by(StockMove.id.desc())
    q = request.args.get("q", "").strip()
    if q:
        partner_ids = select(Partner.id).where(Partner.name.icontains(q, autoescape=True))
        stmt = stmt.where(or_(StockMove.reference.icontains(q, autoescape=True), StockMove.partner_id.in_(partner_ids)))
    if request.args.get("state") in MOVE_STATES:
        stmt = stmt.where(StockMove.state == request.args["state"])
    if request.args.get("type") in MOVE_TYPES:
        stmt = stmt.where(StockMove.type == request.args["type"])
    page, offset = page_args()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.options(selectinload(StockMove.source_location), selectinload(StockMove.dest_location),
                                           selectinload(StockMove.partner)).limit(PAGE_SIZE).offset(offset)).all()
    return render_template("serial_tracking/moves.html", moves=rows, page=page, total=total, page_size=PAGE_SIZE,
                           types=MOVE_TYPES, states=MOVE_STATES, may_create=_creatable_types())


def _creatable_types() -> dict[str, str]:
    return {t: label for t, label in MOVE_TYPES.items() if may(current_user, services.move_permission(t, "create"))}


class MoveLineForm(Form):
    product_id = SelectField("Product", coerce=int, validators=[Optional()])
    quantity = DecimalField("Quantity", validators=[Optional(), NumberRange(min=0)])


class MoveForm(FlaskForm):
    type = SelectField("Type")
    source_location_id = SelectField("From", coerce=int)
    dest_location_id = SelectField("To", coerce=int)
    partner_id = SelectField("Partner", coerce=int, description="Optional for internal transfers, scrap and adjustments.")
    lines = FieldList(FormField(MoveLineForm), min_entries=3)


def _default_routes() -> dict[str, dict[str, int]]:
    """Where each type of move usually goes, so choosing a type fills in From and To (JS only)."""
    stock = services.stock_location().id
    usage = {u: services.location_of_usage(u).id for u in ("vendor", "customer", "inventory", "scrap")}
    other_internal = db.session.scalar(select(Location.id).where(Location.usage == "internal", Location.id != stock)
                                       .order_by(Location.full_name).limit(1))
    return {"receipt": {"source": usage["vendor"], "dest": stock}, "delivery": {"source": stock, "dest": usage["customer"]},
            "internal": {"source": stock, "dest": other_internal or stock}, "scrap": {"source": stock, "dest": usage["scrap"]},
            "adjustment": {"source": usage["inventory"], "dest": stock}}


@bp.route("/moves/new", methods=["GET", "POST"])
def move_new():
    types = _creatable_types()
    if not types:
        authorize(services.move_permission("internal", "create"))  # answers 403 with the roles that may
    form = MoveForm()
    form.type.choices = list(types.items())
    form.source_location_id.choices = form.dest_location_id.choices = _location_choices()
    form.partner_id.choices = [(0, "—")] + [(p.id, p.name) for p in db.session.scalars(select(Partner).order_by(Partner.name))]
    products = [(0, "—")] + [(p.id, p.display_name) for p in db.session.scalars(
        select(Product).where(Product.type == "storable").order_by(Product.name))]
    for entry in form.lines:
        entry.product_id.choices = products
    routes = _default_routes()
    if request.method == "GET":
        first = routes[form.type.choices[0][0]]
        form.source_location_id.data, form.dest_location_id.data = first["source"], first["dest"]
    if form.validate_on_submit():
        authorize(services.move_permission(form.type.data, "create"))
        rows = [e.form for e in form.lines if e.product_id.data or e.quantity.data]  # empty rows are ignored
        lines = [{"product_id": row.product_id.data, "quantity": row.quantity.data} for row in rows]
        if not lines:
            flash("Add at least one line: a product and its quantity.", "error")
        else:
            try:
                with transaction():
                    move = services.create_move(form.type.data, form.source_location_id.data, form.dest_location_id.data,
                                                lines, partner_id=form.partner_id.data or None, user=_user())
            except DomainError as exc:
                flash_error(_place_line_errors(exc, rows), form)
            else:
                flash(f"{move.reference} created. Assign the serial numbers, then validate it.", "success")
                return redirect(url_for(".move", move_id=move.id))
    return render_template("serial_tracking/move_form.html", form=form, routes=routes)


def _place_line_errors(exc: DomainError, rows: list) -> DomainError:
    """Show each "lines.N.field" problem next to that field of the N-th filled row; return the
    error with the problems left to place or flash."""
    left = []
    for detail in exc.details:
        match = re.fullmatch(r"lines\.(\d+)\.(\w+)", detail.get("field") or "")
        row = rows[int(match.group(1))] if match and int(match.group(1)) < len(rows) else None
        field = getattr(row, match.group(2), None) if row is not None else None
        if field is None:
            left.append(detail)
        else:
            field.errors = list(field.errors) + [detail["message"]]
    return DomainError(exc.code, exc.message, left)


@dataclass
class LineFeedback:
    """What went wrong in one of a line's forms, shown next to that form when the page re-renders."""

    line_id: int
    form: str                     # scan | paste | generate | pick | list
    error: DomainError
    values: dict = field(default_factory=dict)


@bp.route("/moves/<int:move_id>")
def move(move_id: int):
    return _render_move(services.get_move(move_id))


def _render_move(move: StockMove, feedback: LineFeedback | None = None, status: int = 200):
    pending = move.state == "pending"
    may_assign = pending and may(current_user, services.move_permission(move.type, "assign"))
    panels = []
    counts = services.move_serial_counts([move.id])
    for line in move.lines:
        if line.product.tracking != "serial":
            continue
        count = counts.get(line.id, 0)
        pages = max(1, -(-count // ASSIGNED_PAGE))
        page = min(max(1, _int_arg(f"p{line.id}", 1)), pages)
        panel = {"line": line, "count": count, "quantity": int(line.quantity), "page_size": ASSIGNED_PAGE,
                 "page": page, "pages": pages, "first": (page - 1) * ASSIGNED_PAGE, "names": _newest_serials(line, page),
                 "feedback": feedback if feedback and feedback.line_id == line.id else None, "picker": None}
        if may_assign and move.source_location.usage == "internal":
            panel["picker"] = _picker(move, line, panel)
        panels.append(panel)
    first_open = next((p for p in panels if p["count"] < p["quantity"]), panels[0] if panels else None)
    return render_template(
        "serial_tracking/move.html", move=move, panels=panels,
        focus_line=(feedback.line_id if feedback else first_open["line"].id if first_open else None),
        types=MOVE_TYPES, may_assign=may_assign,
        may_validate=pending and may(current_user, services.move_permission(move.type, "validate")),
        may_cancel=pending and may(current_user, services.move_permission(move.type, "cancel")),
    ), status


def _newest_serials(line: StockMoveLine, page: int) -> list[str]:
    """One page of a line's serials, last assigned first: what was just scanned shows on top,
    and the first page of a 100,000-serial line is read from the end of the index, not scanned to."""
    stmt = (select(MoveLineSerial.name).where(MoveLineSerial.line_id == line.id).order_by(MoveLineSerial.id.desc())
            .limit(ASSIGNED_PAGE).offset((page - 1) * ASSIGNED_PAGE))
    return list(db.session.scalars(stmt))


def _picker(move: StockMove, line: StockMoveLine, panel: dict) -> dict:
    """The serials the delivery may take: at the source location or below, free, oldest first."""
    q = request.args.get(f"pick{line.id}", "").strip()
    stmt = services.available_serials_stmt(move, line, q or None)
    rows = db.session.scalars(stmt.limit(PICKER_PAGE)).all()
    total, capped = _capped_count(stmt)
    return {"q": q, "serials": rows, "total": total, "capped": capped,
            "missing": max(0, panel["quantity"] - panel["count"]), "open": bool(q) or request.args.get("pick") == str(line.id)}


def _line_action(move: StockMove, line: StockMoveLine, form_name: str, action, *args, values: dict | None = None, **kwargs):
    """Run one serial action of a line as one transaction. Back to the move on success; on a broken
    rule the page again, with every problem next to the form that caused it and the input kept."""
    authorize(services.move_permission(move.type, "assign"))
    try:
        with transaction():
            action(move, line, *args, user=_user(), **kwargs)
    except DomainError as exc:
        if exc.status in (401, 403):
            raise
        if exc.status == 409:  # the move is no longer pending: its forms are gone, say so at the top
            flash_error(exc)
            return redirect(url_for(".move", move_id=move.id))
        return _render_move(move, LineFeedback(line.id, form_name, exc, values or {}), exc.status if exc.status != 400 else 422)
    return redirect(url_for(".move", move_id=move.id, _anchor=f"line-{line.id}"))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/moves/<int:move_id>/lines/<int:line_id>/scan")
def line_scan(move_id: int, line_id: int):
    """One scanned serial. The page's script asks for JSON and stays on the page; without the
    script the form posts and the page re-renders."""
    move, line = services.get_move_line(move_id, line_id)
    name = request.form.get("serial", "")
    if not _wants_json():
        return _line_action(move, line, "scan", services.assign_serials, [name], replace=False, values={"serial": name})
    try:
        with transaction():
            authorize(services.move_permission(move.type, "assign"))
            services.assign_serials(move, line, [name], replace=False, user=_user())
    except DomainError as exc:
        return jsonify(exc.to_dict()), exc.status
    count, quantity = services.line_serial_count(line), int(line.quantity)
    return jsonify({"serial": name.strip(), "count": count, "quantity": quantity, "ready": count == quantity,
                    "message": f"{name.strip()} added ({count} / {quantity})."})


@bp.post("/moves/<int:move_id>/lines/<int:line_id>/paste")
def line_paste(move_id: int, line_id: int):
    move, line = services.get_move_line(move_id, line_id)
    text = request.form.get("serials", "")
    names = [n for n in SERIAL_SEPARATORS.split(text) if n.strip()]
    replace = bool(request.form.get("replace"))
    values = {"serials": text, "replace": replace}
    if not names and not replace:
        return _render_move(move, LineFeedback(line.id, "paste", BadRequest("Type or paste at least one serial number."), values), 422)
    return _line_action(move, line, "paste", services.assign_serials, names, replace=replace, values=values)


@bp.post("/moves/<int:move_id>/lines/<int:line_id>/generate")
def line_generate(move_id: int, line_id: int):
    move, line = services.get_move_line(move_id, line_id)
    first, count_text = request.form.get("first", ""), request.form.get("count", "").strip()
    values = {"first": first, "count": count_text}
    if not count_text.isdigit() or int(count_text) < 1:
        error = BadRequest("Enter how many serial numbers to generate: a whole number of at least 1.")
        return _render_move(move, LineFeedback(line.id, "generate", error, values), 422)
    return _line_action(move, line, "generate", services.generate_serials, first, int(count_text), values=values)


@bp.post("/moves/<int:move_id>/lines/<int:line_id>/pick")
def line_pick(move_id: int, line_id: int):
    """Add the ticked serials, or, only when the user pressed "Fill", the oldest available ones."""
    move, line = services.get_move_line(move_id, line_id)
    if request.form.get("fill"):
        return _line_action(move, line, "pick", services.fill_with_oldest)
    names = request.form.getlist("serial")
    if not names:
        return _render_move(move, LineFeedback(line.id, "pick", BadRequest("Tick the serial numbers to add first.")), 422)
    return _line_action(move, line, "pick", services.assign_serials, names, replace=False)


@bp.post("/moves/<int:move_id>/lines/<int:line_id>/remove")
def line_remove(move_id: int, line_id: int):
    move, line = services.get_move_line(move_id, line_id)
    name = request.form.get("serial", "")
    if request.form.get("all"):
        return _line_action(move, line, "list", services.assign_serials, [], replace=True)
    return _line_action(move, line, "list", services.remove_serial, name)


@bp.post("/moves/<int:move_id>/validate")
def move_validate(move_id: int):
    move = services.get_move(move_id)
    authorize(services.move_permission(move.type, "validate"))
    if perform(services.validate_move, move, _user()) is not None:
        flash(f"{move.reference} is done: the stock has moved and each serial's history records it.", "success")
    return redirect(url_for(".move", move_id=move.id))


@bp.post("/moves/<int:move_id>/cancel")
def move_cancel(move_id: int):
    move = services.get_move(move_id)
    authorize(services.move_permission(move.type, "cancel"))
    if perform(services.cancel_move, move, _user()) is not None:
        flash(f"{move.reference} is cancelled; its serial numbers are free again.", "success")
    return redirect(url_for(".move", move_id=move.id))


# ---------------------------------------------------------------- serial numbers


def _serial_products() -> list[Product]:
    return db.session.scalars(select(Product).where(Product.tracking == "serial").order_by(Product.name)).all()


@bp.route("/serials")
def serials():
    status = request.args.get("status") if request.args.get("status") in SERIAL_STATUSES else None
    q = request.args.get("q", "").strip()
    match = "contains" if request.args.get("match") == "contains" else "starts"
    stmt = services.serials_stmt(product_id=_int_arg("product_id"), status=status, location_id=_int_arg("location_id"),
                                 q=q or None, match="prefix" if match == "starts" else "contains")
    if q and match == "starts":
        stmt = stmt.order_by(None).order_by(Serial.name, Serial.id)  # name order follows the index the prefix walks
    page, offset = page_args()
    rows = db.session.scalars(stmt.limit(PAGE_SIZE + 1).offset(offset)).unique().all()
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    # Without a next page the total is known; otherwise count, but not past COUNT_CAP.
    total, capped = _capped_count(stmt) if has_next else (offset + len(rows), False)
    return render_template(
        "serial_tracking/serials.html", serials=rows, page=page, has_next=has_next, offset=offset, total=total, capped=capped,
        product_choices=[(p.id, p.display_name) for p in _serial_products()],
        location_choices=_location_choices(), statuses=SERIAL_STATUSES, match=match,
    )


class SerialForm(FlaskForm):
    name = StringField("Serial number", validators=[DataRequired()], description="The unique code on the unit, e.g. SN-2024-001.")
    product_id = SelectField("Product", coerce=int, description="Only products tracked by unique serial number are listed.")
    ref = StringField("Internal reference", validators=[Optional()])


@bp.route("/serials/new", methods=["GET", "POST"])
@requires("serial.create")
def serial_new():
    form = SerialForm()
    form.product_id.choices = [(p.id, p.display_name) for p in _serial_products()]
    if request.method == "GET" and _int_arg("product_id"):
        form.product_id.data = _int_arg("product_id")
    if form.validate_on_submit():
        serial = perform(services.create_serial, form.name.data, form.product_id.data, form.ref.data or None, form=form)
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
        # the contract's history rows, plus the invoice id to link the document number
        history=db.session.execute(services.serial_history_stmt(record).add_columns(SerialHistory.invoice_id)).all(),
        statuses=SERIAL_STATUSES, types=MOVE_TYPES,
    )


# ---------------------------------------------------------------- stock quantities and locations


@bp.route("/stock")
def stock():
    stmt = services.stock_quantities_stmt(product_id=_int_arg("product_id"), location_id=_int_arg("location_id"))
    page, offset = page_args()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.execute(stmt.limit(PAGE_SIZE).offset(offset)).all()
    return render_template(
        "serial_tracking/stock.html", rows=rows, page=page, total=total, page_size=PAGE_SIZE,
        products=_by_id(Product, [r.product_id for r in rows]), locations=_by_id(Location, [r.location_id for r in rows]),
        product_choices=[(p.id, p.display_name) for p in db.session.scalars(
            select(Product).where(Product.type == "storable").order_by(Product.name))],
        location_choices=_location_choices(usage="internal"),
    )


class LocationForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired()], description="Its own name only, e.g. Shelf 1; the full name adds the parents.")
    parent_id = SelectField("Parent location", coerce=int)
    usage = SelectField("Usage", choices=list(USAGES.items()), default="internal",
                        description="Internal locations hold stock; the others stand for partners and adjustments.")


@bp.route("/locations")
def locations():
    rows = db.session.scalars(select(Location).order_by(Location.full_name)).all()
    return render_template("serial_tracking/locations.html", locations=rows, usages=USAGES)


@bp.route("/locations/new", methods=["GET", "POST"])
@requires("location.write")
def location_new():
    form = LocationForm()
    form.parent_id.choices = [(0, "— none (a top-level location)")] + _location_choices(include_views=True)
    if request.method == "GET":
        form.parent_id.data = _int_arg("parent_id") or services.stock_location().id
    if form.validate_on_submit():
        location = perform(services.create_location, form.name.data, form.parent_id.data or None, form.usage.data, form=form)
        if location is not None:
            flash(f"Location {location.full_name} created.", "success")
            return redirect(url_for(".locations"))
    return render_template("serial_tracking/location_form.html", form=form)
