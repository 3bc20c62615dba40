"""CSV exports of invoicing documents: the lists with their filters, one row per document with its
partner and amounts (the lines stay on the document's page and in the JSON API)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import aliased

from erp_core.csvfiles import CsvExport
from erp_core.models import Partner

from ..models import Invoice
from .documents import INVOICE_SORTING, search_invoices

INVOICE_COLUMNS = ("id", "number", "type", "state", "partner_id", "partner", "invoice_date", "reversed_invoice_id", "reversed_invoice",
                   "amount_untaxed", "amount_tax", "total", "created_at", "posted_at")


def invoices_export(types: tuple[str, ...] = (), state: str | None = None, partner_id: int | None = None, q: str | None = None,
                    date_from: date | None = None, date_to: date | None = None, name: str = "invoices", sort: str | None = None) -> CsvExport:
    """The documents ``search_invoices`` finds with these filters, in its order (newest first, or by ``sort``)."""
    refunded = aliased(Invoice, name="refunded")
    stmt = (select(Invoice.id, Invoice.number, Invoice.type, Invoice.state, Invoice.partner_id, Partner.name, Invoice.invoice_date,
                   Invoice.reversed_invoice_id, refunded.number, Invoice.amount_untaxed, Invoice.amount_tax, Invoice.total,
                   Invoice.created_at, Invoice.posted_at)
            .select_from(Invoice).outerjoin(Partner, Partner.id == Invoice.partner_id)
            .outerjoin(refunded, refunded.id == Invoice.reversed_invoice_id))
    listed = search_invoices(types, state, partner_id, q, date_from, date_to)
    if listed.whereclause is not None:
        stmt = stmt.where(listed.whereclause)
    stmt = stmt.order_by(*INVOICE_SORTING.order(sort))
    return CsvExport(f"{name}-{datetime.now(timezone.utc).date().isoformat()}.csv", INVOICE_COLUMNS, stmt)
