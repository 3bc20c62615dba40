"""Helpers for tests that need partners, products and documents, through the HTTP API. Addons that
depend on invoicing build their own helpers on these (``from erp_addons.invoicing.tests.common import ...``).

``api`` is the ``api`` fixture (admin unless you pass ``api.as_("accountant")``); a partner, product
or invoice may be given as its API body (a dict with "id") or as its id."""
from __future__ import annotations

from typing import Any

from erp_core.testing import ok


def record_id(record: dict | int) -> int:
    return record["id"] if isinstance(record, dict) else record


def create_partner(api, name: str = "Partner", email: str | None = None) -> dict:
    return ok(api.post("/partners", json={"name": name, "email": email}), 201)


def create_product(api, name: str = "Product", type: str = "storable", **fields: Any) -> dict:
    return ok(api.post("/products", json={"name": name, "type": type, **fields}), 201)


def line(product: dict | int | None = None, quantity: float = 1, unit_price: float = 10, **fields: Any) -> dict:
    """One invoice line body; ``product`` None makes a free-text line (give ``description``)."""
    return {"product_id": record_id(product) if product is not None else None, "quantity": quantity, "unit_price": unit_price, **fields}


def create_document(api, type: str, partner: dict | int | None, lines: list[dict], post: bool = True, **fields: Any) -> dict:
    """A draft of ``type`` with ``lines`` (see ``line``), posted unless ``post=False``; returns its API body."""
    body = ok(api.post("/invoices", json={"type": type, "partner_id": record_id(partner) if partner is not None else None,
                                          "lines": lines, **fields}), 201)
    return post_document(api, body) if post else body


def create_bill(api, partner: dict | int, lines: list[dict], post: bool = True, **fields: Any) -> dict:
    return create_document(api, "vendor_bill", partner, lines, post, **fields)


def create_invoice(api, partner: dict | int, lines: list[dict], post: bool = True, **fields: Any) -> dict:
    return create_document(api, "customer_invoice", partner, lines, post, **fields)


def post_document(api, invoice: dict | int) -> dict:
    return ok(api.post(f"/invoices/{record_id(invoice)}/post"))


def cancel_document(api, invoice: dict | int) -> dict:
    return ok(api.post(f"/invoices/{record_id(invoice)}/cancel"))


def create_refund(api, invoice: dict | int, lines: list[dict] | None = None, post: bool = False) -> dict:
    """A refund of the posted ``invoice`` (lines copied, or replaced by ``lines``), posted if ``post``."""
    refund = ok(api.post(f"/invoices/{record_id(invoice)}/refund"), 201)
    if lines is not None:
        refund = ok(api.patch(f"/invoices/{refund['id']}", json={"lines": lines}))
    return post_document(api, refund) if post else refund
