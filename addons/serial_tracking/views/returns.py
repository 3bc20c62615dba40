"""Undoing part of a done move with new moves: returning its units, and correcting a serial number
it carried by mistake. The original move is never edited; the services make the linked moves."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from wtforms import DateField, DecimalField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from erp_core.auth import acting_user, authorize
from erp_core.database import db
from erp_core.forms import ErpForm, ErrorPlaces, format_number
from erp_core.web import perform

from .. import services
from ..models import REASON_MAX, MoveLineSerial, MoveType, StockMove, StockMoveLine
from ..services.moves import plural
from ..services.returns import REVERSE_TYPES, serials_by_line
from . import bp
from .move_page import SERIAL_SEPARATORS

LIST_MAX = 1000  # serial numbers offered as checkboxes or a select; past that they are typed


def _serial_total(move: StockMove, line: StockMoveLine | None = None) -> int:
    where = MoveLineSerial.line_id == line.id if line is not None else MoveLineSerial.move_id == move.id
    return db.session.scalar(select(func.count()).select_from(MoveLineSerial).where(where))


def _back_to(move: StockMove, message: str):
    flash(message, "error")
    return redirect(url_for(".move", move_id=move.id))


# ---------------------------------------------------------------- returns


class ReturnForm(ErpForm):
    serial = SelectMultipleField("Serial numbers to return")
    serials_text = TextAreaField("Serial numbers to return", description="One per line, or separated by commas; leave it empty to "
                                 "return all of them.")


@bp.route("/moves/<int:move_id>/return", methods=["GET", "POST"])
def move_return(move_id: int):
    """Tick the units that come back (all of them at first); the return is a new pending move the
    other way, its lines already holding them."""
    original = services.get_move(move_id)
    authorize(services.move_permission(services.return_type(original), "validate"))
    if original.state != "done":
        return _back_to(original, f"{original.reference} is {original.state}: only a done move is returned.")
    typed = _serial_total(original) > LIST_MAX
    by_line = {} if typed else serials_by_line(original)
    every = [name for names in by_line.values() for name in names]
    lots = services.line_lots([line.id for line in original.lines if line.tracking == "lot"])
    form = ReturnForm()
    form.serial.choices = every
    if request.method == "GET":
        form.serial.data = every
    lot_fields, lot_errors = _lot_quantities(lots)
    if form.validate_on_submit() and not lot_errors:
        chosen = ([n.strip() for n in SERIAL_SEPARATORS.split(form.serials_text.data or "") if n.strip()] if typed
                  else form.serial.data)
        chosen_lots = {line_id: {name: quantity for (_, name), (_, quantity) in fields.items()}
                       for line_id, fields in lot_fields.items()}
        pairs = [pair for fields in lot_fields.values() for pair in fields.values()]  # (carried, to return)
        whole = all(quantity == carried for carried, quantity in pairs)
        if (every or lots) and not chosen and not any(quantity for _, quantity in pairs):
            form.serial.errors = ["Tick at least one serial number" + (" or give a lot quantity" if lots else "") + " to return."]
        else:
            # Everything ticked (every lot in full) is the whole move, its lines without serials or lots included.
            everything = (not chosen or set(chosen) == set(every)) and whole
            returned = perform(services.return_move, original, None if everything else chosen, acting_user(),
                               lots=None if everything else chosen_lots, form=form)
            if returned is not None:
                flash(f"{returned.reference} created: it brings back {plural(int(sum(line.quantity for line in returned.lines)), 'unit')} "
                      f"of {original.reference}. Validate it when they are back.", "success")
                return redirect(url_for(".move", move_id=returned.id))
    stock = services.stock_location()
    ends = ((original.dest_location, stock) if original.type == "delivery" else (stock, original.source_location))
    return render_template("serial_tracking/move_return.html", move=original, form=form, typed=typed, by_line=by_line, ends=ends,
                           return_type=MoveType.labels()[services.return_type(original)].lower(),
                           lots=lots, lot_errors=lot_errors,
                           untracked=[line for line in original.lines if line.tracking == "none" and line.quantity > 0]), \
        422 if request.method == "POST" else 200


def _lot_quantities(lots: dict[int, list[dict]]) -> tuple[dict, dict]:
    """The quantity of each lot to return, as typed (in full at first): {line id: {(index, lot name):
    (quantity carried, quantity to return)}}, and {field name: what is wrong with what was typed}."""
    fields, errors = {}, {}
    for line_id, entries in lots.items():
        for index, entry in enumerate(entries):
            name = f"lot-{line_id}-{index}"
            text = request.form.get(name, "").strip() if request.method == "POST" else str(entry["quantity"])
            try:
                quantity = Decimal(text or "0")
            except InvalidOperation:
                quantity = None
            if quantity is None or not quantity.is_finite() or not 0 <= quantity <= entry["quantity"]:
                errors[name] = f"Give a quantity between 0 and {format_number(entry['quantity'])}."
                quantity = Decimal(0)
            fields.setdefault(line_id, {})[(index, entry["name"])] = (entry["quantity"], quantity)
    return fields, errors


# ---------------------------------------------------------------- corrections


class CorrectForm(ErpForm):
    wrong = SelectField("Wrong serial number", description="The one on the line that did not really move.")
    right = StringField("Right serial number", validators=[DataRequired()],
                        render_kw={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false", "autofocus": True},
                        description="The unit that really moved: scan or type it.")
    reason = TextAreaField("Reason", validators=[DataRequired(message="Say why: the reason is kept on the correcting moves."),
                                                 Length(max=REASON_MAX)], render_kw={"rows": 3},
                           description="Kept on both correcting moves, e.g. “label misread at reception”.")


class CorrectTypedForm(CorrectForm):
    wrong = StringField("Wrong serial number", validators=[DataRequired()], render_kw={"autocomplete": "off", "spellcheck": "false"},
                        description="Scan or type it: the line holds too many serial numbers to list.")


class SerialPlaces(ErrorPlaces):
    """Places a problem about a serial number next to the field that holds that number."""

    def __init__(self, form, fields):
        super().__init__(form)
        self.fields = fields

    def place(self, details: list[dict]) -> list[dict]:
        left = []
        for detail in details:
            name = (detail.get("serial") or "").strip().upper()
            field = next((f for f in self.fields if name and (f.data or "").strip().upper() == name), None)
            if field is not None and not detail.get("field"):
                field.errors = list(field.errors) + [detail["message"]]
            else:
                left.append(detail)
        return super().place(left)


@bp.route("/moves/<int:move_id>/lines/<int:line_id>/correct", methods=["GET", "POST"])
def move_correct(move_id: int, line_id: int):
    """Say which serial number of a done line was wrong and which was right: two done moves, linked
    to this one with the reason, put the stock right."""
    move, line = services.get_move_line(move_id, line_id)
    authorize(services.move_permission(move.type, "validate"))
    if move.state != "done" or move.type not in REVERSE_TYPES or line.tracking not in ("serial", "lot"):
        return _back_to(move, "Only the serial numbers of a done receipt, delivery or internal transfer (or its lots) are "
                              f"corrected here; {move.reference} is a {move.state} {MoveType.labels()[move.type].lower()}.")
    if line.tracking == "lot":
        return _correct_lot(move, line)
    typed = _serial_total(move, line) > LIST_MAX
    form = (CorrectTypedForm if typed else CorrectForm)()
    if not typed:
        form.wrong.choices = serials_by_line(move).get(line.id, [])
    if form.validate_on_submit():
        moves = perform(services.correct_serial, move, line, form.wrong.data, form.right.data, form.reason.data, acting_user(),
                        form=SerialPlaces(form, [form.right, form.wrong]))
        if moves is not None:
            undo, redo = moves
            flash(f"{move.reference} is corrected by {undo.reference} and {redo.reference}, both done: {form.wrong.data.strip()} is "
                  f"undone and {form.right.data.strip()} takes its place.", "success")
            return redirect(url_for(".move", move_id=move.id))
    return render_template("serial_tracking/move_correct.html", move=move, line=line, form=form, typed=typed), \
        422 if request.method == "POST" else 200


class CorrectLotForm(ErpForm):
    wrong = SelectField("Wrong lot", description="The lot on the line that did not really move.")
    quantity = DecimalField("Quantity", validators=[Optional(), NumberRange(min=0)],
                            render_kw={"step": "any", "inputmode": "decimal"},
                            description="How much of it; leave it empty for all the line carried of it.")
    right = StringField("Right lot", validators=[DataRequired()],
                        render_kw={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false", "autofocus": True},
                        description="The lot that really moved: scan or type its name.")
    expiry_date = DateField("Expiry date of the right lot", validators=[Optional()],
                            description="Only for a lot not seen before; a known lot keeps its own.")
    reason = CorrectForm.reason


def _correct_lot(move: StockMove, line: StockMoveLine):
    """The lot version of the page: which lot (and how much of it) was wrong, and which was right."""
    form = CorrectLotForm()
    carried = services.line_lots([line.id]).get(line.id, [])
    form.wrong.choices = [(entry["name"], f"{entry['name']} ({format_number(entry['quantity'])})") for entry in carried]
    if form.validate_on_submit():
        moves = perform(services.correct_lot, move, line, form.wrong.data, form.right.data, form.reason.data, form.quantity.data,
                        form.expiry_date.data, acting_user(), form=form)
        if moves is not None:
            undo, redo = moves
            flash(f"{move.reference} is corrected by {undo.reference} and {redo.reference}, both done: "
                  f"{format_number(undo.lines[0].quantity)} of {form.wrong.data} is undone and {form.right.data.strip()} "
                  "takes its place.", "success")
            return redirect(url_for(".move", move_id=move.id))
    return render_template("serial_tracking/move_correct.html", move=move, line=line, form=form, typed=False, lot=True), \
        422 if request.method == "POST" else 200
