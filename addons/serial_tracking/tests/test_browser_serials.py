"""Issue 4's scenario in the browser: an accountant posts a vendor bill for 3 serial-tracked
laptops; the warehouse user scans them on the pending receipt (a typo in between is refused with
its reason, the good scans are kept), validates, and finds the unit in stock with its history; a
customer invoice then delivers one unit, picked from stock, and its page shows where it went."""
import re
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from erp_core import services as core
from erp_core.database import db
from erp_core.testing import pick

pytestmark = pytest.mark.browser


@pytest.fixture
def master_data(live_server):
    with live_server.app.app_context():
        vendor = core.create_partner("Litware Computers")
        customer = core.create_partner("Contoso Retail")
        laptop = core.create_product({"name": "Laptop 14", "default_code": "LT14", "type": "storable",
                                      "tracking": "serial", "warranty_months": 24})
        db.session.commit()
        return {"vendor": vendor.id, "customer": customer.id, "laptop": laptop.id}


def _post_document(page, live_server, kind: str, partner: str, product: str, quantity: int) -> str:
    """Type and post an invoicing document in the UI; returns its number."""
    page.goto(f"{live_server.url}/invoicing/new/{kind}")
    pick(page.locator("#partner_id"), partner, partner)
    row = page.locator("[data-lines] [data-line]").first
    pick(row.get_by_role("combobox"), product, f"[LT14] {product}")
    row.locator("[name$=-quantity]").fill(str(quantity))
    row.locator("[name$=-unit_price]").fill("800")
    page.click("button.primary:has-text('Save draft')")
    page.wait_for_selector("text=saved.")
    page.click("button:has-text('Post')")
    page.wait_for_selector("text=Posted as")
    return page.locator("h1").inner_text()


def _switch_user(page, live_server, login, role: str):
    """Log out, then in as the user of ``role`` (created by the ``login`` fixture the first time)."""
    page.click("text=Log out")
    from erp_core.models import User

    with live_server.app.app_context():
        exists = db.session.scalar(db.select(User.id).where(User.username == f"{role}_ui")) is not None
    if not exists:
        return login(role)
    page.fill("input[name=username]", f"{role}_ui")
    page.fill("input[name=password]", "password-123")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    return page


def _scan(page, code: str):
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_receive_by_scanning_then_deliver_one_unit(login, live_server, master_data):
    page = login("accountant")
    page.on("dialog", lambda dialog: dialog.accept())
    bill = _post_document(page, live_server, "vendor_bill", "Litware Computers", "Laptop 14", 3)
    receipt = page.locator("a", has_text=re.compile(r"^WH/IN/\d+$")).first.inner_text()  # the invoice's moves panel

    _switch_user(page, live_server, login, "warehouse")
    page.click("text=Pending receipts")  # dashboard card
    page.click(f"text={receipt}")
    assert page.locator("h1").inner_text() == receipt
    assert page.locator("[data-count]").inner_text() == "0 / 3"
    # The scan field has the focus: a scanner types and presses Enter, nothing else.
    _scan(page, "LT14-0001")
    _scan(page, "LT14-0001")  # scanned twice by mistake
    _scan(page, "LT14-0002")
    _scan(page, "LT14-0003")
    expect(page.locator("[data-count]")).to_have_text("3 / 3")
    refused = page.locator("[data-refused] li")
    assert refused.count() == 1 and "LT14-0001 is given twice" in refused.inner_text()
    assert page.locator("[data-serial-list] li span").all_inner_texts() == ["LT14-0003", "LT14-0002", "LT14-0001"]
    assert page.evaluate("document.activeElement.name") == "serial"  # ready for the next scan
    page.screenshot(path="/tmp/serial_tracking_receipt_scanned.png", full_page=True)

    page.click("button:has-text('Validate')")
    page.wait_for_selector(f"text={receipt} is done")
    assert page.locator(".badge-done").count() == 1
    assert page.locator("input[name=serial]").count() == 0

    page.click("text=Inventory")
    page.click(".menu-panel >> text=Serial Numbers")
    page.fill("input[name=q]", "LT14-0002")
    page.click("button:has-text('Search')")
    page.click("a:has-text('LT14-0002')")
    facts = page.locator("main").inner_text()
    assert "WH/Stock" in facts and "Available" in facts and bill in facts and "Litware Computers" in facts
    history = page.locator("section:has(h2:has-text('Location history')) tbody tr")
    assert history.count() == 1
    assert re.search(rf"{receipt}.*Partners/Vendors.*WH/Stock.*warehouse_ui.*{bill}", history.inner_text().replace("\n", " ").replace("\t", " "))
    page.screenshot(path="/tmp/serial_tracking_serial_in_stock.png", full_page=True)

    _switch_user(page, live_server, login, "accountant")
    invoice = _post_document(page, live_server, "customer_invoice", "Contoso Retail", "Laptop 14", 1)
    delivery = page.locator("a", has_text=re.compile(r"^WH/OUT/\d+$")).first.inner_text()

    _switch_user(page, live_server, login, "warehouse")
    page.click("text=Pending deliveries")
    page.click(f"text={delivery}")
    page.click("summary:has-text('Pick from stock at WH/Stock')")
    assert page.locator(".picker-list input[name=serial]").count() == 3  # none is chosen by itself
    assert page.locator("[data-count]").inner_text() == "0 / 1"
    page.check(".picker-list input[value='LT14-0002']")
    page.click("button:has-text('Add the ticked ones')")
    assert page.locator("[data-count]").inner_text() == "1 / 1"
    page.click("button:has-text('Validate')")
    page.wait_for_selector(f"text={delivery} is done")

    page.goto(live_server.url + "/inventory/serials?q=LT14-0002")
    page.click("a:has-text('LT14-0002')")
    text = page.locator("main").inner_text()
    assert "Out of stock" in text and "Contoso Retail" in text and invoice in text
    today = datetime.now(timezone.utc).date()  # delivered today: 24 months of warranty from now
    try:
        warranty_end = today.replace(year=today.year + 2)
    except ValueError:  # 29 February
        warranty_end = today.replace(year=today.year + 2, day=28)
    assert page.locator("dt:has-text('Warranty end') + dd").inner_text() == warranty_end.isoformat()
    assert page.locator("section:has(h2:has-text('Location history')) tbody tr").count() == 2
    page.screenshot(path="/tmp/serial_tracking_serial_delivered.png", full_page=True)


def test_scan_field_and_count_fit_a_phone(login, live_server, master_data):
    with live_server.app.app_context():
        from erp_addons.invoicing import services as invoicing

        bill = invoicing.create_invoice({"type": "vendor_bill", "partner_id": master_data["vendor"], "lines": [
            {"product_id": master_data["laptop"], "quantity": Decimal(10), "unit_price": Decimal(800)}]})
        invoicing.post_invoice(bill)
        db.session.commit()
    page = login("warehouse")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + "/inventory/moves?type=receipt")
    page.click("text=WH/IN/")
    scan, count = page.locator("input[name=serial]"), page.locator("[data-count]")
    for element in (scan, count):
        box = element.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 740 and box["x"] + box["width"] <= 375
    _scan(page, "PH-001")
    expect(count).to_have_text("1 / 10")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path="/tmp/serial_tracking_phone.png", full_page=True)


def test_new_move_form_fills_the_route_and_adds_lines(login, live_server, master_data):
    page = login("inventory_manager")
    page.goto(live_server.url + "/inventory/moves/new")
    page.select_option("select[name=type]", "scrap")
    assert page.locator("select[name=source_location_id] option:checked").inner_text() == "WH/Stock"
    assert page.locator("select[name=dest_location_id] option:checked").inner_text() == "Virtual/Scrap"
    page.select_option("select[name=type]", "adjustment")  # in, by default: from the adjustment location
    assert page.locator("select[name=source_location_id] option:checked").inner_text() == "Virtual/Inventory adjustment"
    page.click("text=Add a line")
    rows = page.locator("[data-line-row]")
    assert rows.count() == 4
    rows.nth(3).locator("select").select_option(str(master_data["laptop"]))
    rows.nth(3).locator("input").fill("2")
    page.click("button:has-text('Create')")
    page.wait_for_selector("text=created. Assign the serial numbers")
    assert page.locator("h1").inner_text().startswith("WH/ADJ/")
    assert page.locator("[data-count]").inner_text() == "0 / 2"
    page.click("text=Type or paste a list")
    page.fill("textarea[name=serials]", "ADJ-1\nADJ-2")
    assert page.locator("[data-entry-count]").inner_text() == "2 entries"
    page.click("button:has-text('Add the list')")
    assert page.locator("[data-count]").inner_text() == "2 / 2"
