"""An accountant types a vendor bill in the browser (line editor with JavaScript), fixes a mistake,
posts it and sees its number and totals."""
from datetime import date

import pytest

from erp_core import services as core
from erp_core.database import db
from erp_core.testing import pick

pytestmark = pytest.mark.browser


@pytest.fixture
def master_data(live_server):
    with live_server.app.app_context():
        vendor = core.create_partner("Northwind Components")
        dock = core.create_product({"name": "USB-C dock", "default_code": "DOCK", "type": "storable"})
        for n in range(1, 31):  # more than a picker offers at once
            core.create_product({"name": f"USB-C hub {n:02}", "type": "storable"})
        db.session.commit()
        return {"vendor": vendor.id, "dock": dock.id}


def _row(page, index):
    return page.locator("[data-lines] [data-line]").nth(index)


def _totals(page):
    return [page.locator(f"[data-{name}]").first.inner_text() for name in ("untaxed", "tax", "total")]


def test_accountant_types_fixes_and_posts_a_vendor_bill(login, live_server, master_data):
    page = login("accountant")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live_server.url + "/invoicing/bills")
    page.click("text=New vendor bill")
    pick(page.locator("#partner_id"), "north", "Northwind Components")

    first = _row(page, 0)
    product = first.get_by_role("combobox")
    product.press_sequentially("usb-c")  # the server searches, ignoring case, and offers the first 20 matches
    offers = first.get_by_role("listbox")
    offers.get_by_role("option", name="[DOCK] USB-C dock").wait_for()
    assert offers.get_by_role("option").all_inner_texts() == ["[DOCK] USB-C dock"] + [f"USB-C hub {n:02}" for n in range(1, 20)] + [
        "More match: type more to narrow them down."]
    assert product.get_attribute("aria-expanded") == "true"
    product.press("ArrowDown")
    product.press("ArrowDown")
    product.press("ArrowUp")  # back to the first offer
    assert product.get_attribute("aria-activedescendant") == offers.get_by_role("option").first.get_attribute("id")
    product.press("Enter")  # chooses it, and does not send the form
    assert product.input_value() == "[DOCK] USB-C dock" and product.get_attribute("aria-expanded") == "false"
    assert first.locator("[name$=-product_id]").input_value() == str(master_data["dock"])
    assert first.locator("[name$=-description]").input_value() == "[DOCK] USB-C dock"  # filled from the product
    first.locator("[name$=-quantity]").fill("2")
    first.locator("[name$=-unit_price]").fill("10.50")
    first.locator("[name$=-tax_rate]").fill("21")
    assert first.locator("[data-subtotal]").inner_text() == "21.00"
    assert _totals(page) == ["21.00", "4.41", "25.41"]  # updated while typing

    page.click("text=Add a line")
    second = _row(page, 1)
    second.locator("[name$=-description]").fill("Freight")
    second.locator("[name$=-quantity]").fill("1")
    page.click("text=Add a line")
    _row(page, 2).locator("[name$=-description]").fill("Typed by mistake")
    _row(page, 2).locator("[name$=-quantity]").fill("9")
    _row(page, 2).locator("[name$=-unit_price]").fill("9")
    assert _totals(page)[2] == "106.41"
    _row(page, 2).locator("text=Remove").click()
    assert page.locator("[data-lines] [data-line]").count() == 2
    assert first.locator("[name$=-unit_price]").input_value() == "10.50"  # what was typed is still there
    assert _totals(page) == ["21.00", "4.41", "25.41"]

    page.click("button.primary:has-text('Save draft')")  # the freight has no price yet
    second = _row(page, 1)
    assert second.locator(".error").inner_text() == "Enter a unit price."
    assert second.locator("[name$=-description]").input_value() == "Freight"
    second.locator("[name$=-unit_price]").fill("25")
    assert _totals(page) == ["46.00", "4.41", "50.41"]
    page.click("button.primary:has-text('Save draft')")

    page.wait_for_selector("text=saved.")
    page.click("button:has-text('Post')")
    number = f"BILL/{date.today().year}/0001"
    page.wait_for_selector(f"text=Posted as {number}.")
    assert page.locator("[data-number]").inner_text() == number
    assert page.locator("h1").inner_text() == number
    assert _totals(page) == ["46.00", "4.41", "50.41"]
    assert page.locator(".invoice-lines tbody tr").count() == 2


def test_line_editor_fits_a_phone(login, live_server, master_data):
    page = login("accountant")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + "/invoicing/new/vendor_bill")
    page.click("text=Add a line")
    assert page.locator("[data-lines] [data-line]").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
