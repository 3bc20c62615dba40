"""What the addon gives the host: demo data, the dashboard card, the detail panels."""
from __future__ import annotations

from erp_addons.invoicing.models import Invoice
from erp_addons.serial_tracking.models import ProductTracking, StockMove

from erp_core import services
from erp_core.cli import initialise
from erp_core.database import db
from erp_core.models import Product
from erp_core.testing import PASSWORD

from .common import create_partner, create_product, invoice_move, ok, post_invoice, receive, table_counts


def test_demo_data_has_a_laptop_bill_whose_receipt_waits_for_serials(app, api):
    initialise(app, demo=True)
    initialise(app, demo=True)  # idempotent
    laptop, tracking = db.session.execute(db.select(Product, ProductTracking).join(ProductTracking, ProductTracking.product_id == Product.id)
                                          .where(ProductTracking.tracking == "serial")).one()
    assert (laptop.type, tracking.warranty_months) == ("storable", 24)
    receipts = [m for m in ok(api.get("/moves?type=receipt&state=pending"))["items"]
                if any(line["product_id"] == laptop.id for line in m["lines"])]
    assert len(receipts) == 1
    assert [(line["quantity"], line["serials"]) for line in receipts[0]["lines"]] == [(3, [])]
    assert db.session.get(Invoice, receipts[0]["invoice_id"]).state == "posted"


def test_dashboard_card_counts_pending_receipts_and_deliveries(app, api):
    laptop, partner = create_product(api), create_partner(api)
    receive(api, laptop, ["SN-1"])
    for invoice_type in ("vendor_bill", "vendor_bill", "customer_invoice"):
        post_invoice(api, invoice_type, partner, [(laptop, 1)])
    warehouse = services.create_user("wendy", "warehouse", PASSWORD)
    with app.test_request_context():
        cards = [c for found in app.extensions["erp"].hook.erp_dashboard_cards(user=warehouse) for c in found]
    card = next(c for c in cards if c.title == "Inventory")
    assert [(label, value) for label, value, _ in card.rows] == [("Pending receipts", 2), ("Pending deliveries", 1)]
    assert card.rows[0][2] == "/inventory/moves?state=pending&type=receipt"


def test_detail_panels_for_invoices_and_serial_tracked_products(app, api):
    laptop, cable, partner = create_product(api), create_product(api, "Cable", tracking="none"), create_partner(api)
    receive(api, laptop, ["SN-1", "SN-2"])
    bill = post_invoice(api, "vendor_bill", partner, [(laptop, 1)])
    hook = app.extensions["erp"].hook

    panels = [p for found in hook.erp_detail_panels(record=db.session.get(Invoice, bill["id"])) for p in found]
    assert [(p.title, p.template) for p in panels] == [("Stock moves", "serial_tracking/_invoice_moves_panel.html")]
    assert [m.id for m in panels[0].context["moves"]] == [invoice_move(api, bill)["id"]]
    assert panels[0].context["uncovered"] == [] and panels[0].context["may_recreate"] is False  # no user outside a request
    panels = [p for found in hook.erp_detail_panels(record=db.session.get(Product, laptop["id"])) for p in found]
    # Its stock over time, its units, and why its tracking cannot change now (stock, and a pending receipt).
    assert [p.title for p in panels] == ["Stock over time", "Serial numbers", "Changing the tracking"]
    assert panels[0].context["chart"].rows[-1][1] == [2]
    assert panels[1].context["counts"] == {"available": 2, "on_hand": 0, "out_of_stock": 0}
    assert [m.id for m in panels[2].context["moves"]] == [invoice_move(api, bill)["id"]] and panels[2].context["may_change"] is False
    assert [p.title for found in hook.erp_detail_panels(record=db.session.get(Product, cable["id"])) for p in found] == ["Stock over time"]
    assert table_counts(StockMove) == (2,)
