"""Lots in the browser: a vendor bill for 10 bottles of a lot-tracked syrup is received as two lots
(6 + 4) with their expiry dates and validated; a customer invoice for 5 is delivered with "Use
suggestion", which takes the lot that expires first, and validated; each lot's page then shows
what is left of it and where it went."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from erp_core import services as core
from erp_core.database import db

pytestmark = pytest.mark.browser

SOON, LATER = date.today() + timedelta(days=60), date.today() + timedelta(days=400)


@pytest.fixture
def post(live_server):
    """``post(kind, quantity)`` posts a vendor bill or customer invoice for the syrup behind the
    scenes; returns the id of the stock move it creates."""
    with live_server.app.app_context():
        partners = {"vendor_bill": core.create_partner("Pharma Supply").id,
                    "customer_invoice": core.create_partner("Pharmacy One").id}
        syrup = core.create_product({"name": "Cough Syrup", "default_code": "SYR", "type": "storable", "tracking": "lot"}).id
        db.session.commit()

    def post_document(kind: str, quantity: int) -> int:
        from erp_addons.invoicing import services as invoicing
        from erp_addons.serial_tracking.models import StockMove

        with live_server.app.app_context():
            document = invoicing.create_invoice({"type": kind, "partner_id": partners[kind], "lines": [
                {"product_id": syrup, "quantity": Decimal(quantity), "unit_price": Decimal(5)}]})
            invoicing.post_invoice(document)
            move_id = db.session.scalar(db.select(StockMove.id).where(StockMove.invoice_id == document.id))
            db.session.commit()
            return move_id

    return post_document


def _rows(page, selector: str) -> list[str]:
    return [re.sub(r"\s+", " ", text).strip() for text in page.locator(selector).all_inner_texts()]


def _validate(page):
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".page-header button:has-text('Validate')")
    expect(page.locator(".flash-success")).to_contain_text("is done")


def test_two_lots_received_then_five_units_delivered_first_expiry_first_out(login, live_server, post):
    receipt_id = post("vendor_bill", 10)
    page = login("warehouse")
    page.goto(f"{live_server.url}/inventory/moves/{receipt_id}")
    panel = page.locator("[data-lot-line]")
    expect(panel.locator("[data-lot-count]")).to_have_text("0 / 10 units")
    for name, quantity, expiry, count in (("LOT-B", 6, SOON, "6 / 10"), ("LOT-A", 4, LATER, "10 / 10")):
        panel.locator("input[name=lot]").fill(name)
        panel.locator("input[name=quantity]").fill(str(quantity))
        panel.locator("input[name=expiry_date]").fill(expiry.isoformat())
        panel.locator("button:has-text('Add lot')").click()
        expect(panel.locator("[data-lot-count]")).to_have_text(f"{count} units")
    assert _rows(page, "[data-lot-list] tbody tr") == [f"LOT-B new {SOON.isoformat()} 6 ×", f"LOT-A new {LATER.isoformat()} 4 ×"]
    _validate(page)

    delivery_id = post("customer_invoice", 5)
    page.goto(f"{live_server.url}/inventory/moves/{delivery_id}")
    suggestion = page.locator("[data-lot-suggestion]")
    expect(suggestion).to_contain_text(f"LOT-B × 5 (expires {SOON.isoformat()})")  # expires first, though named after LOT-A
    suggestion.locator("button:has-text('Use suggestion')").click()
    expect(page.locator("[data-lot-count]")).to_have_text("5 / 5 units")
    assert _rows(page, "[data-lot-list] tbody tr") == [f"LOT-B {SOON.isoformat()} 5 ×"]
    _validate(page)

    page.click("[data-lot-list] a:text-is('LOT-B')")
    expect(page.locator("h1")).to_have_text("LOT-B")
    assert page.locator("dt:text-is('In stock') + dd").inner_text() == "1"
    assert page.locator("dt:text-is('WH/Stock') + dd").inner_text() == "1"
    history = _rows(page, "section:has(h2:has-text('History')) tbody tr")
    assert [re.search(r"UTC (\S+) (\w+) (\S+) (\S+) (\d+) ", row).groups()[1:] for row in history] == [
        ("Receipt", "Partners/Vendors", "WH/Stock", "6"), ("Delivery", "WH/Stock", "Partners/Customers", "5")]
    page.goto(f"{live_server.url}/inventory/lots")
    rows = _rows(page, "tbody tr")
    assert [(row.split(" ")[0], row.split(" ")[-1]) for row in rows] == [("LOT-B", "1"), ("LOT-A", "4")]  # soonest expiry first
