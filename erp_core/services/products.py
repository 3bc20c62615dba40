"""Products, with the fields addons add to them (``erp_core.records``)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from .. import audit, barcodes, records
from ..database import db
from ..errors import raise_if_problems
from ..models import CODE_MAX, NAME_MAX, Product, ProductType
from ..sorting import Sorting
from ..text import text_problems


# The product list's sortable columns.
PRODUCT_SORTING = Sorting({"name": func.lower(Product.name), "code": func.lower(Product.default_code), "barcode": Product.barcode,
                           "type": Product.type}, default=(Product.name, Product.id), tiebreak=(Product.id,))


def search_products(q: str | None = None, type: str | None = None, sort: str | None = None):
    """A select of products by name (or by ``sort``); ``q`` is part of the name, internal reference or barcode."""
    stmt = select(Product).order_by(*PRODUCT_SORTING.order(sort))
    if q and q.strip():
        columns = (Product.name, Product.default_code, Product.barcode)
        stmt = stmt.where(or_(*(column.icontains(q.strip(), autoescape=True) for column in columns)))
    if type:
        stmt = stmt.where(Product.type == type)
    return stmt


def _save_product(product: Product, values: dict[str, Any], added: dict[str, Any]) -> Product:
    saved_barcode = product.barcode
    for key, value in values.items():
        if isinstance(value, str):  # trimmed like partner names; an empty optional text is no value
            value = value.strip() if key == "name" else value.strip() or None
        setattr(product, key, value)
    # The product holds its new values; the checks' queries must not write them before they pass.
    with db.session.no_autoflush:
        problems = _product_problems(product, added, check_barcode=product.barcode != saved_barcode)
    raise_if_problems(problems, "The product cannot be saved: " + "; ".join(p["message"] for p in problems) if problems else "")
    db.session.add(product)
    db.session.flush()
    records.save_extra(Product, product, added)
    return product


def _product_problems(product: Product, added: dict[str, Any], check_barcode: bool = True) -> list[dict]:
    """``check_barcode``: whether the barcode is new or changed. A barcode saved before check digits
    were checked stays as it is until someone changes it, so the rest of the product stays editable."""
    problems = []
    if not (product.name or "").strip():
        problems.append({"field": "name", "code": "required", "message": "Enter the product's name."})
    for key, limit in (("name", NAME_MAX), ("default_code", CODE_MAX), ("barcode", CODE_MAX)):
        problems += text_problems(getattr(product, key), key, limit)
    if product.type not in ProductType.values():
        problems.append({"field": "type", "code": "invalid_choice", "message": f"Type must be one of {', '.join(ProductType.values())}."})
    wrong_check_digit = barcodes.check_digit_problem(product.barcode) if check_barcode else None
    if wrong_check_digit:
        problems.append({"field": "barcode", "code": "invalid_barcode", "message": wrong_check_digit})
    for column in ("default_code", "barcode"):
        value = getattr(product, column)
        # A GTIN is the same product barcode whatever its length: 4006381333931 and 04006381333931 clash.
        same = (Product.barcode.in_(barcodes.gtin_spellings(value)) if column == "barcode" and barcodes.is_gtin(value)
                else getattr(Product, column) == value)
        taken = value and db.session.scalar(select(getattr(Product, column)).where(same, Product.id != product.id).limit(1))
        if taken:
            problems.append({"field": column, "code": f"duplicate_{column}", "message": f"Another product already has {column.replace('_', ' ')} {taken!r}."})
    return problems + records.check_extra(Product, product, added)


def create_product(values: dict[str, Any], user=None) -> Product:
    """``values``: the product's own fields and those addons add; missing added fields take their defaults."""
    own, added = records.split_values(Product, values)
    defaults = {f.name: f.default for f in records.extra_fields(Product, writable=True)}
    product = _save_product(Product(type="storable"), own, {**defaults, **added})
    audit.record("create", "product", product.id, user, name=product.name)
    return product


def update_product(product: Product, values: dict[str, Any], user=None) -> Product:
    """``values`` holds only the fields to change; the audit trail keeps the before and after of
    each value that changed."""
    own, added = records.split_values(Product, values)
    before = {**{key: getattr(product, key) for key in own}, **records.extra_values(Product, [product])[product.id]}
    _save_product(product, own, added)
    after = {**{key: getattr(product, key) for key in own}, **records.extra_values(Product, [product])[product.id]}
    changes = {key: [before[key], after[key]] for key in values if key in after and before.get(key) != after[key]}
    if changes:
        audit.record("edit", "product", product.id, user, changes=changes)
    return product
