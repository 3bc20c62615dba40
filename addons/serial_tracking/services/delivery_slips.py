"""Delivery slips: what a delivery carries, for the paper that travels with the goods: the move,
its date, the customer and the invoice, and per line the product, the quantity and every serial
number, or every lot with its quantity and expiry date."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from erp_core.database import db
from erp_core.errors import NotFound
from erp_core.models import Partner, Product

from ..models import MoveLineSerial, StockMove
from .lots import line_lots


@dataclass
class SlipLine:
    product: Product
    quantity: Decimal
    tracking: str
    serials: list[str]
    lots: list[dict]        # {name, quantity, expiry_date} of a lot-tracked line


@dataclass
class DeliverySlip:
    move: StockMove
    date: datetime          # when it was validated, or created while it is pending
    shipped: bool
    partner: Partner | None
    invoice_number: str | None
    lines: list[SlipLine]

    @property
    def units(self) -> int:
        return sum(int(line.quantity) for line in self.lines if line.tracking == "serial")


def delivery_slip(move: StockMove) -> DeliverySlip:
    """The slip of a delivery (to a customer, or back to a vendor); every serial number of each
    line, in name order so a person can tick them off, read in one query, and the lots of each
    lot-tracked line in the order they were assigned."""
    if move.type != "delivery":
        raise NotFound(f"{move.reference} is not a delivery, so it has no delivery slip.")
    serials: dict[int, list[str]] = {line.id: [] for line in move.lines}
    assigned = (select(MoveLineSerial.line_id, MoveLineSerial.name).where(MoveLineSerial.move_id == move.id)
                .order_by(MoveLineSerial.line_id, MoveLineSerial.name))
    for line_id, name in db.session.execute(assigned):
        serials[line_id].append(name)
    lots = line_lots([line.id for line in move.lines if line.tracking == "lot"])
    lines = [SlipLine(line.product, line.quantity, line.tracking, serials[line.id], lots.get(line.id, [])) for line in move.lines]
    shipped = move.state == "done"
    return DeliverySlip(move, move.done_at if shipped else move.created_at, shipped, move.partner,
                        move.invoice.number if move.invoice_id is not None else None, lines)
