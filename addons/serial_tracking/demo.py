"""Demonstration data (``erp init --demo``; idempotent): a serial-tracked laptop and a posted
vendor bill for three of them, whose receipt waits for its serial numbers."""
from __future__ import annotations

from decimal import Decimal

from erp_addons.invoicing import services as invoicing
from erp_addons.invoicing.models import InvoiceLine
from sqlalchemy import select

from erp_core import services as core
from erp_core.database import db
from erp_core.models import Partner, Product

VENDOR = ("Litware Computers", "sales@litware.example")
LAPTOP = {"name": "Laptop 14-inch", "default_code": "LAPTOP-14", "type": "storable", "tracking": "serial", "warranty_months": 24}


def create_demo_data() -> None:
    laptop = db.session.scalar(select(Product).where(Product.default_code == LAPTOP["default_code"])) or core.create_product(dict(LAPTOP))
    if db.session.scalar(select(InvoiceLine.id).where(InvoiceLine.product_id == laptop.id).limit(1)) is not None:
        return
    vendor = db.session.scalar(select(Partner).where(Partner.name == VENDOR[0])) or core.create_partner(*VENDOR)
    bill = invoicing.create_invoice({"type": "vendor_bill", "partner_id": vendor.id, "lines": [
        {"product_id": laptop.id, "quantity": Decimal(3), "unit_price": Decimal("899.00"), "tax_rate": Decimal(21)}]})
    invoicing.post_invoice(bill)
