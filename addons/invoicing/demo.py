"""Demonstration partners, products and one posted vendor bill (``erp init --demo``; idempotent)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from erp_core import services as core
from erp_core.database import db
from erp_core.models import Partner, Product

from . import services
from .models import Invoice

VENDORS = (("Northwind Components", "orders@northwind.example"), ("Contoso Supplies", "sales@contoso.example"))
CUSTOMERS = (("Fabrikam Retail", "ap@fabrikam.example"), ("Adatum Consulting", "billing@adatum.example"))
PRODUCTS = (  # name, internal reference, type
    ("USB-C docking station", "DOCK-C1", "storable"),
    ("27-inch monitor", "MON-27", "storable"),
    ("Shipping carton", "BOX-M", "consumable"),
    ("On-site installation (hour)", "SRV-INST", "service"),
)


def _partner(name: str, email: str) -> Partner:
    return db.session.scalar(select(Partner).where(Partner.name == name)) or core.create_partner(name, email)


def _product(name: str, code: str, product_type: str) -> Product:
    return db.session.scalar(select(Product).where(Product.default_code == code)) \
        or core.create_product({"name": name, "default_code": code, "type": product_type})


def create_demo_data() -> None:
    vendor = [_partner(*v) for v in VENDORS][0]
    for customer in CUSTOMERS:
        _partner(*customer)
    dock, monitor, carton, _ = (_product(*p) for p in PRODUCTS)
    if db.session.scalar(select(Invoice.id).where(Invoice.type == "vendor_bill", Invoice.partner_id == vendor.id)) is None:
        bill = services.create_invoice({"type": "vendor_bill", "partner_id": vendor.id, "lines": [
            {"product_id": dock.id, "quantity": Decimal(5), "unit_price": Decimal("89.90"), "tax_rate": Decimal(21)},
            {"product_id": monitor.id, "quantity": Decimal(3), "unit_price": Decimal("179.00"), "tax_rate": Decimal(21)},
            {"product_id": carton.id, "quantity": Decimal(20), "unit_price": Decimal("0.85"), "tax_rate": Decimal(21)},
            {"description": "Freight", "quantity": Decimal(1), "unit_price": Decimal("25.00"), "tax_rate": None},
        ]})
        services.post_invoice(bill)
