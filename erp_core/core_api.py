"""The host's own endpoints: health, OpenAPI, tokens, addons, partners, products."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from pydantic import BaseModel, Field
from sqlalchemy import select

from . import audit, records, services
from .api import ApiModel, ApiRoutes, ListQuery, Page, paginate, reject_nulls
from .auth import api_user
from .database import db
from .models import Partner, Product, ProductType
from .openapi import openapi_document

routes = ApiRoutes("core")


# ---------------------------------------------------------------- health, docs, auth


@routes.route("/health", summary="Liveness and database check", auth=False)
def health():
    db.session.execute(select(1))
    return {"status": "ok"}


@routes.route("/openapi.json", summary="This document", auth=False)
def openapi():
    return openapi_document(current_app)


class TokenRequest(ApiModel):
    username: str
    password: str


class UserOut(BaseModel):
    id: int
    username: str
    role: str


class TokenOut(BaseModel):
    token: str
    user: UserOut


def user_to_dict(user) -> dict:
    return {"id": user.id, "username": user.username, "role": user.role}


@routes.route("/auth/token", "POST", summary="Exchange a user name and password for an API token",
              auth=False, body=TokenRequest, response=TokenOut, status=201)
def create_token(body: TokenRequest):
    user = services.authenticate(body.username, body.password)
    return {"token": services.create_token(user), "user": user_to_dict(user)}


class AddonOut(BaseModel):
    name: str
    version: str
    depends: list[str]


class AddonList(BaseModel):
    items: list[AddonOut]


@routes.route("/addons", summary="Loaded addons in load order", response=AddonList)
def list_addons():
    return {"items": [{"name": a.name, "version": a.version, "depends": a.depends} for a in current_app.extensions["erp"].addons]}


# ---------------------------------------------------------------- audit trail


class AuditQuery(ListQuery):
    record: str | None = Field(None, pattern=r"^[a-z_]+:[0-9]{1,10}$", description="The record, as kind:id (product:5, user:2, "
                               "or any kind an addon audits); every record when left out")


class AuditRow(BaseModel):
    at: datetime
    user: str | None = Field(description="Who acted; null for the command line")
    action: str
    details: dict | None


@routes.route("/audit", summary="Every action on a record, oldest first", permission="audit.read", query=AuditQuery,
              response=Page[AuditRow])
def list_audit(query: AuditQuery):
    kind, record_id = query.record.split(":") if query.record else (None, None)
    return paginate(audit.entries_stmt(kind, int(record_id) if record_id else None),
                    lambda row: {"at": row.at, "user": row.user, "action": row.action, "details": row.details}, query, scalars=False)


# ---------------------------------------------------------------- partners


class PartnerIn(ApiModel):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=200)


class PartnerPatch(ApiModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    email: str | None = Field(None, max_length=200)


class PartnerOut(BaseModel):
    id: int
    name: str
    email: str | None


class PartnerQuery(ListQuery):
    q: str | None = Field(None, description="Part of the name or email")


def partner_to_dict(p: Partner) -> dict:
    return {"id": p.id, "name": p.name, "email": p.email}


@routes.route("/partners", summary="List partners", query=PartnerQuery, response=Page[PartnerOut])
def list_partners(query: PartnerQuery):
    return paginate(services.search_partners(query.q), partner_to_dict, query)


@routes.route("/partners", "POST", summary="Create a partner", permission="partner.write", body=PartnerIn, response=PartnerOut, status=201)
def create_partner(body: PartnerIn):
    return partner_to_dict(services.create_partner(body.name, body.email, api_user()))


@routes.route("/partners/<int:partner_id>", summary="One partner", response=PartnerOut)
def get_partner(partner_id: int):
    return partner_to_dict(services.get_or_404(Partner, partner_id, "partner"))


@routes.route("/partners/<int:partner_id>", "PATCH", summary="Change a partner", permission="partner.write", body=PartnerPatch, response=PartnerOut)
def update_partner(partner_id: int, body: PartnerPatch):
    partner = services.get_or_404(Partner, partner_id, "partner")
    return partner_to_dict(services.update_partner(partner, body.model_dump(exclude_unset=True), api_user()))


# ---------------------------------------------------------------- products


class ProductIn(ApiModel):
    name: str = Field(min_length=1, max_length=200)
    default_code: str | None = Field(None, max_length=64)
    barcode: str | None = Field(None, max_length=64)
    type: ProductType = ProductType.STORABLE


class ProductPatch(ApiModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    default_code: str | None = Field(None, max_length=64)
    barcode: str | None = Field(None, max_length=64)
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
    q: str | None = Field(None, description="Part of the name, internal reference or barcode")
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
