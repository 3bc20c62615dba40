"""``/api/v1/invoices``: the invoicing services over HTTP (see ../shared/spec/api-v1.md)."""
from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy.orm import selectinload

from erp_core import records
from erp_core.api import ApiModel, ApiRoutes, Id, ListQuery, Number, Page, paginate, reject_nulls, without_paging
from erp_core.csvfiles import csv_response
from erp_core.text import Text
from erp_core.auth import api_user
from erp_core.services import get_or_404

from . import services
from .models import DESCRIPTION_MAX, Invoice, InvoiceState, InvoiceType

routes = ApiRoutes("invoicing")



class LineIn(ApiModel):
    product_id: Id | None = None
    description: Text | None = Field(None, max_length=DESCRIPTION_MAX)
    quantity: Number
    unit_price: Number
    tax_rate: Number | None = Field(None, description="Percent: 21 means 21%.")


class InvoiceIn(ApiModel):
    type: InvoiceType
    partner_id: Id | None = Field(description="Required to post; a draft may be saved without one (null).")
    invoice_date: date | None = Field(None, description="Defaults to today (UTC).")
    reversed_invoice_id: Id | None = Field(None, description="For a refund: the posted document it refunds.")
    lines: list[LineIn]


class InvoicePatch(ApiModel):
    """Only the fields sent change; ``lines`` replaces every line."""

    type: InvoiceType | None = None
    partner_id: Id | None = None
    invoice_date: date | None = None
    reversed_invoice_id: Id | None = None
    lines: list[LineIn] | None = None


class LineOut(BaseModel):
    id: int
    product_id: int | None
    description: str
    quantity: float
    unit_price: float
    tax_rate: float | None
    subtotal: float


class InvoiceOut(BaseModel):
    id: int
    type: InvoiceType
    state: InvoiceState
    number: str | None
    partner_id: int | None
    invoice_date: date
    reversed_invoice_id: int | None
    lines: list[LineOut]
    amount_untaxed: float
    amount_tax: float
    total: float


class InvoiceQuery(ListQuery):
    type: InvoiceType | None = None
    state: InvoiceState | None = None
    partner_id: Id | None = None
    q: Text | None = Field(None, max_length=200, description="Part of the number or of the partner's name")
    date_from: date | None = Field(None, description="Invoice date on or after (YYYY-MM-DD)")
    date_to: date | None = Field(None, description="Invoice date on or before (YYYY-MM-DD)")


def invoice_out():
    """InvoiceOut with the fields other addons add to invoices."""
    return records.extended_schema(InvoiceOut, Invoice)


def invoice_to_dict(invoice: Invoice, added: dict[int, dict] | None = None) -> dict:
    """``added``: the fields other addons add, from ``records.extra_values`` when answering many invoices."""
    if added is None:
        added = records.extra_values(Invoice, [invoice])
    return {
        "id": invoice.id, "type": invoice.type, "state": invoice.state, "number": invoice.number,
        "partner_id": invoice.partner_id, "invoice_date": invoice.invoice_date,
        "reversed_invoice_id": invoice.reversed_invoice_id,
        "lines": [{"id": line.id, "product_id": line.product_id, "description": line.description, "quantity": line.quantity,
                   "unit_price": line.unit_price, "tax_rate": line.tax_rate, "subtotal": line.subtotal} for line in invoice.lines],
        "amount_untaxed": invoice.amount_untaxed, "amount_tax": invoice.amount_tax, "total": invoice.total,
        **added[invoice.id],
    }


def _invoice(invoice_id: int) -> Invoice:
    return get_or_404(Invoice, invoice_id, "invoice")


@routes.route("/invoices", summary="List invoices, bills and refunds (newest first)", query=InvoiceQuery, response=lambda: Page[invoice_out()])
def list_invoices(query: InvoiceQuery):
    filters = query.model_dump(exclude={"limit", "offset", "type"})
    stmt = services.search_invoices(types=(query.type,) if query.type else (), **filters).options(selectinload(Invoice.lines))
    page = paginate(stmt, lambda invoice: invoice, query)
    added = records.extra_values(Invoice, page["items"])  # one load per addon for the page, not one per invoice
    page["items"] = [invoice_to_dict(invoice, added) for invoice in page["items"]]
    return page


InvoiceFilters = without_paging(InvoiceQuery)


@routes.route("/invoices.csv", summary="The documents GET /invoices lists, with the same filters, as a CSV file: one row per "
              "document with its partner and amounts (streamed)", query=InvoiceFilters, produces="text/csv")
def export_invoices(query: InvoiceFilters):
    filters = query.model_dump(exclude={"type"})
    return csv_response(services.invoices_export(types=(query.type,) if query.type else (), **filters))


@routes.route("/invoices", "POST", summary="Create a draft invoice, bill or refund", permission="invoice.write",
              body=InvoiceIn, response=invoice_out, status=201)
def create_invoice(body: InvoiceIn):
    return invoice_to_dict(services.create_invoice(body.model_dump(), api_user()))


@routes.route("/invoices/<int:invoice_id>", summary="One invoice with its lines (and the fields other addons add)", response=invoice_out)
def get_invoice(invoice_id: int):
    return invoice_to_dict(_invoice(invoice_id))


@routes.route("/invoices/<int:invoice_id>", "PATCH", summary="Change a draft (409 once posted); lines, when sent, replace all lines",
              permission="invoice.write", body=InvoicePatch, response=invoice_out)
def update_invoice(invoice_id: int, body: InvoicePatch):
    invoice = _invoice(invoice_id)
    changes = body.model_dump(exclude_unset=True)
    reject_nulls(changes, ("type", "invoice_date", "lines"))
    return invoice_to_dict(services.update_invoice(invoice, changes, api_user()))


@routes.route("/invoices/<int:invoice_id>", "DELETE", summary="Delete a draft (409 once posted); answers the deleted draft",
              permission="invoice.write", response=invoice_out)
def delete_invoice(invoice_id: int):
    invoice = _invoice(invoice_id)
    body = invoice_to_dict(invoice)
    services.delete_invoice(invoice, api_user())
    return body


@routes.route("/invoices/<int:invoice_id>/post", "POST", summary="Post a draft: check it, number it, let addons react (422 lists every problem)",
              permission="invoice.post", response=invoice_out)
def post_invoice(invoice_id: int):
    return invoice_to_dict(services.post_invoice(_invoice(invoice_id), api_user()))


@routes.route("/invoices/<int:invoice_id>/cancel", "POST", summary="Cancel a posted document (409 when an addon refuses, e.g. goods moved)",
              permission="invoice.cancel", response=invoice_out)
def cancel_invoice(invoice_id: int):
    return invoice_to_dict(services.cancel_invoice(_invoice(invoice_id), api_user()))


@routes.route("/invoices/<int:invoice_id>/refund", "POST", summary="Create a draft refund of a posted bill or invoice, lines copied",
              permission="invoice.write", response=invoice_out, status=201)
def refund_invoice(invoice_id: int):
    return invoice_to_dict(services.create_refund(_invoice(invoice_id), api_user()))
