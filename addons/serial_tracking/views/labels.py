"""Unit labels from the inventory pages: the PDF of a move's serial numbers, or of serial numbers
ticked in the list (or the whole page of the list), opened in the browser to print."""
from __future__ import annotations

from flask import flash, redirect, request, url_for

from .. import services
from ..api.labels import pdf_response
from ..services.labels import label_ranges, move_label_count, move_labels_pdf, parse_serial_ids, serial_labels_pdf
from . import bp
from .common import int_arg


@bp.route("/moves/<int:move_id>/labels.pdf")
def move_labels(move_id: int):
    move = services.get_move(move_id)
    return pdf_response(move_labels_pdf(move, int_arg("offset", 0), int_arg("limit")), f"{move.reference}-labels")


@bp.route("/serials/labels.pdf")
def serial_labels():
    """``ids``: the ticked serials (each its own ``ids``, as a form sends them, or ``1,2,3``);
    ``page``: the ids of the list's whole page, labelled when none is ticked."""
    ids = ",".join(request.args.getlist("ids")) or request.args.get("page", "")
    if not ids.strip(" ,"):
        flash("Tick the serial numbers to print labels for, then press Print labels.", "error")
        return redirect(url_for(".serials"))
    return pdf_response(serial_labels_pdf(parse_serial_ids(ids)), "serial-labels")


@bp.context_processor
def _label_links():
    def move_label_links(move, count: int) -> list[tuple[str, str]]:
        """(text, address) of the PDFs that print the move's ``count`` labels: one, or one per batch."""
        ranges = label_ranges(count)
        if len(ranges) == 1:
            return [(f"{count} label{'s' if count != 1 else ''}", url_for("serial_tracking.move_labels", move_id=move.id))]
        return [(f"Labels {offset + 1:,}–{offset + limit:,}",
                 url_for("serial_tracking.move_labels", move_id=move.id, offset=offset, limit=limit)) for offset, limit in ranges]

    return {"move_label_links": move_label_links, "move_label_count": move_label_count}
