"""The list of stock movements, the form of a manual move, and validating or cancelling a move."""
from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import FieldList, Form, FormField, SelectField, StringField
from wtforms.validators import AnyOf, NumberRange, Optional

from erp_core.auth import acting_user, authorize, may
from erp_core.database import db
from erp_core.forms import ErpForm, ErrorPlaces, NumberField
from erp_core.models import Partner, Product
from erp_core.web import list_page, perform

from .. import services
from ..models import Location, MoveState, MoveType, StockMove
from ..services.moves import plural
from ..services.validation import assigned_quantities
from . import bp
from .common import location_choices


@bp.route("/moves")
def moves():
    filters = move_filters()
    listing = list_page(services.search_moves(**filters).options(
        selectinload(StockMove.source_location), selectinload(StockMove.dest_location), selectinload(StockMove.partner),
        selectinload(StockMove.invoice)))
    return render_template("serial_tracking/moves.html", moves=listing.rows, listing=listing,
                           summaries=services.move_summaries([m.id for m in listing.rows]), sort=services.MOVE_SORTING.key(filters["sort"]),
                           types=MoveType.labels(), states=MoveState.labels(), may_create=_creatable_types())


def move_filters() -> dict:
    """The list's filters and sort from the query string (what its search form and headers send);
    unknown values mean no filter."""
    return {"state": request.args.get("state") if request.args.get("state") in MoveState.values() else None,
            "type": request.args.get("type") if request.args.get("type") in MoveType.values() else None,
            "q": request.args.get("q", "").strip() or None, "sort": request.args.get("sort")}


def _creatable_types() -> dict[str, str]:
    return {t: label for t, label in MoveType.labels().items() if may(current_user, services.move_permission(t, "create"))}


class MoveLineForm(Form):
    product_id = SelectField("Product", coerce=int, validators=[Optional()])
    quantity = NumberField("Quantity", validators=[Optional(), NumberRange(min=0)])


class MoveForm(ErpForm):
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
    # Who may create only internal transfers is offered only the locations those go between.
    form.source_location_id.choices = form.dest_location_id.choices = location_choices(usage="internal" if set(types) == {"internal"} else None)
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
            move = perform(services.create_move, form.type.data, form.source_location_id.data, form.dest_location_id.data,
                           lines, partner_id=form.partner_id.data or None, user=acting_user(), form=ErrorPlaces(form, entries={"lines": rows}))
            if move is not None:
                flash(f"{move.reference} created. Assign the serial numbers, then validate it.", "success")
                return redirect(url_for(".move", move_id=move.id))
    return render_template("serial_tracking/move_form.html", form=form, routes=routes)


class ValidateForm(ErpForm):
    """Validate, and what becomes of the units not scanned: ``backorder`` is "yes" (a new pending move
    takes them), "no" (they are dropped) or empty (none may be missing). Its buttons carry the value."""

    backorder = StringField(validators=[Optional(), AnyOf(["yes", "no"])])


def plain(value: Decimal) -> int | Decimal:
    """A quantity as people write it: 6, not 6.000 (lots may hold 2.5 kg)."""
    return int(value) if value == value.to_integral_value() else value.normalize()


def held_by_line(move: StockMove) -> dict[int, int | Decimal]:
    """What each serial- or lot-tracked line holds: its serial numbers, or its lots' quantities."""
    held = assigned_quantities(move)
    return {line.id: plain(held.get(line.id, Decimal(0))) for line in move.lines if line.tracking != "none"}


def shortfall(move: StockMove, held: dict[int, int | Decimal]) -> tuple[int | Decimal, int | Decimal]:
    """(units assigned, units missing) over the serial- and lot-tracked lines of a move; ``held``: its ``held_by_line``."""
    lines = [(held[line.id], line.quantity) for line in move.lines if line.id in held]
    return sum(count for count, _ in lines), plain(sum((max(quantity - count, 0) for count, quantity in lines), Decimal(0)))


def validation_asks(move: StockMove, held: dict[int, int | Decimal]) -> bool:
    """Whether Validate asks first what becomes of the units not scanned (a backorder, or dropped):
    a serial- or lot-tracked line lacks some, and something can be validated now. When nothing at
    all is scanned, Validate goes straight to the refusal that says what is missing."""
    scanned, missing = shortfall(move, held)
    return move.state == "pending" and bool(missing) and (bool(scanned) or any(line.tracking == "none" for line in move.lines))


@bp.get("/moves/<int:move_id>/validate")
def move_validate_choice(move_id: int):
    """What Validate asks when serial numbers are missing: make a backorder of them, or drop them."""
    move = services.get_move(move_id)
    authorize(services.move_permission(move.type, "validate"))
    held = held_by_line(move)
    if not validation_asks(move, held):  # done, complete, or nothing scanned yet: nothing to ask
        return redirect(url_for(".move", move_id=move.id))
    scanned, missing = shortfall(move, held)
    lines = [{"line": line, "scanned": held.get(line.id),
              "missing": plain(line.quantity - held[line.id]) if line.id in held else None} for line in move.lines]
    return render_template("serial_tracking/move_validate.html", move=move, form=ValidateForm(), lines=lines,
                           scanned=scanned, missing=missing, serials_only=all(line.tracking != "lot" for line in move.lines))


@bp.post("/moves/<int:move_id>/validate")
def move_validate(move_id: int):
    move = services.get_move(move_id)
    authorize(services.move_permission(move.type, "validate"))
    form = ValidateForm()
    if not form.validate_on_submit():
        flash("Choose what becomes of the missing units: a backorder, or dropped.", "error")
        return redirect(url_for(".move", move_id=move.id))
    backorder = {"yes": True, "no": False}.get(form.backorder.data or "")
    held = held_by_line(move)
    if backorder is None and validation_asks(move, held):  # scanned on a page opened before: ask now
        return redirect(url_for(".move_validate_choice", move_id=move.id))
    scanned, missing = shortfall(move, held)
    if perform(services.validate_move, move, acting_user(), backorder=backorder) is None:
        return redirect(url_for(".move", move_id=move.id))
    rest = db.session.scalar(select(StockMove).where(StockMove.backorder_of_id == move.id)) if backorder else None
    if rest is not None:
        flash(f"{move.reference} is done with the {plural(scanned, 'unit')} scanned; the backorder {rest.reference} waits for the "
              f"{plural(missing, 'unit')} missing.", "success")
    elif backorder is False and missing:
        flash(f"{move.reference} is done with the {plural(scanned, 'unit')} scanned; the {plural(missing, 'unit')} missing "
              f"{'was' if missing == 1 else 'were'} dropped.", "success")
    else:
        flash(f"{move.reference} is done: the stock has moved and each serial's history records it.", "success")
    return redirect(url_for(".move", move_id=move.id))


@bp.post("/moves/<int:move_id>/cancel")
def move_cancel(move_id: int):
    move = services.get_move(move_id)
    authorize(services.move_permission(move.type, "cancel"))
    if perform(services.cancel_move, move, acting_user()) is not None:
        flash(f"{move.reference} is cancelled; its serial numbers are free again.", "success")
    return redirect(url_for(".move", move_id=move.id))
