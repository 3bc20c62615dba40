"""Invoicing pages: lists of bills, invoices and refunds, the document form with its line editor,
and the detail page with its actions and the panels other addons add."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import DateField, FieldList, Form, FormField, StringField
from wtforms.validators import InputRequired, Length, Optional

from erp_core.activity import record_activity
from erp_core.auth import acting_user, authorize
from erp_core.csvfiles import csv_response
from erp_core.database import db
from erp_core.errors import InvalidState, NotFound
from erp_core.forms import ErpForm, ErrorPlaces, NumberField
from erp_core.pickers import PickerField
from erp_core.services import get_or_404
from erp_core.web import PAGE_SIZE, detail_panels, flash_error, page_of, perform

from . import services
from .models import Invoice, InvoiceLine, InvoiceState, InvoiceType

bp = Blueprint("invoicing", __name__, url_prefix="/invoicing", template_folder="templates", static_folder="static")

# The three lists of the Invoicing menu: endpoint → (title, document types shown).
LISTS = {
    "vendor_bills": ("Vendor Bills", ("vendor_bill",)),
    "customer_invoices": ("Customer Invoices", ("customer_invoice",)),
    "refunds": ("Refunds", ("vendor_refund", "customer_refund")),
}
LIST_OF_TYPE = {t: name for name, (_, types) in LISTS.items() for t in types}


# ---------------------------------------------------------------- lists


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def list_filters(kind: str) -> dict:
    """The filters and sort of one of the lists from the query string (what its search form and headers send)."""
    types = LISTS[kind][1]
    chosen_type = request.args.get("type") if request.args.get("type") in types else None
    return {"types": (chosen_type,) if chosen_type else types,
            "state": request.args.get("state") if request.args.get("state") in InvoiceState.values() else None,
            "q": request.args.get("q"), "date_from": _date_arg("date_from"), "date_to": _date_arg("date_to"),
            "sort": request.args.get("sort")}


def document_list(kind: str):
    title, types = LISTS[kind]
    stmt = services.search_invoices(**list_filters(kind))
    page, total, rows = page_of(stmt.options(selectinload(Invoice.partner)))
    filters = [("state", "State", InvoiceState.choices())]
    if len(types) > 1:
        filters.append(("type", "Type", [(t, InvoiceType.label_of(t)) for t in types]))
    return render_template("invoicing/list.html", title=title, types=types, invoices=rows, page=page, total=total,
                           page_size=PAGE_SIZE, filters=filters, type_labels=InvoiceType.labels(), export_endpoint=f"invoicing.{kind}_csv",
                           sort=services.INVOICE_SORTING.key(request.args.get("sort")))


def document_list_csv(kind: str):
    """The list's CSV with the filters the page shows now (its Export button)."""
    return csv_response(services.invoices_export(**list_filters(kind), name=kind.replace("_", "-")))


for _kind, _path in (("vendor_bills", "/bills"), ("customer_invoices", "/invoices"), ("refunds", "/refunds")):
    bp.add_url_rule(_path, endpoint=_kind, view_func=document_list, defaults={"kind": _kind})
    bp.add_url_rule(f"{_path}/export.csv", endpoint=f"{_kind}_csv", view_func=document_list_csv, defaults={"kind": _kind})


# ---------------------------------------------------------------- the document form


class LineForm(Form):
    product_id = PickerField("Product", kind="products", placeholder="Name or code; empty for free text")
    description = StringField("Description", validators=[Length(max=500)])
    quantity = NumberField("Quantity", [InputRequired("Enter a quantity.")])
    unit_price = NumberField("Unit price", [InputRequired("Enter a unit price.")])
    tax_rate = NumberField("Tax %", [Optional()])

    def is_blank(self) -> bool:
        # A product typed without the picker's script has no id yet: its text makes the line count.
        return not any((field.raw_data or [""])[0].strip() for field in self) and not self.product_id.text


class InvoiceForm(ErpForm):
    partner_id = PickerField("Partner", kind="partners", placeholder="Type part of the name")
    invoice_date = DateField("Invoice date", [InputRequired("Enter the invoice date.")], default=services.today)
    reversed_number = StringField("Refund of", [Optional(), Length(max=32)], description="Number of the posted document this refunds, e.g. BILL/2026/0001.")
    lines = FieldList(FormField(LineForm), min_entries=1)


def _line_index(entry) -> str:
    return entry.name.rsplit("-", 1)[1]


def _preview(form: InvoiceForm) -> dict:
    """Subtotals and totals of what is in the form now (lines without a quantity or price count as nothing)."""
    complete = [e.form for e in form.lines if e.form.quantity.data is not None and e.form.unit_price.data is not None]
    amounts = services.compute_amounts([{"quantity": f.quantity.data, "unit_price": f.unit_price.data, "tax_rate": f.tax_rate.data} for f in complete])
    subtotals = dict(zip((id(f) for f in complete), amounts.subtotals))
    return {"subtotals": {_line_index(e): subtotals.get(id(e.form)) for e in form.lines}, "amounts": amounts}


def _places(form: InvoiceForm) -> ErrorPlaces:
    return ErrorPlaces(form, aliases={"reversed_invoice_id": "reversed_number"})


def _render_form(form: InvoiceForm, invoice_type: str, invoice: Invoice | None, places: ErrorPlaces | None = None, status: int = 200):
    prototype = LineForm(prefix="lines-__index__-")
    kind = LIST_OF_TYPE[invoice_type]
    title = f"Edit {invoice.display_name}" if invoice else f"New {InvoiceType.label_of(invoice_type).lower()}"
    return render_template("invoicing/form.html", title=title, form=form, prototype=prototype, invoice=invoice, invoice_type=invoice_type,
                           list_endpoint=kind, list_title=LISTS[kind][0],
                           preview=_preview(form), line_errors=places.list_errors.get("lines", []) if places else [],
                           line_index=_line_index), status


def _form_values(form: InvoiceForm, invoice_type: str) -> dict | None:
    """The service's values from a valid form, or None (with the error on the field) when the
    'Refund of' number names no document."""
    reversed_id = None
    if form.reversed_number.data and form.reversed_number.data.strip():
        reversed_id = db.session.scalar(select(Invoice.id).where(Invoice.number == form.reversed_number.data.strip()))
        if reversed_id is None:
            form.reversed_number.errors = [f"No posted document is numbered {form.reversed_number.data.strip()}."]
            return None
    return {
        "type": invoice_type, "partner_id": form.partner_id.data, "invoice_date": form.invoice_date.data, "reversed_invoice_id": reversed_id,
        "lines": [{key: getattr(entry.form, key).data for key in services.LINE_KEYS} for entry in form.lines],
    }


def _edit(invoice_type: str, invoice: Invoice | None):
    authorize("invoice.write")
    form = InvoiceForm(obj=invoice)
    if invoice is not None and request.method == "GET":
        form.reversed_number.data = invoice.reversed_invoice.number if invoice.reversed_invoice else ""
    if request.method != "POST":
        return _render_form(form, invoice_type, invoice)
    if "add_line" in request.form:  # the editor without JavaScript: one more empty line, nothing saved yet
        form.lines.append_entry()
        return _render_form(form, invoice_type, invoice)
    if "remove_line" in request.form:  # its value is the line's position in the form
        position = request.form["remove_line"]
        if position.isdigit() and int(position) < len(form.lines.entries):
            del form.lines.entries[int(position)]
        return _render_form(form, invoice_type, invoice)
    # Lines left completely empty are not lines: ignore them instead of asking to fill them in.
    form.lines.entries = [e for e in form.lines.entries if not e.form.is_blank()]
    places = _places(form)
    values = _form_values(form, invoice_type) if form.validate() else None
    if values is not None:
        saved = (perform(services.update_invoice, invoice, values, acting_user(), form=places) if invoice
                 else perform(services.create_invoice, values, acting_user(), form=places))
        if saved is not None:
            flash(f"{saved.display_name} saved.", "success")
            return redirect(url_for("invoicing.document", invoice_id=saved.id))
    else:
        flash("Some fields need your attention; see the messages next to them.", "error")
    return _render_form(form, invoice_type, invoice, places, status=422)


@bp.route("/new/<invoice_type>", methods=["GET", "POST"])
def new(invoice_type: str):
    if invoice_type not in InvoiceType.values():
        return redirect(url_for("invoicing.vendor_bills"))
    return _edit(invoice_type, None)


@bp.route("/<int:invoice_id>/edit", methods=["GET", "POST"])
def edit(invoice_id: int):
    invoice = get_or_404(Invoice, invoice_id, "document")
    try:
        services.require_draft(invoice, "changed")
    except InvalidState as exc:
        flash_error(exc)
        return redirect(url_for("invoicing.document", invoice_id=invoice.id))
    return _edit(invoice.type, invoice)


# ---------------------------------------------------------------- detail and actions


@bp.route("/<int:invoice_id>")
def document(invoice_id: int):
    invoice = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id).options(
        selectinload(Invoice.lines).selectinload(InvoiceLine.product), selectinload(Invoice.partner)))
    if invoice is None:
        raise NotFound(f"There is no document with id {invoice_id}.")
    kind = LIST_OF_TYPE[invoice.type]
    return render_template("invoicing/detail.html", title=invoice.display_name, invoice=invoice, refunds=services.refunds_of(invoice),
                           list_endpoint=kind, list_title=LISTS[kind][0],
                           cancel_refusals=services.cancel_refusals(invoice) if invoice.state == "posted" else [],
                           refundable=invoice.type in services.REFUND_TYPES, panels=detail_panels(invoice),
                           activity=record_activity("invoice", invoice.id))


@bp.route("/<int:invoice_id>/post", methods=["POST"])
def post(invoice_id: int):
    authorize("invoice.post")
    invoice = get_or_404(Invoice, invoice_id, "document")
    form = InvoiceForm(formdata=None, obj=invoice)
    places = _places(form)
    posted = perform(services.post_invoice, invoice, acting_user(), form=places)
    if posted is not None:
        flash(f"Posted as {posted.number}.", "success")
        return redirect(url_for("invoicing.document", invoice_id=invoice.id))
    if invoice.state != "draft":  # someone else posted or cancelled it meanwhile
        return redirect(url_for("invoicing.document", invoice_id=invoice.id))
    # Show the draft's form with each problem next to its field, ready to be fixed.
    form.reversed_number.data = invoice.reversed_invoice.number if invoice.reversed_invoice else ""
    return _render_form(form, invoice.type, invoice, places, status=422)


def _action(invoice_id: int, permission: str, action, success: str):
    authorize(permission)
    invoice = get_or_404(Invoice, invoice_id, "document")
    name = invoice.display_name
    result = perform(action, invoice, acting_user())
    if result is not None:
        flash(success.format(name=name), "success")
    return result


@bp.route("/<int:invoice_id>/cancel", methods=["POST"])
def cancel(invoice_id: int):
    _action(invoice_id, "invoice.cancel", services.cancel_invoice, "{name} is cancelled.")
    return redirect(url_for("invoicing.document", invoice_id=invoice_id))


@bp.route("/<int:invoice_id>/refund", methods=["POST"])
def refund(invoice_id: int):
    created = _action(invoice_id, "invoice.write", services.create_refund,
                      "Draft refund of {name} created: change the lines for a partial refund, then save and post it.")
    return redirect(url_for("invoicing.edit", invoice_id=created.id) if created else url_for("invoicing.document", invoice_id=invoice_id))


@bp.route("/<int:invoice_id>/delete", methods=["POST"])
def delete(invoice_id: int):
    kind = LIST_OF_TYPE[get_or_404(Invoice, invoice_id, "document").type]
    if _action(invoice_id, "invoice.write", services.delete_invoice, "{name} deleted.") is None:
        return redirect(url_for("invoicing.document", invoice_id=invoice_id))
    return redirect(url_for(f"invoicing.{kind}"))
