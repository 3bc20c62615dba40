"""Trace pages: the units a customer holds now or held before, and an invoice's units with where
they came from and where they went (a recall). The queries are ``services.trace``'s."""
from __future__ import annotations

from flask import render_template, request

from erp_addons.invoicing.models import Invoice
from erp_core.models import Partner
from erp_core.services import get_or_404
from erp_core.web import PAGE_SIZE, page_of

from .. import services
from . import bp

HELD = {"now": "Holds now", "before": "Held before"}


@bp.route("/partners/<int:partner_id>/serials")
def partner_serials(partner_id: int):
    partner = get_or_404(Partner, partner_id, "partner")
    held = request.args.get("held") if request.args.get("held") in HELD else "now"
    page, total, rows = page_of(services.partner_serials_stmt(partner.id, held))
    return render_template("serial_tracking/partner_serials.html", partner=partner, held=held, tabs=HELD, serials=rows,
                           page=page, total=total, page_size=PAGE_SIZE, warranty=services.warranty)


@bp.route("/invoices/<int:invoice_id>/trace")
def invoice_trace(invoice_id: int):
    invoice = get_or_404(Invoice, invoice_id, "invoice")
    page, total, rows = page_of(services.document_serials_stmt(invoice_id=invoice.id))
    return render_template("serial_tracking/invoice_trace.html", invoice=invoice, trace=services.invoice_trace(invoice), serials=rows,
                           page=page, total=total, page_size=PAGE_SIZE, warranty=services.warranty)
