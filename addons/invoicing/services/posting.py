"""Posting and cancelling: posting checks a draft, numbers it and lets other addons react in the
same transaction; cancelling asks those addons first."""
from __future__ import annotations

from datetime import date

from flask import current_app

from erp_core import audit
from erp_core.database import db, utcnow
from erp_core.errors import InvalidState, raise_if_problems
from erp_core.forms import format_number
from erp_core.services import next_sequence_value

from ..models import NUMBER_PREFIXES, Invoice
from .amounts import problem
from .documents import date_problems, invoice_values, lock, refunds_of, require_draft, reversed_invoice_problems


def _hook():
    return current_app.extensions["erp"].hook


def posting_problems(invoice: Invoice) -> list[dict]:
    """Every reason ``invoice`` cannot be posted as it is (empty when it can)."""
    problems = []
    if invoice.partner_id is None:
        problems.append(problem("partner_id", "partner_required", "Choose a partner."))
    if not invoice.lines:
        problems.append(problem("lines", "no_lines", "Add at least one line."))
    for index, line in enumerate(invoice.lines):
        prefix, label, ids = f"lines.{index}.", f"Line {index + 1}", {"line_id": line.id}
        if line.product_id is None and not line.description.strip():
            problems.append(problem(prefix + "description", "description_required", f"{label}: choose a product or describe the line.", **ids))
        if line.quantity <= 0:
            problems.append(problem(prefix + "quantity", "quantity_not_positive", f"{label}: the quantity must be more than zero.", **ids))
        if line.unit_price < 0:
            problems.append(problem(prefix + "unit_price", "negative_price", f"{label}: the unit price cannot be negative.", **ids))
        if line.tax_rate is not None and not 0 <= line.tax_rate <= 100:
            problems.append(problem(prefix + "tax_rate", "invalid_tax_rate", f"{label}: the tax rate is a percent between 0 and 100.", **ids))
    problems += reversed_invoice_problems(invoice_values(invoice)) + date_problems(invoice.invoice_date) + refund_problems(invoice)
    return problems


def refund_problems(refund: Invoice) -> list[dict]:
    """What a refund would take back beyond what its document had: per product, the quantities of
    every posted refund of that document with this one stay within the document's, and so do the
    totals. The document is locked first, so refunds of it posted at the same moment take turns."""
    if refund.reversed_invoice_id is None:
        return []
    original = lock(db.session.get(Invoice, refund.reversed_invoice_id))
    posted = [r for r in refunds_of(original) if r.state == "posted" and r.id != refund.id]
    bought = _quantities(original.lines)
    refunded = _quantities(line for r in posted for line in r.lines)
    problems = []
    for index, line in enumerate(refund.lines):
        if line.product_id is None:
            continue
        left = bought.get(line.product_id, 0) - refunded.get(line.product_id, 0)
        if line.quantity > left:
            refunded[line.product_id] = refunded.get(line.product_id, 0) + line.quantity
            problems.append(problem(f"lines.{index}.quantity", "refund_exceeds_invoice",
                                    f"Line {index + 1}: {original.display_name} had {format_number(bought.get(line.product_id, 0))} of "
                                    f"this product and {format_number(max(left, 0))} can still be refunded.", line_id=line.id))
    left_total = original.total - sum((r.total for r in posted), 0)
    if refund.total > left_total:
        problems.append(problem("lines", "refund_exceeds_invoice",
                                f"{original.display_name} totals {format_number(original.total, 2)} and {format_number(max(left_total, 0), 2)} "
                                f"of it can still be refunded; this refund is {format_number(refund.total, 2)}."))
    return problems


def _quantities(lines) -> dict[int, object]:
    found: dict[int, object] = {}
    for line in lines:
        if line.product_id is not None:
            found[line.product_id] = found.get(line.product_id, 0) + line.quantity
    return found


def document_number(invoice_type: str, invoice_date: date, value: int) -> str:
    return f"{NUMBER_PREFIXES[invoice_type]}/{invoice_date.year}/{value:04d}"


def post_invoice(invoice: Invoice, user=None) -> Invoice:
    """Draft → posted: check, number (per type and year of the invoice date), then let the addons
    react. If a reaction fails, the caller's rollback returns the number and keeps the draft."""
    require_draft(lock(invoice), "posted")
    problems = posting_problems(invoice)
    raise_if_problems(problems, f"{invoice.display_name} cannot be posted: fix the {len(problems)} problem{'s' if len(problems) > 1 else ''} listed.")
    value = next_sequence_value(f"invoice.{invoice.type}.{invoice.invoice_date.year}")
    invoice.number = document_number(invoice.type, invoice.invoice_date, value)
    invoice.state = "posted"
    invoice.posted_at = utcnow()
    db.session.flush()
    _hook().invoicing_invoice_posted(invoice=invoice, user=user)
    audit.record("post", "invoice", invoice.id, user, number=invoice.number)
    db.session.flush()
    return invoice


def cancel_refusals(invoice: Invoice) -> list[str]:
    """Why the posted ``invoice`` cannot be cancelled (empty when it can): a posted refund of it, or
    what an addon says (its goods moved, for example)."""
    refunded = [r.display_name for r in refunds_of(invoice) if r.state == "posted"]
    reasons = [f"{invoice.display_name} has a posted refund ({', '.join(refunded)}); a refunded document stays as it is."] if refunded else []
    return reasons + [r for r in _hook().invoicing_invoice_cancel_refusal(invoice=invoice) if r]


def cancel_invoice(invoice: Invoice, user=None) -> Invoice:
    """Posted → cancelled, unless an addon refuses (goods already moved, for example)."""
    lock(invoice)
    if invoice.state != "posted":
        hint = " Delete the draft instead." if invoice.state == "draft" else ""
        raise InvalidState(f"{invoice.display_name} is {invoice.state}: only posted documents can be cancelled.{hint}")
    reasons = cancel_refusals(invoice)
    if reasons:
        raise InvalidState(" ".join(reasons) if len(reasons) == 1 else f"{invoice.display_name} cannot be cancelled: {' '.join(reasons)}",
                           [{"code": "cancel_refused", "message": reason} for reason in reasons])
    invoice.state = "cancelled"
    db.session.flush()
    _hook().invoicing_invoice_cancelled(invoice=invoice, user=user)
    audit.record("cancel", "invoice", invoice.id, user)
    db.session.flush()
    return invoice
