"""How serial tracking plugs into the host and into invoicing: roles, permissions, settings, menu,
dashboard, detail panels, the fields it adds to products and invoices, its commands, default and
demo data, and the invoice events."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select

from erp_core.database import db
from erp_core.hookspecs import hookimpl
from erp_core.settings import Setting, choice
from erp_core.ui import DashboardCard, MenuItem, Panel, Role


@hookimpl
def erp_roles():
    return [
        Role("warehouse", "Warehouse", "Receives and delivers goods, scans serial numbers, moves stock between locations.",
             demo_user="warehouse"),
        Role("inventory_manager", "Inventory manager", "Everything the warehouse does, plus products, locations, scrap "
             "and inventory adjustments.", demo_user="manager"),
    ]


@hookimpl
def erp_permissions():
    warehouse = {"warehouse", "inventory_manager"}
    manager = {"inventory_manager"}
    return {
        "product.write": manager,
        "audit.read": manager,
        "dashboard.overview": manager,  # every team's work on the dashboard, and the receipts and deliveries chart
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
        "move.recreate": {"accountant", "inventory_manager"},  # an invoice's stock move, made again
        "count.create": warehouse,  # count a location (scan what is there)
        "count.apply": manager,     # apply a count's differences as moves
        "lot.allow_expired": manager,  # let an expired lot out on a delivery, saying why
    }


@hookimpl
def erp_settings():
    from .services.label_layouts import DEFAULT_LAYOUT, LABEL_SIZE_HELP, parse_label_size

    return [Setting("ERP_SERIAL_UNIQUENESS", "product", "product: a serial number is unique per product; global: unique "
                    "across all products.", parse=choice("product", "global")),
            Setting("ERP_LABEL_SIZE", DEFAULT_LAYOUT, LABEL_SIZE_HELP, parse=parse_label_size,
                    display=lambda layout: layout.name)]


@hookimpl
def erp_menu_items():
    return [
        MenuItem("Inventory", "Stock Movements", "serial_tracking.moves", order=10),
        MenuItem("Inventory", "Serial Numbers", "serial_tracking.serials", order=20),
        MenuItem("Inventory", "Lots", "serial_tracking.lots", order=22),
        MenuItem("Inventory", "Import Serials", "serial_tracking.serials_import", order=25, permission="serial.create"),
        MenuItem("Inventory", "Stock Quantities", "serial_tracking.stock", order=30),
        MenuItem("Inventory", "Counts", "serial_tracking.counts", order=35),
        MenuItem("Inventory", "Products", "master.products", order=40),
        MenuItem("Inventory", "Locations", "serial_tracking.locations", order=90, group="Configuration"),
    ]


@hookimpl
def erp_dashboard_cards(user):
    """The receipts and deliveries waiting, for those who do them; with the weekly chart for those
    who oversee every team's work."""
    from erp_core.auth import may

    from .models import StockMove
    from .services.reports import next_pending_moves
    from .views.charts import moves_per_week_chart

    overview = may(user, "dashboard.overview")
    if not (overview or may(user, "move.validate")):
        return []
    pending = dict(db.session.execute(select(StockMove.type, func.count()).where(StockMove.state == "pending")
                                      .group_by(StockMove.type)).all())
    lists = [(heading, [(move.reference, url_for("serial_tracking.move", move_id=move.id), _waiting_detail(move))
                        for move in next_pending_moves(move_type)])
             for heading, move_type in (("Next receipts", "receipt"), ("Next deliveries", "delivery"))]
    cards = [DashboardCard("Inventory", [
        ("Pending receipts", pending.get("receipt", 0), url_for("serial_tracking.moves", state="pending", type="receipt")),
        ("Pending deliveries", pending.get("delivery", 0), url_for("serial_tracking.moves", state="pending", type="delivery")),
    ], order=30, lists=lists)]
    if overview:
        cards.append(DashboardCard("Receipts and deliveries per week", [], order=90, template="serial_tracking/_chart_panel.html",
                                   context={"chart": moves_per_week_chart()}, wide=True))
    return cards


def _waiting_detail(move) -> str:
    """Who a waiting move is for and what it comes from, in a few words."""
    parts = [move.partner.name if move.partner else None, move.invoice.display_name if move.invoice else None]
    return " · ".join(p for p in parts if p)


@hookimpl
def erp_detail_panels(record):
    from erp_addons.invoicing.models import Invoice

    from erp_core.auth import acting_user, may
    from erp_core.models import Partner, Product

    from . import services

    if isinstance(record, Invoice):
        moves = services.invoice_moves(record)
        # What no done or pending move covers any more (a move cancelled, a rest dropped): offered to move again.
        uncovered = services.uncovered_quantities(record) if record.state == "posted" else {}
        products = {line.product_id: line.product for line in record.lines if line.product is not None}
        return [Panel("Stock moves", "serial_tracking/_invoice_moves_panel.html",
                      {"moves": moves, "previews": services.move_serial_previews([m.id for m in moves]), "invoice": record,
                       "uncovered": [(products[product_id], quantity) for product_id, quantity in uncovered.items()],
                       "may_recreate": may(acting_user(), "move.recreate")}, order=50)]
    if isinstance(record, Partner):
        return [Panel("Units", "serial_tracking/_partner_units_panel.html",
                      {"partner": record, **services.partner_serial_counts(record.id)}, order=50)]
    if isinstance(record, Product):
        from .views.charts import stock_chart

        panels = [Panel("Stock over time", "serial_tracking/_chart_panel.html", {"chart": stock_chart(record)}, order=40)
                  ] if record.type == "storable" else []
        if services.tracking_of(record.id) == "serial":
            panels.append(Panel("Serial numbers", "serial_tracking/_product_serials_panel.html",
                                {"product": record, "counts": services.serial_counts(record)}, order=50))
        locked = _tracking_lock_panel(record)
        return panels + ([locked] if locked else [])
    return []


def _tracking_lock_panel(product) -> Panel | None:
    """Why the product's tracking cannot change now (its stock, its pending moves), and the way out."""
    from erp_core.auth import acting_user, may

    from .models import Location, StockMove
    from .services.products import tracking_lock
    from .views.tracking import PERMISSIONS, tracking_change_form

    lock = tracking_lock(product)
    if not lock:
        return None
    locations = dict(db.session.execute(select(Location.id, Location.full_name)
                                        .where(Location.id.in_([p["location_id"] for p in lock if "location_id" in p]))).all())
    moves = db.session.scalars(select(StockMove).where(StockMove.id.in_([p["move_id"] for p in lock if "move_id" in p]))
                               .order_by(StockMove.id)).all()
    stock = [(locations[p["location_id"]], p["quantity"]) for p in lock if "location_id" in p]
    return Panel("Changing the tracking", "serial_tracking/_product_tracking_panel.html",
                 {"product": product, "stock": stock, "moves": moves, "may_change": all(may(acting_user(), p) for p in PERMISSIONS),
                  "form": tracking_change_form(product, formdata=None)}, order=60)


@hookimpl
def erp_record_extensions():
    from erp_addons.invoicing.models import Invoice

    from erp_core.records import RecordExtension, RecordField

    from .api.moves import StockMoveRef
    from .services.invoices import invoice_stock_moves
    from .services.products import PRODUCT_EXTENSION

    stock_moves = RecordField("stock_moves", "Stock moves", list[StockMoveRef], [],
                              help="The stock moves made for this document, when posted.")
    return [PRODUCT_EXTENSION, RecordExtension(Invoice, (stock_moves,), load=invoice_stock_moves)]


@hookimpl
def erp_cli_commands():
    from .cli import serials_group

    return [serials_group]


@hookimpl
def erp_init_data():
    from .services import create_default_locations
    from .services.products import ensure_tracking_rows

    create_default_locations()
    ensure_tracking_rows()


@hookimpl
def erp_demo_data():
    from .demo import create_demo_data

    create_demo_data()


# ---------------------------------------------------------------- invoicing events


@hookimpl
def invoicing_invoice_posted(invoice, user):
    from .services import create_invoice_move

    create_invoice_move(invoice, user=user)


@hookimpl
def invoicing_invoice_cancel_refusal(invoice):
    from .services import invoice_cancel_refusal

    return invoice_cancel_refusal(invoice)


@hookimpl
def invoicing_invoice_cancelled(invoice, user):
    from .services import cancel_invoice_moves

    cancel_invoice_moves(invoice, user=user)


@hookimpl
def erp_audit_text(record_type, action, details):
    from .audit_text import audit_text

    return audit_text(record_type, action, details)
