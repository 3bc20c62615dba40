"""The stock side of an invoice's page: making its stock move again for what no move covers."""
from __future__ import annotations

from erp_addons.invoicing.models import Invoice
from flask import flash, redirect, url_for

from erp_core.auth import acting_user, requires
from erp_core.forms import ErpForm, format_number
from erp_core.services import get_or_404
from erp_core.web import perform

from .. import services
from . import bp


@bp.post("/invoices/<int:invoice_id>/stock_moves")
@requires("move.recreate")
def invoice_move_recreate(invoice_id: int):
    invoice = get_or_404(Invoice, invoice_id, "invoice")
    if ErpForm().validate_on_submit():
        move = perform(services.recreate_invoice_move, invoice, acting_user())
        if move is not None:
            carried = ", ".join(f"{format_number(line.quantity)} × {line.product.display_name}" for line in move.lines)
            flash(f"{move.reference} created for {carried}.", "success")
    return redirect(url_for("invoicing.document", invoice_id=invoice.id))
