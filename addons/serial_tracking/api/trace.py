"""Traceability over HTTP: a unit's documents upstream and downstream, the units a document
carried or a customer holds, and an invoice's recall."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from erp_addons.invoicing.models import Invoice
from erp_core.api import ListQuery, Page, paginate
from erp_core.models import Partner
from erp_core.services import get_or_404

from .. import services
from . import routes
from .serials import SerialOut, serial_to_dict

When = datetime | date | None  # an alias: the field below is called ``date``


class TraceDocument(BaseModel):
    kind: Literal["invoice", "move"]
    id: int
    reference: str | None = Field(description="The move's reference or the invoice's number.")
    partner: str | None
    date: When = Field(description="When the move was done; the invoice's date.")


class SerialTrace(BaseModel):
    serial: SerialOut
    upstream: list[TraceDocument] = Field(description="The documents the unit came in on: receipts, internal moves, "
                                                     "returns from customers, with their bills and refunds, oldest first.")
    downstream: list[TraceDocument] = Field(description="The documents it went out on: deliveries, returns to vendors, "
                                                       "scrap, with their invoices, oldest first.")


class RecallDocument(TraceDocument):
    serials: list[str] = Field(description="The units this document shares with the invoice.")


class InvoiceTrace(BaseModel):
    upstream: list[RecallDocument] = Field(description="Where the invoice's units came from: for a customer invoice, "
                                                       "the receipts and vendor bills they came in on.")
    downstream: list[RecallDocument] = Field(description="Where they went afterwards: for a vendor bill, the deliveries, "
                                                         "invoices and customers that got them.")


class HeldQuery(ListQuery):
    held: Literal["now", "before"] = Field("now", description="now: delivered to this customer and still there; "
                                                               "before: delivered to them, later returned.")


@routes.route("/serials/<int:serial_id>/trace", summary="The documents a unit came in on and went out on", response=SerialTrace)
def serial_trace(serial_id: int):
    serial = services.get_serial(serial_id)
    return {"serial": serial_to_dict(serial), **services.serial_trace(serial)}


@routes.route("/partners/<int:partner_id>/serials", summary="The units a customer holds now, or held before",
              query=HeldQuery, response=Page[SerialOut])
def partner_serials(partner_id: int, query: HeldQuery):
    partner = get_or_404(Partner, partner_id, "partner")
    return paginate(services.partner_serials_stmt(partner.id, query.held), serial_to_dict, query)


@routes.route("/invoices/<int:invoice_id>/serials", summary="The units the done moves of an invoice carried",
              query=ListQuery, response=Page[SerialOut])
def invoice_serials(invoice_id: int, query: ListQuery):
    invoice = get_or_404(Invoice, invoice_id, "invoice")
    return paginate(services.document_serials_stmt(invoice_id=invoice.id), serial_to_dict, query)


@routes.route("/invoices/<int:invoice_id>/trace", summary="A recall: the documents and partners an invoice's units went "
              "through before and after it", response=InvoiceTrace)
def invoice_trace(invoice_id: int):
    return services.invoice_trace(get_or_404(Invoice, invoice_id, "invoice"))
