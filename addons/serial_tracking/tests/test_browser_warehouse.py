"""Warehouse reality in the browser, as people do it: a short shipment validated with a backorder
that later receives the rest; a partial return whose units show their warranty as returned; a wrong
serial number corrected, then a location counted with one unit missing and one unexpected, applied,
and every one of those units' histories telling it."""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from erp_core import services as core
from erp_core.database import db

pytestmark = pytest.mark.browser


@pytest.fixture
def world(live_server):
    """A vendor, a customer, a serial-tracked laptop with 24 months of warranty; ``world.post(...)``
    posts an invoicing document and ``world.receive``/``world.deliver`` move units, behind the scenes."""
    with live_server.app.app_context():
        vendor, customer = core.create_partner("Litware Computers"), core.create_partner("Contoso Retail")
        laptop = core.create_product({"name": "Laptop 14", "default_code": "LT14", "type": "storable", "tracking": "serial",
                                      "warranty_months": 24})
        db.session.commit()
        ids = {"vendor": vendor.id, "customer": customer.id, "laptop": laptop.id}

    class World:
        def __init__(self):
            self.__dict__.update(ids)

        def post(self, kind: str, partner_id: int, quantity: int) -> tuple[str, str, int]:
            """(document number, its move's reference, its move's id)."""
            from erp_addons.invoicing import services as invoicing
            from erp_addons.serial_tracking.models import StockMove

            with live_server.app.app_context():
                document = invoicing.create_invoice({"type": kind, "partner_id": partner_id, "lines": [
                    {"product_id": self.laptop, "quantity": Decimal(quantity), "unit_price": Decimal(800)}]})
                invoicing.post_invoice(document)
                move = db.session.scalar(db.select(StockMove).where(StockMove.invoice_id == document.id))
                db.session.commit()
                return document.number, move.reference, move.id

        def move(self, kind: str, partner_id: int, names: list[str]) -> int:
            from erp_addons.serial_tracking import services as stock

            _, _, move_id = self.post(kind, partner_id, len(names))
            with live_server.app.app_context():
                move = stock.get_move(move_id)
                stock.assign_serials(move, move.lines[0], names, replace=True)
                stock.validate_move(move, None)
                db.session.commit()
            return move_id

        def receive(self, names):
            return self.move("vendor_bill", self.vendor, names)

        def deliver(self, names):
            return self.move("customer_invoice", self.customer, names)

    return World()


def _scan(page, code: str):
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def _ready_to_scan(page):
    """The page has loaded (its script too) and the scan field has the focus: keys typed before that
    go to a page that is still arriving."""
    page.wait_for_load_state("load")
    expect(page.locator("input[name=serial]").first).to_be_focused()


def _serial_page(page, live_server, name: str):
    page.goto(f"{live_server.url}/inventory/serials?q={name}")
    page.click(f"a:text-is('{name}')")
    expect(page.locator("h1")).to_have_text(name)


def _history(page) -> list[str]:
    """The rows of the serial page's location history, as the user reads them."""
    rows = page.locator("section:has(h2:has-text('Location history')) tbody tr")
    return [re.sub(r"\s+", " ", text).strip() for text in rows.all_inner_texts()]


def _fact(page, label: str) -> str:
    return re.sub(r"\s+", " ", page.locator(f"dt:text-is('{label}') + dd").first.inner_text()).strip()  # the first card's


def test_a_short_receipt_validated_with_a_backorder_that_receives_the_rest(login, live_server, world):
    bill, receipt, _ = world.post("vendor_bill", world.vendor, 3)
    page = login("warehouse")
    page.click("text=Pending receipts")
    page.click(f"text={receipt}")
    expect(page.locator("h1")).to_have_text(receipt)
    _ready_to_scan(page)
    _scan(page, "LT14-0001")
    _scan(page, "LT14-0002")
    expect(page.locator("[data-count]")).to_have_text("2 / 3")

    # The page was opened before the scans, whose script did not reload it: Validate asks all the same.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".page-header >> text=Validate")
    expect(page.locator("h1")).to_have_text(f"Validate {receipt}?")
    page.click("button:has-text('Validate the 2 scanned and create a backorder for the 1 missing')")
    expect(page.locator(".flash-success")).to_contain_text(f"{receipt} is done with the 2 units scanned")
    backorder = page.locator("dt:text-is('Backorder') + dd a").inner_text()
    assert backorder != receipt and backorder.startswith("WH/IN/")
    assert page.locator(".badge-done").count() == 1 and page.locator("input[name=serial]").count() == 0
    page.screenshot(path="/tmp/warehouse_short_receipt_done.png", full_page=True)

    page.click(f"dt:text-is('Backorder') + dd >> text={backorder}")  # the third unit arrives a week later
    expect(page.locator("h1")).to_have_text(backorder)
    assert _fact(page, "Backorder of").startswith(receipt)
    expect(page.locator("[data-count]")).to_have_text("0 / 1")
    _ready_to_scan(page)
    _scan(page, "LT14-0003")
    expect(page.locator("[data-count]")).to_have_text("1 / 1")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".page-header button:has-text('Validate')")  # complete: no question, the usual confirmation
    expect(page.locator(".flash-success")).to_contain_text(f"{backorder} is done")

    page.click(f"text={bill}")  # the invoice the moves came from
    panel = page.locator("section.panel:has(h2:has-text('Stock moves'))")
    rows = [re.sub(r"\s+", " ", row) for row in panel.locator("tbody tr").all_inner_texts()]
    assert len(rows) == 2
    assert rows[0].startswith(f"{receipt} Receipt Done") and "2 / 2: LT14-0001, LT14-0002" in rows[0]
    assert rows[1].startswith(f"{backorder} backorder Receipt Done") and "1 / 1: LT14-0003" in rows[1]
    assert panel.locator("text=Not on any stock move").count() == 0
    page.screenshot(path="/tmp/warehouse_invoice_two_moves.png", full_page=True)


def test_a_partial_return_shows_the_warranty_of_the_returned_units_as_returned(login, live_server, world):
    world.receive(["LT14-0101", "LT14-0102", "LT14-0103"])
    delivery_id = world.deliver(["LT14-0101", "LT14-0102", "LT14-0103"])
    page = login("warehouse")
    page.goto(f"{live_server.url}/inventory/moves/{delivery_id}")
    delivery = page.locator("h1").inner_text()
    page.click(".page-header >> text=Return")
    boxes = page.locator("input[name=serial]")
    assert boxes.count() == 3 and all(boxes.nth(i).is_checked() for i in range(3))  # everything, until unticked
    page.uncheck("input[name=serial][value='LT14-0103']")
    assert not page.locator("input[data-pick-all]").is_checked()
    page.click("button:has-text('Create the return')")
    expect(page.locator(".flash-success")).to_contain_text(f"brings back 2 units of {delivery}")
    back = page.locator("h1").inner_text()
    assert _fact(page, "Return of") == delivery
    assert page.locator("[data-serial-list] li span").all_inner_texts() == ["LT14-0102", "LT14-0101"]
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".page-header button:has-text('Validate')")
    expect(page.locator(".flash-success")).to_contain_text(f"{back} is done")

    for name in ("LT14-0101", "LT14-0102"):
        _serial_page(page, live_server, name)
        assert page.locator("[data-warranty] .badge").inner_text() == "Returned"
        assert _fact(page, "Warranty end") == "—" and _fact(page, "Current location") == "WH/Stock"
        assert _fact(page, "Returned").endswith(f"by {back}")
        assert _history(page)[-1].split(" UTC ")[1].startswith(f"{back} Receipt Partners/Customers WH/Stock")
    page.screenshot(path="/tmp/warehouse_serial_returned.png", full_page=True)
    _serial_page(page, live_server, "LT14-0103")  # kept by the customer: still under warranty
    assert page.locator("[data-warranty] .badge").inner_text() == "Active" and page.locator("[data-returned]").count() == 0
    page.goto(f"{live_server.url}/inventory/moves/{delivery_id}")
    assert _fact(page, "Returned by").startswith(back)


def test_a_correction_then_a_count_with_a_unit_missing_and_one_unexpected(login, live_server, world):
    receipt_id = world.receive(["LT14-0201", "LT14-O202", "LT14-0203"])  # a letter O typed for a zero
    page = login("warehouse")
    page.goto(f"{live_server.url}/inventory/moves/{receipt_id}")
    receipt = page.locator("h1").inner_text()
    page.click("text=Correct a serial number")
    page.select_option("select[name=wrong]", "LT14-O202")
    page.fill("input[name=right]", "LT14-0202")
    page.fill("textarea[name=reason]", "Letter O typed for a zero")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Correct')")
    expect(page.locator(".flash-success")).to_contain_text(f"{receipt} is corrected by")
    corrections = _fact(page, "Corrections")
    undo, redo = re.match(r"(WH/OUT/\d+), (WH/IN/\d+) \(Letter O typed for a zero\)$", corrections).groups()
    _serial_page(page, live_server, "LT14-O202")
    assert [row.split(" UTC ")[1].split(" ")[0] for row in _history(page)] == [receipt, undo]
    assert _fact(page, "Current location") == "Partners/Vendors"
    _serial_page(page, live_server, "LT14-0202")
    assert [row.split(" UTC ")[1].split(" ")[0] for row in _history(page)] == [redo]

    # Counting WH/Stock: LT14-0203 is not on the shelf, LT14-0999 is there though nobody received it.
    page.click("text=Inventory")
    page.click(".menu-panel >> text=Locations")
    page.click("tr:has-text('WH/Stock') >> button:has-text('Count')")
    expect(page.locator("h1")).to_contain_text("WH/COUNT/")
    count = page.locator("h1").inner_text()
    _ready_to_scan(page)
    for name in ("LT14-0201", "LT14-0202"):
        _scan(page, name)
        expect(page.locator("[data-count-feedback]")).to_have_text(f"{name} counted.")
    _scan(page, "LT14-0999")
    expect(page.locator("[data-count-feedback]")).to_contain_text("LT14-0999 is not a known serial number")
    expect(page.locator(".count-unknown h2")).to_have_text("LT14-0999: which product?")
    page.select_option(".count-unknown select[name=product_id]", str(world.laptop))
    page.click(".count-unknown button:has-text('Count it')")
    expect(page.locator(".flash-success")).to_have_text("LT14-0999 counted.")
    sections = {name: page.locator(f"[data-section={name}] tbody tr").all_inner_texts() for name in ("missing", "unexpected", "elsewhere")}
    assert [re.sub(r"\s+", " ", row) for row in sections["missing"]] == ["LT14-0203 [LT14] Laptop 14 WH/Stock"]
    assert [re.sub(r"\s+", " ", row) for row in sections["unexpected"]] == ["LT14-0999 [LT14] Laptop 14 never seen: a new unit"]
    assert sections["elsewhere"] == []
    assert page.locator("[data-counted-list] li span").all_inner_texts() == ["LT14-0999", "LT14-0202", "LT14-0201"]
    page.screenshot(path="/tmp/warehouse_count_difference.png", full_page=True)

    page.click("text=Log out")
    page = login("inventory_manager")
    page.goto(f"{live_server.url}/inventory/counts")
    page.click(f"text={count}")
    page.fill("textarea[name=reason]", "Monthly count of WH/Stock")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Apply')")
    expect(page.locator(".flash-success")).to_have_text(f"{count} is applied: 2 done moves put the records right.")
    made = page.locator(".count-moves li a").all_inner_texts()
    out, into = made
    assert out.startswith("WH/ADJ/") and into.startswith("WH/ADJ/")

    _serial_page(page, live_server, "LT14-0203")  # missing: counted out of stock
    assert _history(page)[-1].split(" UTC ")[1].startswith(f"{out} Inventory adjustment WH/Stock Virtual/Inventory adjustment")
    assert _fact(page, "Status") == "Out of stock"
    _serial_page(page, live_server, "LT14-0999")  # unexpected: counted into stock
    assert [row.split(" UTC ")[1] for row in _history(page)] == [
        f"{into} Inventory adjustment Virtual/Inventory adjustment WH/Stock inventory_manager_ui"]
    assert _fact(page, "Status") == "Available"
    page.click(f"text={into}")
    assert _fact(page, "Count") == count and _fact(page, "Reason") == f"{count}: Monthly count of WH/Stock"
    page.screenshot(path="/tmp/warehouse_count_move.png", full_page=True)
