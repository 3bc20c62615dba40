"""Helpers for tests that need partners, products and documents, through the HTTP API.
Addons that depend on invoicing build their own helpers on these (``from addons.invoicing.tests.common import ...``).

``api`` is the ``api`` fixture (admin unless you pass ``api.as_("accountant")``); a partner, product
or invoice may be given as its API body (a dict with "id") or as its id."""
from __future__ import annotations

from typing import Any


def _id(record: dict | int) -> int:
    return record["id"] if isinstance(record, dict) else record


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.get_json()}"
    return response.get_json()


def create_partner(api, name: str = "Partner", email: str | None = None) -> dict:
    return _ok(api.post("/partners", json={"name": name, "email": email}), 201)


def create_product(api, name: str = "Product", type: str = "storable", **fields: Any) -> dict:
    return _ok(api.post("/products", json={"name": name, "type": type, **fields}), 201)


def line(product: dict | int | None = None, quantity: float = 1, unit_price: float = 10, **fields: Any) -> dict:
    """One invoice line body; ``product`` None makes a free-text line (give ``description``)."""
    return {"product_id": _id(product) if product is not None else None, "quantity": quantity, "unit_price": unit_price, **fields}


def create_document(api, type: str, partner: dict | int | None, lines: list[dict], post: bool = True, **fields: Any) -> dict:
    """A draft of ``type`` with ``lines`` (see ``line``), posted unless ``post=False``; returns its API body."""
    body = _ok(api.post("/invoices", json={"type": type, "partner_id": _id(partner) if partner is not None else None,
                                           "lines": lines, **fields}), 201)
    return post_document(api, body) if post else body


def create_bill(api, partner: dict | int, lines: list[dict], post: bool = True, **fields: Any) -> dict:
    return create_document(api, "vendor_bill", partner, lines, post, **fields)


def create_invoice(api, partner: dict | int, lines: list[dict], post: bool = True, **fields: Any) -> dict:
    return create_document(api, "customer_invoice", partner, lines, post, **fields)


def post_document(api, invoice: dict | int) -> dict:
    return _ok(api.post(f"/invoices/{_id(invoice)}/post"))


def cancel_document(api, invoice: dict | int) -> dict:
    return _ok(api.post(f"/invoices/{_id(invoice)}/cancel"))


def create_refund(api, invoice: dict | int, lines: list[dict] | None = None, post: bool = False) -> dict:
    """A refund of the posted ``invoice`` (lines copied, or replaced by ``lines``), posted if ``post``."""
    refund = _ok(api.post(f"/invoices/{_id(invoice)}/refund"), 201)
    if lines is not None:
        refund = _ok(api.patch(f"/invoices/{refund['id']}", json={"lines": lines}))
    return post_document(api, refund) if post else refund


def log_in(client, role: str = "accountant") -> str:
    """Log the Flask test ``client`` in as a new user of ``role`` (for web page tests); returns the user name."""
    from erp_core import services
    from erp_core.database import db

    username = f"{role}_web"
    services.create_user(username, role, "password-123")
    db.session.commit()
    response = client.post("/login", data={"username": username, "password": "password-123"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return username
