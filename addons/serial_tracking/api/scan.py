"""``POST /moves/{id}/scan``: what a scanner typed, raw, understood by ``services.scan``."""
from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from erp_core.api import ApiModel, Id
from erp_core.auth import api_user, authorize

from .. import services
from ..services import scan as scanning
from . import routes


class ScanIn(ApiModel):
    code: str = Field(min_length=1, max_length=1000, description=(
        "Exactly what the scanner sent: a serial number, a product barcode, or GS1 data (an element string with or without "
        "its symbology identifier such as ]d2, FNC1 sent as GS 0x1D; the bracketed form; a GS1 Digital Link URI)."))
    line_id: Id | None = Field(None, description="The line being scanned on: where a plain serial number goes when several lines lack some.")


class ScanOut(BaseModel):
    line_id: int
    product_id: int
    serial: str | None = None
    lot: str | None = None
    expiry_date: date | None = None
    assigned: bool = Field(description="false: the code named a line (a product barcode) and nothing was assigned.")


@routes.route("/moves/<int:move_id>/scan", "POST", summary="Act on one scanned code: assign the serial number or lot it carries, "
              "or say which line a product barcode is", body=ScanIn, response=ScanOut)
def scan(move_id: int, body: ScanIn):
    move = services.get_move(move_id, with_lines=True)
    authorize(services.move_permission(move.type, "assign"))
    line = services.get_move_line(move.id, body.line_id)[1] if body.line_id is not None else None
    return scanning.scan(move, body.code, line, api_user()).to_dict()
