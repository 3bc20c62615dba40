"""The serial list in the browser: a click on a column header sorts it (and a second click turns
the order round), Last goes to the last page, and the jump field to any page, the sort kept."""
import pytest
from erp_addons.serial_tracking import services
from playwright.sync_api import expect

from erp_core import services as core
from erp_core.database import db

pytestmark = pytest.mark.browser


@pytest.fixture
def units(live_server):
    """120 serial numbers (three pages of 50) of one product, created in an order unlike their names'."""
    with live_server.app.app_context():
        laptop = core.create_product({"name": "Laptop 14", "type": "storable", "tracking": "serial"})
        for n in range(120):
            services.create_serial(f"SN-{(n * 7) % 120:03d}", laptop.id)
        db.session.commit()


def test_a_header_click_sorts_the_serial_list_and_the_pager_reaches_the_last_page(page, live_server, login, units):
    login("warehouse")
    page.goto(f"{live_server.url}/inventory/serials")
    names = page.locator("table tbody tr td:nth-child(2) a")
    header = page.locator("th", has=page.locator("a[data-sort=name]"))
    expect(names.first).to_have_text("SN-113")  # newest first: the 120th created (119 × 7 mod 120)
    expect(header).not_to_have_attribute("aria-sort", "ascending")

    header.locator("a").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(names.first).to_have_text("SN-000")
    header.locator("a").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(names.first).to_have_text("SN-119")

    page.click(".pager a[rel=last]")
    expect(page.locator(".pager-count")).to_have_text("101–120 of 120 · page 3 of 3")
    expect(names).to_have_count(20)
    expect(names.last).to_have_text("SN-000")
    expect(page.locator("th[aria-sort=descending] a[data-sort=name]")).to_be_visible()  # the sort is kept

    page.fill(".pager-jump input[name=page]", "2")
    page.click(".pager-jump button")
    expect(page.locator(".pager-count")).to_have_text("51–100 of 120 · page 2 of 3")
    expect(names.first).to_have_text("SN-069")
