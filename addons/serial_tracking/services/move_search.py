"""Finding stock moves: the filters of the move list, shared by its page, the API and the exports,
so that an export holds exactly what the list shows."""
from __future__ import annotations

from sqlalchemy import or_, select

from erp_core.models import Partner

from ..models import StockMove


def search_moves(state: str | None = None, type: str | None = None, invoice_id: int | None = None, q: str | None = None):
    """A select of moves, newest first; ``q`` is part of the reference or of the partner's name."""
    stmt = select(StockMove).order_by(StockMove.id.desc())
    for column, value in ((StockMove.state, state), (StockMove.type, type), (StockMove.invoice_id, invoice_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if q and q.strip():
        partner_ids = select(Partner.id).where(Partner.name.icontains(q.strip(), autoescape=True))
        stmt = stmt.where(or_(StockMove.reference.icontains(q.strip(), autoescape=True), StockMove.partner_id.in_(partner_ids)))
    return stmt
