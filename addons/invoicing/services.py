"""Rules of invoicing documents: drafts are edited freely, posting checks them, numbers them and
lets other addons react in the same transaction, cancelling asks those addons first.
Services never commit; the API request, web action or CLI command commits or rolls back."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import current_app
from sqlalchemy import or_, select

from erp_core.database import db, utcnow
from erp_core.errors import DomainError, InvalidState, raise_if_problems
from erp_core.models import Partner, Product
from erp_core.services import next_sequence_value

from .models import INVOICE_TYPES, NUMBER_PREFIXES, TYPE_LABELS, Invoice, InvoiceLine

CENT = Decimal("0.01")
REFUND_TYPES = {"vendor_bill": "vendor_refund", "customer_invoice": "customer_refund"}
# Digits after the point each line value may carry, and the largest magnitude: the columns' scale
# and precision, so a value is either stored exactly or refused (never silently rounded).
LINE_NUMBERS = {"quantity": (3, Decimal("1e12")), "unit_price": (4, Decimal("1e11")), "tax_rate": (3, Decimal("1000"))}
MAX_AMOUNT = Decimal("1e13")  # amounts are NUMERIC(16, 2)
LINE_KEYS = ("product_id", "description", "quantity", "unit_price", "tax_rate")


def _hook():
    return current_app.extensions["erp"].hook


def today() -> date:
    return datetime.now(timezone.utc).date()


# ---------------------------------------------------------------- amounts


def round_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Amounts:
    subtotals: list[Decimal]
    untaxed: Decimal
    tax: Decimal
    total: Decimal


def compute_amounts(lines: list[dict]) -> Amounts:
    """Each line's subtotal is rounded to cents; the tax is summed over the lines and rounded once.
    static/invoice_form.js computes the same way so the totals shown while typing match."""
    subtotals = [round_cents(Decimal(line["quantity"]) * Decimal(line["unit_price"])) for line in lines]
    untaxed = sum(subtotals, Decimal("0.00"))
    tax = round_cents(sum((s * Decimal(line["tax_rate"] or 0) / 100 for s, line in zip(subtotals, lines)), Decimal("0")))
    return Amounts(subtotals, untaxed, tax, untaxed + tax)


# ---------------------------------------------------------------- drafts


def _problem(field: str, code: str, message: str, **extra) -> dict:
    return {"field": field, "code": code, "message": message, **extra}


def _check_number(value: Decimal | None, field: str, label: str, places: int, limit: Decimal) -> list[dict]:
    if value is None:
        return []
    if abs(value) >= limit:
        return [_problem(field, "too_large", f"{label} must be smaller than {limit:,.0f}.")]
    if value != value.quantize(Decimal(1).scaleb(-places)):
        return [_problem(field, "too_precise", f"{label} may have at most {places} digits after the decimal point.")]
    return []


def _reversed_invoice_problems(values: dict) -> list[dict]:
    reversed_id = values.get("reversed_invoice_id")
    if reversed_id is None:
        return []
    original = db.session.get(Invoice, reversed_id)
    field = "reversed_invoice_id"
    if original is None:
        return [_problem(field, "unknown_invoice", f"There is no invoice with id {reversed_id}.")]
    expected = REFUND_TYPES.get(original.type)
    if expected is None:
        return [_problem(field, "refund_type_mismatch", f"{original.display_name} is itself a refund; refund the original document instead.")]
    if values["type"] != expected:
        return [_problem(field, "refund_type_mismatch",
                         f"{original.display_name} is a {original.type_label.lower()}; only a {TYPE_LABELS[expected].lower()} can refund it.")]
    problems = []
    if original.state != "posted":
        problems.append(_problem(field, "reversed_invoice_not_posted", f"Only a posted document can be refunded; {original.display_name} is {original.state}."))
    if values.get("partner_id") is not None and values["partner_id"] != original.partner_id:
        problems.append(_problem(field, "refund_partner_mismatch",
                                 f"A refund goes to the partner of the document it refunds ({original.partner.name})."))
    return problems


def _draft_problems(values: dict) -> list[dict]:
    """What makes a draft impossible to store: unknown references and values the columns cannot hold.
    Business rules (positive quantities...) wait for posting, so a draft can be saved half-done."""
    problems = []
    if values.get("partner_id") is not None and db.session.get(Partner, values["partner_id"]) is None:
        problems.append(_problem("partner_id", "unknown_partner", f"There is no partner with id {values['partner_id']}."))
    problems += _reversed_invoice_problems(values)
    product_ids = {line["product_id"] for line in values["lines"] if line.get("product_id") is not None}
    known = set(db.session.scalars(select(Product.id).where(Product.id.in_(product_ids)))) if product_ids else set()
    for index, line in enumerate(values["lines"]):
        prefix, label = f"lines.{index}.", f"Line {index + 1}"
        if line.get("product_id") is not None and line["product_id"] not in known:
            problems.append(_problem(prefix + "product_id", "unknown_product", f"{label}: there is no product with id {line['product_id']}."))
        if len(line.get("description") or "") > 500:
            problems.append(_problem(prefix + "description", "too_long", f"{label}: keep the description under 500 characters."))
        for key, (places, limit) in LINE_NUMBERS.items():
            problems += _check_number(line.get(key), prefix + key, f"{label}: the {key.replace('_', ' ')}", places, limit)
    return problems


def _amount_problems(amounts: Amounts) -> list[dict]:
    too_large = [_problem(f"lines.{index}", "amount_too_large", f"Line {index + 1}: the subtotal must be smaller than {MAX_AMOUNT:,.0f}.")
                 for index, subtotal in enumerate(amounts.subtotals) if abs(subtotal) >= MAX_AMOUNT]
    if not too_large and max(abs(amounts.untaxed), abs(amounts.total)) >= MAX_AMOUNT:
        too_large.append(_problem("lines", "amount_too_large", f"The total must be smaller than {MAX_AMOUNT:,.0f}."))
    return too_large


def _write(invoice: Invoice, values: dict, replace_lines: bool = True) -> Invoice:
    """Store ``values`` (every invoice key) and, when ``replace_lines``, put ``values["lines"]`` in
    place of the old lines (which keep their ids otherwise)."""
    if values.get("type") not in INVOICE_TYPES:
        raise_if_problems([_problem("type", "invalid_choice", f"Choose one of {', '.join(INVOICE_TYPES)}.")], "The document type is unknown.")
    raise_if_problems(_draft_problems(values), f"The {TYPE_LABELS[values['type']].lower()} cannot be saved: fix the fields listed.")
    if replace_lines:
        lines = [{key: line.get(key) for key in LINE_KEYS} for line in values["lines"]]
        amounts = compute_amounts(lines)
        raise_if_problems(_amount_problems(amounts), "The amounts are too large to be stored; check the quantities and prices.")
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


def _lock(invoice: Invoice) -> Invoice:
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


def create_invoice(values: dict[str, Any]) -> Invoice:
    """A new draft. ``values``: type, partner_id, invoice_date (default today), reversed_invoice_id,
    lines [{product_id, description, quantity, unit_price, tax_rate}]."""
    return _write(Invoice(state="draft"), {"lines": [], **values})


def update_invoice(invoice: Invoice, changes: dict[str, Any]) -> Invoice:
    """Change a draft; ``changes`` holds only the keys to change (``lines`` replaces every line)."""
    require_draft(_lock(invoice), "changed")
    return _write(invoice, {**invoice_values(invoice), **changes}, replace_lines="lines" in changes)


def delete_invoice(invoice: Invoice) -> Invoice:
    """Delete a draft; answers the (now deleted) draft."""
    require_draft(_lock(invoice), "deleted")
    db.session.delete(invoice)
    db.session.flush()
    return invoice


def create_refund(invoice: Invoice) -> Invoice:
    """A draft refund of a posted bill or invoice: same partner, lines copied (edit them for a partial refund)."""
    _lock(invoice)
    if invoice.type not in REFUND_TYPES:
        raise DomainError("not_refundable", f"{invoice.display_name} is already a refund; refund the original bill or invoice instead.")
    if invoice.state != "posted":
        raise InvalidState(f"{invoice.display_name} is {invoice.state}: only posted documents can be refunded.")
    values = invoice_values(invoice)
    return create_invoice({**values, "type": REFUND_TYPES[invoice.type], "invoice_date": today(), "reversed_invoice_id": invoice.id})


# ---------------------------------------------------------------- posting and cancelling


def posting_problems(invoice: Invoice) -> list[dict]:
    """Every reason ``invoice`` cannot be posted as it is (empty when it can)."""
    problems = []
    if invoice.partner_id is None:
        problems.append(_problem("partner_id", "partner_required", "Choose a partner."))
    if not invoice.lines:
        problems.append(_problem("lines", "no_lines", "Add at least one line."))
    for index, line in enumerate(invoice.lines):
        prefix, label, ids = f"lines.{index}.", f"Line {index + 1}", {"line_id": line.id}
        if line.product_id is None and not line.description.strip():
            problems.append(_problem(prefix + "description", "description_required", f"{label}: choose a product or describe the line.", **ids))
        if line.quantity <= 0:
            problems.append(_problem(prefix + "quantity", "quantity_not_positive", f"{label}: the quantity must be more than zero.", **ids))
        if line.unit_price < 0:
            problems.append(_problem(prefix + "unit_price", "negative_price", f"{label}: the unit price cannot be negative.", **ids))
        if line.tax_rate is not None and not 0 <= line.tax_rate <= 100:
            problems.append(_problem(prefix + "tax_rate", "invalid_tax_rate", f"{label}: the tax rate is a percent between 0 and 100.", **ids))
    problems += _reversed_invoice_problems(invoice_values(invoice))
    return problems


def document_number(invoice_type: str, invoice_date: date, value: int) -> str:
    return f"{NUMBER_PREFIXES[invoice_type]}/{invoice_date.year}/{value:04d}"


def post_invoice(invoice: Invoice) -> Invoice:
    """Draft → posted: check, number (per type and year of the invoice date), then let the addons
    react. If a reaction fails, the caller's rollback returns the number and keeps the draft."""
    require_draft(_lock(invoice), "posted")
    problems = posting_problems(invoice)
    raise_if_problems(problems, f"{invoice.display_name} cannot be posted: fix the {len(problems)} problem{'s' if len(problems) > 1 else ''} listed.")
    value = next_sequence_value(f"invoice.{invoice.type}.{invoice.invoice_date.year}")
    invoice.number = document_number(invoice.type, invoice.invoice_date, value)
    invoice.state = "posted"
    invoice.posted_at = utcnow()
    db.session.flush()
    _hook().invoicing_invoice_posted(invoice=invoice)
    db.session.flush()
    return invoice


def cancel_invoice(invoice: Invoice) -> Invoice:
    """Posted → cancelled, unless an addon refuses (goods already moved, for example)."""
    _lock(invoice)
    if invoice.state != "posted":
        hint = " Delete the draft instead." if invoice.state == "draft" else ""
        raise InvalidState(f"{invoice.display_name} is {invoice.state}: only posted documents can be cancelled.{hint}")
    reasons = [r for r in _hook().invoicing_invoice_cancel_refusal(invoice=invoice) if r]
    if reasons:
        raise InvalidState(" ".join(reasons) if len(reasons) == 1 else f"{invoice.display_name} cannot be cancelled: {' '.join(reasons)}",
                           [{"code": "cancel_refused", "message": reason} for reason in reasons])
    invoice.state = "cancelled"
    db.session.flush()
    _hook().invoicing_invoice_cancelled(invoice=invoice)
    db.session.flush()
    return invoice


def search_invoices(types: tuple[str, ...] = (), state: str | None = None, partner_id: int | None = None, q: str | None = None,
                    date_from: date | None = None, date_to: date | None = None):
    """A select of invoices, newest first, filtered; ``q`` is part of the number or of the partner's name."""
    stmt = select(Invoice).order_by(Invoice.invoice_date.desc(), Invoice.id.desc())
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
