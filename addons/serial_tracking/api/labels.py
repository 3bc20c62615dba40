"""Unit labels over HTTP: PDFs of one label per serial number, for a move or for serials by id."""
from __future__ import annotations

from flask import Response
from pydantic import BaseModel, ConfigDict, Field

from erp_core.database import MAX_ID
from erp_core.text import Text

from .. import services
from ..services.labels import MAX_LABELS, move_labels_pdf, parse_serial_ids, serial_labels_pdf
from . import routes

PDF = "application/pdf"


class MoveLabelsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    offset: int = Field(0, ge=0, le=MAX_ID, description="Skip this many of the move's serial numbers.")
    limit: int | None = Field(None, ge=1, le=MAX_LABELS, description=(
        f"Label at most this many. Without it, every serial number of the move, and a move of more than {MAX_LABELS} "
        "answers 422 too_many_labels."))


class SerialLabelsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    ids: Text = Field(max_length=20_000, description=f"Comma-separated ids of serial numbers, at most {MAX_LABELS}: ids=1,2,3. "
                      "One label each, in this order; 404 naming the ids no serial number has.")


def pdf_response(pdf: bytes, name: str) -> Response:
    """The PDF shown in the browser (not downloaded), never kept by caches: a pending move's labels change."""
    safe = "".join(char if char.isascii() and (char.isalnum() or char in "-_.") else "-" for char in name)
    headers = {"Content-Disposition": f'inline; filename="{safe}.pdf"', "Cache-Control": "no-store"}
    return Response(pdf, mimetype=PDF, headers=headers)


@routes.route("/moves/<int:move_id>/labels.pdf", summary="Labels of a move's serial numbers (PDF): one per unit, line by line",
              query=MoveLabelsQuery, produces=PDF)
def move_labels(move_id: int, query: MoveLabelsQuery):
    move = services.get_move(move_id)
    return pdf_response(move_labels_pdf(move, query.offset, query.limit), f"{move.reference}-labels")


@routes.route("/serials/labels.pdf", summary="Labels of serial numbers by id (PDF): one per unit, in the order given",
              query=SerialLabelsQuery, produces=PDF, errors=(404,))
def serial_labels(query: SerialLabelsQuery):
    return pdf_response(serial_labels_pdf(parse_serial_ids(query.ids)), "serial-labels")
