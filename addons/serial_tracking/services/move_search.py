"""Finding stock moves: the filters and sorts of the move list, shared by its page, the API and the
exports, so that an export holds exactly what the list shows, in its order; and what the list shows
of each move's lines, read for a whole page at once."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from erp_addons.invoicing.models import Invoice
from sqlalchemy import func, or_, select, union

from erp_core.database import db
from erp_core.models import Partner, Product
from erp_core.sorting import Sorting, related
from erp_core.text import normalized_name

from ..models import MoveLineSerial, ProductTracking, Serial, SerialHistory, StockMove, StockMoveLine
from .products import tracking_column

# The move list's sortable columns (its page and its CSV export).
MOVE_SORTING = Sorting({"reference": StockMove.reference, "state": StockMove.state, "type": StockMove.type,
                        "partner": related(Partner, func.lower(Partner.name), StockMove.partner_id),
                        "document": related(Invoice, Invoice.number, StockMove.invoice_id), "created": StockMove.created_at},
                       default=(StockMove.id.desc(),), tiebreak=(StockMove.id.desc(),))


def moves_carrying(name: str):
    """The ids of the moves a serial number is on: done ones from the units' history, pending ones
    from their lines (both found through indexes: the serial's name, and the pending moves)."""
    name = normalized_name(name).lower()
    done = select(SerialHistory.move_id).where(SerialHistory.serial_id.in_(select(Serial.id).where(func.lower(Serial.name) == name)))
    pending = select(MoveLineSerial.move_id).where(MoveLineSerial.move_id.in_(select(StockMove.id).where(StockMove.state == "pending")),
                                                   func.lower(MoveLineSerial.name) == name)
    return union(done, pending)


def search_moves(state: str | None = None, type: str | None = None, invoice_id: int | None = None, q: str | None = None,
                 sort: str | None = None):
    """A select of moves, newest first unless ``sort`` says otherwise; ``q`` is part of the
    reference, of the partner's name or of the source document's number, or a serial number the
    move carries."""
    stmt = select(StockMove).order_by(*MOVE_SORTING.order(sort))
    for column, value in ((StockMove.state, state), (StockMove.type, type), (StockMove.invoice_id, invoice_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if q and q.strip():
        q = q.strip()
        partner_ids = select(Partner.id).where(Partner.name.icontains(q, autoescape=True))
        invoice_ids = select(Invoice.id).where(Invoice.number.icontains(q, autoescape=True))
        stmt = stmt.where(or_(StockMove.reference.icontains(q, autoescape=True), StockMove.partner_id.in_(partner_ids),
                              StockMove.invoice_id.in_(invoice_ids), StockMove.id.in_(moves_carrying(q))))
    return stmt


@dataclass
class MoveSummary:
    """What the move list shows of a move's lines: its products, the quantity, and for the
    serial-tracked lines how many serial numbers are scanned of how many needed."""

    products: list[str] = field(default_factory=list)
    quantity: Decimal = Decimal(0)
    scanned: int = 0
    needed: int = 0


def move_summaries(move_ids: list[int]) -> dict[int, MoveSummary]:
    """A ``MoveSummary`` per move id, in one query for the whole page."""
    assigned = (select(func.count()).select_from(MoveLineSerial).where(MoveLineSerial.line_id == StockMoveLine.id)
                .correlate(StockMoveLine).scalar_subquery())
    summaries = {move_id: MoveSummary() for move_id in move_ids}
    if not move_ids:
        return summaries
    for move_id, product, quantity, tracking, scanned in db.session.execute(
            select(StockMoveLine.move_id, Product, StockMoveLine.quantity, tracking_column(), assigned)
            .join(Product, Product.id == StockMoveLine.product_id)
            .outerjoin(ProductTracking, ProductTracking.product_id == StockMoveLine.product_id)
            .where(StockMoveLine.move_id.in_(move_ids)).order_by(StockMoveLine.move_id, StockMoveLine.id)):
        summary = summaries[move_id]
        summary.products.append(product.display_name)
        summary.quantity += quantity
        if tracking == "serial":
            summary.scanned, summary.needed = summary.scanned + scanned, summary.needed + int(quantity)
    return summaries
