"""The stock moves of invoices: a posted invoice makes its pending move, cancelling it cancels them,
and a done move forbids the cancellation."""
from __future__ import annotations

from erp_addons.invoicing.models import Invoice
from decimal import Decimal

from sqlalchemy import func, select

from erp_core.database import db
from erp_core.errors import DomainError, InvalidState, raise_if_problems

from ..models import StockMove, StockMoveLine
from .locations import location_of_usage, stock_location
from .moves import cancel_move, create_move, quantity_problems
from .products import product_tracking

INVOICE_MOVES = {  # invoice type: (move type, source, destination) where "stock" is the default stock location
    "vendor_bill": ("receipt", "vendor", "stock"),
    "customer_invoice": ("delivery", "stock", "customer"),
    "customer_refund": ("receipt", "customer", "stock"),
    "vendor_refund": ("delivery", "stock", "vendor"),
}


def create_invoice_move(invoice: Invoice, user=None) -> StockMove | None:
    """The pending move of a just-posted invoice: one line per storable product line."""
    lines = [(index, line) for index, line in enumerate(invoice.lines)
             if line.product is not None and line.product.type == "storable" and line.quantity > 0]
    if not lines:
        return None
    problems = [p for index, line in lines for p in quantity_problems(
        line.product, product_tracking(line.product_id).tracking, line.quantity, f"lines.{index}.quantity", f"Line {index + 1}", line_id=line.id)]
    raise_if_problems(problems, f"{invoice.draft_name} cannot be posted: " + "; ".join(p["message"] for p in problems))
    move_type, source, dest = INVOICE_MOVES[invoice.type]
    ends = [stock_location() if end == "stock" else location_of_usage(end) for end in (source, dest)]
    return create_move(move_type, ends[0].id, ends[1].id, [{"product_id": line.product_id, "quantity": line.quantity} for _, line in lines],
                       partner_id=invoice.partner_id, invoice_id=invoice.id, user=user)


def uncovered_quantities(invoice: Invoice) -> dict[int, Decimal]:
    """{product id: quantity} of the invoice's storable lines that no done or pending move of it
    covers (a move cancelled, or its rest dropped): what a new move of it would carry."""
    wanted: dict[int, Decimal] = {}
    for line in invoice.lines:
        if line.product is not None and line.product.type == "storable" and line.quantity > 0:
            wanted[line.product_id] = wanted.get(line.product_id, Decimal(0)) + line.quantity
    covered = dict(db.session.execute(
        select(StockMoveLine.product_id, func.sum(StockMoveLine.quantity)).join(StockMove, StockMove.id == StockMoveLine.move_id)
        .where(StockMove.invoice_id == invoice.id, StockMove.state.in_(("pending", "done"))).group_by(StockMoveLine.product_id)).all())
    return {product: quantity - covered.get(product, 0) for product, quantity in wanted.items() if quantity > covered.get(product, 0)}


def recreate_invoice_move(invoice: Invoice, user=None) -> StockMove:
    """A new pending move of a posted invoice for what none of its moves covers any more."""
    if invoice.state != "posted":
        raise InvalidState(f"{invoice.display_name} is {invoice.state}: only a posted document has stock moves.")
    uncovered = uncovered_quantities(invoice)
    if not uncovered:
        raise DomainError("nothing_to_move", f"Every storable line of {invoice.display_name} is on a done or pending move.",
                          [{"field": "stock_moves", "code": "nothing_to_move", "message": "Nothing is left to move."}])
    move_type, source, dest = INVOICE_MOVES[invoice.type]
    ends = [stock_location() if end == "stock" else location_of_usage(end) for end in (source, dest)]
    return create_move(move_type, ends[0].id, ends[1].id, [{"product_id": p, "quantity": q} for p, q in uncovered.items()],
                       partner_id=invoice.partner_id, invoice_id=invoice.id, user=user)


def invoice_stock_moves(invoices: list[Invoice]) -> dict[int, dict]:
    """The ``stock_moves`` field this addon adds to invoices, for a page of invoices in one query."""
    found: dict[int, dict] = {}
    for m in invoices_moves([invoice.id for invoice in invoices]):
        found.setdefault(m.invoice_id, {"stock_moves": []})["stock_moves"].append(
            {"id": m.id, "reference": m.reference, "type": m.type, "state": m.state})
    return found


def invoice_moves(invoice: Invoice) -> list[StockMove]:
    return invoices_moves([invoice.id])


def invoices_moves(invoice_ids: list[int]) -> list[StockMove]:
    return list(db.session.scalars(select(StockMove).where(StockMove.invoice_id.in_(invoice_ids)).order_by(StockMove.id)))


def invoice_cancel_refusal(invoice: Invoice) -> str | None:
    done = [move.reference for move in invoice_moves(invoice) if move.state == "done"]
    if not done:
        return None
    return (f"{invoice.display_name} cannot be cancelled: its stock move {', '.join(done)} is already done; "
            "record a refund to return the goods instead.")


def cancel_invoice_moves(invoice: Invoice, user=None) -> None:
    for move in invoice_moves(invoice):
        if move.state == "pending":
            cancel_move(move, user)
