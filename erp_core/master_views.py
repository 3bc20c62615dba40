"""Web pages for the shared master data: partners and products. Addons link to them from their
menus (Invoicing → Partners, Inventory → Products) and add product fields through hooks."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from . import pickers, records, services
from .auth import acting_user, authorize, may
from .forms import ErpForm, read_only
from .models import Partner, Product, ProductType
from .activity import record_activity
from .web import PAGE_SIZE, detail_panels, page_of, perform

bp = Blueprint("master", __name__)


# ---------------------------------------------------------------- partners


class PartnerForm(ErpForm):
    name = StringField("Name", validators=[DataRequired()])
    email = EmailField("Email", validators=[Optional()])


@bp.route("/partners")
def partners():
    page, total, rows = page_of(services.search_partners(request.args.get("q"), request.args.get("sort")))
    return render_template("core/partners.html", partners=rows, page=page, total=total, page_size=PAGE_SIZE,
                           sort=services.PARTNER_SORTING.key(request.args.get("sort")))


@bp.route("/partners/new", methods=["GET", "POST"], endpoint="partner_new")
@bp.route("/partners/<int:partner_id>", methods=["GET", "POST"])
def partner(partner_id: int | None = None):
    record = services.get_or_404(Partner, partner_id, "partner") if partner_id else None
    if record is None or request.method == "POST":
        authorize("partner.write")  # a new partner, or a change: 403 for roles that may only read
    form = PartnerForm(obj=record)
    if not may(acting_user(), "partner.write"):
        read_only(form)
    if form.validate_on_submit():
        values = {"name": form.name.data, "email": form.email.data or None}
        saved = (perform(services.update_partner, record, values, acting_user(), form=form) if record
                 else perform(services.create_partner, values["name"], values["email"], acting_user(), form=form))
        if saved is not None:
            flash(f"Partner {saved.name} saved.", "success")
            return redirect(url_for("master.partner", partner_id=saved.id))
    return render_template("core/partner_form.html", form=form, partner=record, panels=detail_panels(record),
                           activity=record_activity("partner", record.id) if record else None)


# ---------------------------------------------------------------- products


def _product_form_class():
    """A form with the core fields plus every field addons added to Product (by section)."""

    class ProductForm(ErpForm):
        name = StringField("Name", validators=[DataRequired()])
        default_code = StringField("Internal reference", validators=[Optional()])
        barcode = StringField("Barcode", validators=[Optional()])
        type = SelectField("Product type", choices=ProductType.choices(),
                           description="Only storable products are counted in stock and can be tracked.")

    for extra in records.extra_fields(Product, writable=True):
        if extra.choices:
            field = SelectField(extra.label, choices=extra.choices, description=extra.help)
        elif extra.type is bool:
            field = BooleanField(extra.label, description=extra.help)
        elif extra.type is int:
            field = IntegerField(extra.label, validators=[Optional(), NumberRange(min=0)], description=extra.help)
        else:
            field = StringField(extra.label, description=extra.help)
        setattr(ProductForm, extra.name, field)
    return ProductForm


@bp.route("/products")
def products():
    page, total, rows = page_of(services.search_products(request.args.get("q"), request.args.get("type") or None, request.args.get("sort")))
    return render_template("core/products.html", products=rows, page=page, total=total, page_size=PAGE_SIZE,
                           sort=services.PRODUCT_SORTING.key(request.args.get("sort")),
                           extras=records.extra_fields(Product), added=records.extra_values(Product, rows), types=ProductType)


@bp.route("/products/new", methods=["GET", "POST"], endpoint="product_new")
@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
def product(product_id: int | None = None):
    record = services.get_or_404(Product, product_id, "product") if product_id else None
    if record is None or request.method == "POST":
        authorize("product.write")  # a new product, or a change: 403 for roles that may only read
    extras = records.extra_fields(Product, writable=True)
    added = records.extra_values(Product, [record])[record.id] if record else {}
    form = _product_form_class()(obj=record, data=added)
    if not may(acting_user(), "product.write"):
        read_only(form)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in ("name", "default_code", "barcode", "type")}
        values.update({e.name: getattr(form, e.name).data if getattr(form, e.name).data is not None else e.default for e in extras})
        saved = (perform(services.update_product, record, values, acting_user(), form=form) if record
                 else perform(services.create_product, values, acting_user(), form=form))
        if saved is not None:
            flash(f"Product {saved.name} saved.", "success")
            return redirect(url_for("master.product", product_id=saved.id))
    sections: dict[str, list] = {}
    for extra in extras:
        sections.setdefault(extra.section or "More", []).append(getattr(form, extra.name))
    return render_template("core/product_form.html", form=form, product=record, sections=sections, panels=detail_panels(record),
                           activity=record_activity("product", record.id) if record else None)


# ---------------------------------------------------------------- pickers


@bp.route("/pick/<kind>")
def pick(kind: str):
    """The records of ``kind`` matching ``?q=`` (any case), the first ``pickers.LIMIT`` of them: what a
    picker field (static/picker.js) offers as the user types."""
    if kind not in pickers.SOURCES:
        abort(404)
    found, more = pickers.matches(kind, request.args.get("q", ""))
    return {"items": [{"id": record_id, "label": label} for record_id, label in found], "more": more}
