"""Products over HTTP, with the fields addons add to them."""
from __future__ import annotations

from pydantic import BaseModel, Field

from .. import records, services
from ..api import ApiModel, ListQuery, Page, paginate, reject_nulls
from ..auth import api_user
from ..models import CODE_MAX, NAME_MAX, Product, ProductType
from ..text import Text
from . import routes


class ProductIn(ApiModel):
    name: Text = Field(min_length=1, max_length=NAME_MAX)
    default_code: Text | None = Field(None, max_length=CODE_MAX)
    barcode: Text | None = Field(None, max_length=CODE_MAX)
    type: ProductType = ProductType.STORABLE


class ProductPatch(ApiModel):
    name: Text | None = Field(None, min_length=1, max_length=NAME_MAX)
    default_code: Text | None = Field(None, max_length=CODE_MAX)
    barcode: Text | None = Field(None, max_length=CODE_MAX)
    type: ProductType | None = None


class ProductOut(BaseModel):
    id: int
    name: str
    default_code: str | None
    barcode: str | None
    type: ProductType


def product_out():
    return records.extended_schema(ProductOut, Product)


def product_to_dict(p: Product, added: dict[int, dict] | None = None) -> dict:
    if added is None:
        added = records.extra_values(Product, [p])
    return {"id": p.id, "name": p.name, "default_code": p.default_code, "barcode": p.barcode, "type": p.type, **added[p.id]}


class ProductQuery(ListQuery):
    q: Text | None = Field(None, max_length=NAME_MAX, description="Part of the name, internal reference or barcode")
    type: ProductType | None = None


@routes.route("/products", summary="List products", query=ProductQuery, response=lambda: Page[product_out()])
def list_products(query: ProductQuery):
    page = paginate(services.search_products(query.q, query.type), lambda product: product, query)
    added = records.extra_values(Product, page["items"])
    return {"items": [product_to_dict(p, added) for p in page["items"]], "total": page["total"]}


@routes.route("/products", "POST", summary="Create a product", permission="product.write",
              body=lambda: records.extended_schema(ProductIn, Product, "create"), response=product_out, status=201)
def create_product(body):
    return product_to_dict(services.create_product(body.model_dump(), api_user()))


@routes.route("/products/<int:product_id>", summary="One product", response=product_out)
def get_product(product_id: int):
    return product_to_dict(services.get_or_404(Product, product_id, "product"))


@routes.route("/products/<int:product_id>", "PATCH", summary="Change a product", permission="product.write",
              body=lambda: records.extended_schema(ProductPatch, Product, "patch"), response=product_out)
def update_product(product_id: int, body):
    product = services.get_or_404(Product, product_id, "product")
    values = body.model_dump(exclude_unset=True)
    reject_nulls(values, ["name", "type"] + [f.name for f in records.extra_fields(Product, writable=True)])
    return product_to_dict(services.update_product(product, values, api_user()))
