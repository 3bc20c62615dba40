"""The stock side of invoices over HTTP: making a posted invoice's move again when its move was cancelled."""
from __future__ import annotations

from erp_addons.invoicing.api import invoice_out, invoice_to_dict
from erp_addons.invoicing.models import Invoice
from erp_core.auth import api_user
from erp_core.services import get_or_404

from .. import services
from . import routes


@routes.route("/invoices/<int:invoice_id>/stock_moves", "POST", summary="Create a pending stock move for what no done or pending "
              "move of the posted invoice covers (its move was cancelled, or its rest dropped)", permission="move.recreate",
              response=invoice_out, status=201)
def recreate_stock_move(invoice_id: int):
    invoice = get_or_404(Invoice, invoice_id, "invoice")
    services.recreate_invoice_move(invoice, api_user())
    return invoice_to_dict(invoice)
