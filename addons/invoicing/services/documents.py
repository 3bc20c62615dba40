"""Invoicing documents while they are drafts: created, changed and deleted freely (a draft may be
half done), refunds made from posted documents, and searching them."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from erp_core import audit
from erp_core.database import db
from erp_core.errors import DomainError, InvalidState, raise_if_problems
from erp_core.models import Partner, Product
from erp_core.sorting import Sorting, related

from ..models import Invoice, InvoiceLine, InvoiceType
from .amounts import LINE_NUMBERS, amount_problems, compute_amounts, number_problems, problem

REFUND_TYPES = {"vendor_bill": "vendor_refund", "customer_invoice": "customer_refund"}
LINE_KEYS = ("product_id", "description", "quantity", "unit_price", "tax_rate")


def today() -> date:
    return datetime.now(timezone.utc).date()


def reversed_invoice_problems(values: dict) -> list[dict]:
    reversed_id = values.get("reversed_invoice_id")
    if reversed_id is None:
        return []
    original = db.session.get(Invoice, reversed_id)
    field = "reversed_invoice_id"
    if original is None:
        return [problem(field, "unknown_invoice", f"There is no invoice with id {reversed_id}.")]
    expected = REFUND_TYPES.get(original.type)
    if expected is None:
        return [problem(field, "refund_type_mismatch", f"{original.display_name} is itself a refund; refund the original document instead.")]
    if values["type"] != expected:
        return [problem(field, "refund_type_mismatch",
                         f"{original.display_name} is a {original.type_label.lower()}; only a {InvoiceType.label_of(expected).lower()} can refund it.")]
    problems = []
    if original.state != "posted":
        problems.append(problem(field, "reversed_invoice_not_posted", f"Only a posted document can be refunded; {original.display_name} is {original.state}."))
    if values.get("partner_id") is not None and values["partner_id"] != original.partner_id:
        problems.append(problem(field, "refund_partner_mismatch",
                                 f"A refund goes to the partner of the document it refunds ({original.partner.name})."))
    return problems


DATE_RANGE = timedelta(days=366)  # "a year away", leap years included


def date_problems(invoice_date: date | None) -> list[dict]:
    """An invoice date more than a year from today is a typo (2062 for 2026, 0001...)."""
    if invoice_date is None or abs(invoice_date - today()) <= DATE_RANGE:
        return []
    return [problem("invoice_date", "invalid_date", f"{invoice_date.isoformat()} is more than a year from today; check the year.")]


def _draft_problems(values: dict) -> list[dict]:
    """What makes a draft impossible to store: unknown references and values the columns cannot hold.
    Business rules (positive quantities...) wait for posting, so a draft can be saved half-done."""
    problems = []
    if values.get("partner_id") is not None and db.session.get(Partner, values["partner_id"]) is None:
        problems.append(problem("partner_id", "unknown_partner", f"There is no partner with id {values['partner_id']}."))
    problems += reversed_invoice_problems(values) + date_problems(values.get("invoice_date"))
    product_ids = {line["product_id"] for line in values["lines"] if line.get("product_id") is not None}
    known = set(db.session.scalars(select(Product.id).where(Product.id.in_(product_ids)))) if product_ids else set()
    for index, line in enumerate(values["lines"]):
        prefix, label = f"lines.{index}.", f"Line {index + 1}"
        if line.get("product_id") is not None and line["product_id"] not in known:
            problems.append(problem(prefix + "product_id", "unknown_product", f"{label}: there is no product with id {line['product_id']}."))
        if len(line.get("description") or "") > 500:
            problems.append(problem(prefix + "description", "too_long", f"{label}: keep the description under 500 characters."))
        for key, (places, limit, code) in LINE_NUMBERS.items():
            problems += number_problems(line.get(key), prefix + key, f"{label}: the {key.replace('_', ' ')}", places, limit, code)
    return problems


def _write(invoice: Invoice, values: dict, replace_lines: bool = True) -> Invoice:
    """Store ``values`` (every invoice key) and, when ``replace_lines``, put ``values["lines"]`` in
    place of the old lines (which keep their ids otherwise)."""
    if values.get("type") not in InvoiceType.values():
        raise_if_problems([problem("type", "invalid_choice", f"Choose one of {', '.join(InvoiceType.values())}.")], "The document type is unknown.")
    raise_if_problems(_draft_problems(values), f"The {InvoiceType.label_of(values['type']).lower()} cannot be saved: fix the fields listed.")
    if replace_lines:
        lines = [{key: line.get(key) for key in LINE_KEYS} for line in values["lines"]]
        amounts = compute_amounts(lines)
        raise_if_problems(amount_problems(amounts), "The amounts are too large to be stored; check the quantities and prices.")
    invoice.type = values["type"]
    invoice.partner_id = values.get("partner_id")
    invoice.invoice_date = values.get("invoice_date") or today()
    invoice.reversed_invoice_id = values.get("reversed_invoice_id")
    if replace_lines:
        products = {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_({l["product_id"] for l in lines} - {None})))}
        invoice.lines = [
            InvoiceLine(sequence=index, product_id=line["product_id"], quantity=line["quantity"], unit_price=line["unit_price"],
                        tax_rate=line["tax_rate"], subtotal=subtotal,
                        # A product line without its own wording reads as the product's name, as on paper.
                        description=(line["description"] or "").strip() or (products[line["product_id"]].display_name if line["product_id"] else ""))
            for index, (line, subtotal) in enumerate(zip(lines, amounts.subtotals))
        ]
        invoice.amount_untaxed, invoice.amount_tax, invoice.total = amounts.untaxed, amounts.tax, amounts.total
    db.session.add(invoice)
    db.session.flush()
    return invoice


def lock(invoice: Invoice) -> Invoice:
    """Re-read ``invoice`` and hold its row until the transaction ends, so two people acting on the
    same document at the same moment take turns and the second one sees the first one's result."""
    db.session.refresh(invoice, with_for_update=True)
    return invoice


def require_draft(invoice: Invoice, doing: str) -> None:
    if invoice.state != "draft":
        hint = " Create a refund to correct it." if invoice.state == "posted" and invoice.type in REFUND_TYPES else ""
        raise InvalidState(f"{invoice.display_name} is {invoice.state}: only drafts can be {doing}.{hint}")


def invoice_values(invoice: Invoice) -> dict:
    """The editable values of ``invoice``, in the shape ``create_invoice`` and ``update_invoice`` take."""
    return {
        "type": invoice.type, "partner_id": invoice.partner_id, "invoice_date": invoice.invoice_date,
        "reversed_invoice_id": invoice.reversed_invoice_id,
        "lines": [{key: getattr(line, key) for key in LINE_KEYS} for line in invoice.lines],
    }


def create_invoice(values: dict[str, Any], user=None) -> Invoice:
    """A new draft. ``values``: type, partner_id, invoice_date (default today), reversed_invoice_id,
    lines [{product_id, description, quantity, unit_price, tax_rate}]."""
    invoice = _write(Invoice(state="draft"), {"lines": [], **values})
    audit.record("create", "invoice", invoice.id, user, type=invoice.type, total=invoice.total)
    return invoice


def update_invoice(invoice: Invoice, changes: dict[str, Any], user=None) -> Invoice:
    """Change a draft; ``changes`` holds only the keys to change (``lines`` replaces every line)."""
    require_draft(lock(invoice), "changed")
    _write(invoice, {**invoice_values(invoice), **changes}, replace_lines="lines" in changes)
    audit.record("edit", "invoice", invoice.id, user, fields=sorted(changes), total=invoice.total)
    return invoice


def delete_invoice(invoice: Invoice, user=None) -> Invoice:
    """Delete a draft; answers the (now deleted) draft."""
    require_draft(lock(invoice), "deleted")
    audit.record("delete", "invoice", invoice.id, user, type=invoice.type)
    db.session.delete(invoice)
    db.session.flush()
    return invoice


def create_refund(invoice: Invoice, user=None) -> Invoice:
    """A draft refund of a posted bill or invoice: same partner, lines copied (edit them for a partial refund)."""
    lock(invoice)
    if invoice.type not in REFUND_TYPES:
        raise DomainError("not_refundable", f"{invoice.display_name} is already a refund; refund the original bill or invoice instead.")
    if invoice.state != "posted":
        raise InvalidState(f"{invoice.display_name} is {invoice.state}: only posted documents can be refunded.")
    values = invoice_values(invoice)
    return create_invoice({**values, "type": REFUND_TYPES[invoice.type], "invoice_date": today(), "reversed_invoice_id": invoice.id},
                          user)


# The invoice lists' sortable columns (their pages and their CSV exports).
INVOICE_SORTING = Sorting({"number": Invoice.number, "partner": related(Partner, func.lower(Partner.name), Invoice.partner_id),
                           "date": Invoice.invoice_date, "type": Invoice.type, "state": Invoice.state, "total": Invoice.total},
                          default=(Invoice.invoice_date.desc(), Invoice.id.desc()), tiebreak=(Invoice.id.desc(),))


def oldest_drafts(limit: int = 5) -> list[Invoice]:
    """The drafts waiting longest to be posted, with their partners."""
    return db.session.scalars(select(Invoice).where(Invoice.state == "draft").options(selectinload(Invoice.partner))
                              .order_by(Invoice.created_at, Invoice.id).limit(limit)).all()


def search_invoices(types: tuple[str, ...] = (), state: str | None = None, partner_id: int | None = None, q: str | None = None,
                    date_from: date | None = None, date_to: date | None = None, sort: str | None = None):
    """A select of invoices, filtered, newest first unless ``sort`` says otherwise; ``q`` is part
    of the number or of the partner's name."""
    stmt = select(Invoice).order_by(*INVOICE_SORTING.order(sort))
    if types:
        stmt = stmt.where(Invoice.type.in_(types))
    if state:
        stmt = stmt.where(Invoice.state == state)
    if partner_id:
        stmt = stmt.where(Invoice.partner_id == partner_id)
    if q and q.strip():
        partner_ids = select(Partner.id).where(Partner.name.icontains(q.strip(), autoescape=True))
        stmt = stmt.where(or_(Invoice.number.icontains(q.strip(), autoescape=True), Invoice.partner_id.in_(partner_ids)))
    if date_from:
        stmt = stmt.where(Invoice.invoice_date >= date_from)
    if date_to:
        stmt = stmt.where(Invoice.invoice_date <= date_to)
    return stmt


def refunds_of(invoice: Invoice) -> list[Invoice]:
    return list(db.session.scalars(select(Invoice).where(Invoice.reversed_invoice_id == invoice.id).order_by(Invoice.id)))
