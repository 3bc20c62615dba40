"""How serial tracking plugs into the host and into invoicing: permissions, API, pages, menu,
dashboard, detail panels, product fields, default and demo data, and the invoice events."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select

from erp_core.auth import acting_user
from erp_core.database import db
from erp_core.hookspecs import hookimpl
from erp_core.ui import DashboardCard, ExtraField, MenuItem, Panel

from .models import TRACKING_MODES


@hookimpl
def erp_permissions():
    warehouse = {"warehouse", "inventory_manager"}
    manager = {"inventory_manager"}
    return {
        "location.write": manager,
        "serial.create": manager,
        "serial.write": manager,
        "move.assign": warehouse,
        "move.create.internal": warehouse,
        "move.create.manual": manager,  # scrap, adjustments, receipts and deliveries without an invoice
        "move.validate": warehouse,
        "move.cancel": warehouse,
        "move.validate.manual": manager,  # scrap and adjustments
        "move.cancel.manual": manager,
    }


@hookimpl
def erp_api_routes():
    from .api import routes

    return routes


@hookimpl
def erp_blueprints():
    from .views import bp

    return [bp]


@hookimpl
def erp_menu_items():
    return [
        MenuItem("Inventory", "Stock Movements", "serial_tracking.moves", order=10),
        MenuItem("Inventory", "Serial Numbers", "serial_tracking.serials", order=20),
        MenuItem("Inventory", "Stock Quantities", "serial_tracking.stock", order=30),
        MenuItem("Inventory", "Products", "master.products", order=40),
        MenuItem("Inventory", "Locations", "serial_tracking.locations", order=90, group="Configuration"),
    ]


@hookimpl
def erp_dashboard_cards(user):
    from .models import StockMove

    pending = dict(db.session.execute(select(StockMove.type, func.count()).where(StockMove.state == "pending")
                                      .group_by(StockMove.type)).all())
    return [DashboardCard("Inventory", [
        ("Pending receipts", pending.get("receipt", 0), url_for("serial_tracking.moves", state="pending", type="receipt")),
        ("Pending deliveries", pending.get("delivery", 0), url_for("serial_tracking.moves", state="pending", type="delivery")),
    ], order=30)]


@hookimpl
def erp_detail_panels(record):
    from addons.invoicing.models import Invoice
    from erp_core.models import Product

    from . import services

    if isinstance(record, Invoice):
        moves = services.invoice_moves(record)
        return [Panel("Stock moves", "serial_tracking/_invoice_moves_panel.html",
                      {"moves": moves, "previews": services.move_serial_previews([m.id for m in moves])}, order=50)]
    if isinstance(record, Product) and record.tracking == "serial":
        return [Panel("Serial numbers", "serial_tracking/_product_serials_panel.html",
                      {"product": record, "counts": services.serial_counts(record)}, order=50)]
    return []


@hookimpl
def erp_product_fields():
    return [
        ExtraField("tracking", "Tracking", str, "none", section="Traceability",
                   # a tuple: the host caches the product schemas by their (hashable) fields
                   choices=(("none", "No tracking"), ("lot", "By lots"), ("serial", "By unique serial number")),
                   help="Lot and serial tracking are for storable products only."),
        ExtraField("warranty_months", "Warranty (months)", int, 0, section="Traceability",
                   help="Counted from the delivery to the customer; 0 for no warranty."),
    ]


@hookimpl
def erp_product_check(product):
    problems = []
    if product.tracking not in TRACKING_MODES:
        problems.append({"field": "tracking", "code": "invalid_choice", "message": "Tracking must be none, lot or serial."})
    elif product.tracking != "none" and product.type != "storable":
        problems.append({"field": "tracking", "code": "tracking_requires_storable",
                         "message": f"Only storable products can be tracked by {product.tracking}; this one is {product.type}."})
    if product.warranty_months is None or not 0 <= product.warranty_months <= 1200:
        problems.append({"field": "warranty_months", "code": "invalid_warranty", "message": "The warranty is a number of months from 0 to 1200."})
    return problems


@hookimpl
def erp_init_data():
    from .services import create_default_locations

    create_default_locations()


@hookimpl
def erp_demo_data():
    from .demo import create_demo_data

    create_demo_data()


# ---------------------------------------------------------------- invoicing events


@hookimpl
def invoicing_invoice_posted(invoice):
    from .services import create_invoice_move

    create_invoice_move(invoice, user=acting_user())


@hookimpl
def invoicing_invoice_cancel_refusal(invoice):
    from .services import invoice_cancel_refusal

    return invoice_cancel_refusal(invoice)


@hookimpl
def invoicing_invoice_cancelled(invoice):
    from .services import cancel_invoice_moves

    cancel_invoice_moves(invoice, user=acting_user())


@hookimpl
def invoicing_invoices_stock_moves(invoices):
    from .services import invoices_moves

    found: dict[int, list[dict]] = {}
    for m in invoices_moves([invoice.id for invoice in invoices]):
        found.setdefault(m.invoice_id, []).append({"id": m.id, "reference": m.reference, "type": m.type, "state": m.state})
    return found
