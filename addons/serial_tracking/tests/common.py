"""Helpers for serial_tracking tests, all through the HTTP API (``api`` fixture): products,
partners, posted invoices and the moves they create, receiving and delivering serials. They build
on invoicing's helpers, as this addon builds on invoicing."""
from __future__ import annotations

from erp_addons.invoicing.tests import common as invoicing

from erp_core.database import db
from erp_core.testing import ok

_counter = {"n": 0}


def _unique(prefix: str) -> str:
    _counter["n"] += 1
    return f"{prefix} {_counter['n']}"


def create_product(api, name: str | None = None, tracking: str = "serial", warranty_months: int = 24, type: str = "storable") -> dict:
    return invoicing.create_product(api.as_("inventory_manager"), name or _unique("Laptop"), type,
                                    tracking=tracking, warranty_months=warranty_months)


def create_partner(api, name: str | None = None) -> dict:
    return invoicing.create_partner(api.as_("accountant"), name or _unique("Partner"))


def location(api, usage: str) -> dict:
    return ok(api.get(f"/locations?usage={usage}"))["items"][0]


def stock_location(api) -> dict:
    return next(loc for loc in ok(api.get("/locations?usage=internal"))["items"] if loc["full_name"] == "WH/Stock")


def create_location(api, name: str, parent_id: int, usage: str = "internal") -> dict:
    return ok(api.as_("inventory_manager").post("/locations", json={"name": name, "parent_id": parent_id, "usage": usage}), 201)


def create_invoice(api, type: str, partner: dict, lines: list[tuple[dict, float]], reversed_invoice_id: int | None = None):
    """A draft of ``type`` for (product, quantity) lines at 100 each."""
    return invoicing.create_document(api.as_("accountant"), type, partner, [invoicing.line(p, q, 100) for p, q in lines],
                                     post=False, reversed_invoice_id=reversed_invoice_id)


def post_invoice(api, type: str, partner: dict, lines: list[tuple[dict, float]], reversed_invoice_id: int | None = None) -> dict:
    return invoicing.post_document(api.as_("accountant"), create_invoice(api, type, partner, lines, reversed_invoice_id))


def invoice_move(api, invoice: dict) -> dict:
    """The one stock move made for ``invoice``."""
    moves = ok(api.get(f"/moves?invoice_id={invoice['id']}"))["items"]
    assert len(moves) == 1, moves
    return moves[0]


def assign(api, move: dict, names: list[str], line: int = 0, replace: bool = True, role: str = "warehouse"):
    path = f"/moves/{move['id']}/lines/{move['lines'][line]['id']}/serials"
    client = api.as_(role)
    return client.put(path, json={"serials": names}) if replace else client.post(path, json={"serials": names})


def validate(api, move: dict, role: str = "warehouse"):
    return api.as_(role).post(f"/moves/{move['id']}/validate")


def receive(api, product: dict, names: list[str], vendor: dict | None = None) -> dict:
    """Post a vendor bill for ``names``, assign them to its receipt and validate it: the done move."""
    bill = post_invoice(api, "vendor_bill", vendor or create_partner(api, _unique("Vendor")), [(product, len(names))])
    move = invoice_move(api, bill)
    ok(assign(api, move, names))
    return ok(validate(api, move))


def deliver(api, product: dict, names: list[str], customer: dict) -> dict:
    invoice = post_invoice(api, "customer_invoice", customer, [(product, len(names))])
    move = invoice_move(api, invoice)
    ok(assign(api, move, names))
    return ok(validate(api, move))


def serial(api, name: str, product: dict | None = None) -> dict:
    suffix = f"&product_id={product['id']}" if product else ""
    return ok(api.get(f"/serials/lookup?name={name}{suffix}"))


def table_counts(*models) -> tuple[int, ...]:
    """Row counts, to check that a refused request wrote nothing."""
    return tuple(db.session.scalar(db.select(db.func.count()).select_from(model)) for model in models)
