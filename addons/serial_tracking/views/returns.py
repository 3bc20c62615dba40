"""Undoing part of a done move with new moves: returning its units, and correcting a serial number
it carried by mistake. The original move is never edited; the services make the linked moves."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from erp_core.auth import acting_user, authorize
from erp_core.database import db
from erp_core.forms import ErpForm, ErrorPlaces
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
    form = ReturnForm()
    form.serial.choices = every
    if request.method == "GET":
        form.serial.data = every
    if form.validate_on_submit():
        chosen = ([n.strip() for n in SERIAL_SEPARATORS.split(form.serials_text.data or "") if n.strip()] if typed
                  else form.serial.data)
        if every and not chosen:
            form.serial.errors = ["Tick at least one serial number to return."]
        else:
            # Everything ticked is the whole move, its lines without serial numbers included.
            serials = None if not chosen or set(chosen) == set(every) else chosen
            returned = perform(services.return_move, original, serials, acting_user(), form=form)
            if returned is not None:
                flash(f"{returned.reference} created: it brings back {plural(int(sum(line.quantity for line in returned.lines)), 'unit')} "
                      f"of {original.reference}. Validate it when they are back.", "success")
                return redirect(url_for(".move", move_id=returned.id))
    stock = services.stock_location()
    ends = ((original.dest_location, stock) if original.type == "delivery" else (stock, original.source_location))
    return render_template("serial_tracking/move_return.html", move=original, form=form, typed=typed, by_line=by_line, ends=ends,
                           return_type=MoveType.labels()[services.return_type(original)].lower(),
                           untracked=[line for line in original.lines if line.tracking != "serial" and line.quantity > 0]), \
        422 if request.method == "POST" else 200


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
    if move.state != "done" or move.type not in REVERSE_TYPES or line.tracking != "serial":
        return _back_to(move, f"Only the serial numbers of a done receipt, delivery or internal transfer are corrected here; "
                              f"{move.reference} is a {move.state} {MoveType.labels()[move.type].lower()}.")
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
