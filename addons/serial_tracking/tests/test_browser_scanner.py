"""The move page with a barcode scanner, as a warehouse person uses it: codes typed at scanner speed
(a few ms a key, then Enter) wherever the focus is on the page, product barcodes choosing a line,
GS1 DataMatrix codes filling the line of their GTIN, refusals said in words with their own sound,
and the focus moving on to the next line that still lacks serial numbers."""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from erp_core import services as core
from erp_core.database import db

pytestmark = pytest.mark.browser

SCANNER_DELAY = 5    # ms between keystrokes: a scanner, not a person
GS = "\x1d"          # FNC1 as a scanner sends it inside GS1 data
DOCK_EAN = "4006381333931"
GTIN = "09506000134352"  # the GS1 example GTIN; the product stores it as its GTIN-13
ACCEPTED_TONE, REFUSED_TONES = 1320, [220, 165]  # a short high beep; two low buzzes

# What the person hears and feels, recorded: the page's generated tones and vibrations.
RECORD_SOUNDS = """
window.tones = []; window.vibrations = [];
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) { window.tones.push(this.frequency.value); return start.apply(this, args); };
navigator.vibrate = (pattern) => { window.vibrations.push(pattern); return true; };
"""


@pytest.fixture
def app_settings():
    """Serial numbers unique across products: a receipt then knows a monitor's label when it sees one
    (unique per product, the same name could be a new unit of the product received)."""
    return {"ERP_SERIAL_UNIQUENESS": "global"}


def _receipt(live_server, lines: list[tuple[dict, int]]) -> int:
    """A posted vendor bill's receipt of ``lines`` ((product values, quantity)); its id."""
    from erp_addons.invoicing import services as invoicing
    from erp_addons.serial_tracking.models import StockMove

    with live_server.app.app_context():
        vendor = core.create_partner("Litware Computers")
        products = [core.create_product({"type": "storable", "tracking": "serial", **values}) for values, _ in lines]
        bill = invoicing.create_invoice({"type": "vendor_bill", "partner_id": vendor.id, "lines": [
            {"product_id": product.id, "quantity": Decimal(quantity), "unit_price": Decimal(100)}
            for product, (_, quantity) in zip(products, lines)]})
        invoicing.post_invoice(bill)
        move = db.session.scalar(db.select(StockMove).where(StockMove.invoice_id == bill.id))
        db.session.commit()
        return move.id


def _in_stock(live_server, product: dict, name: str) -> None:
    """A unit of another product, already received."""
    from erp_addons.serial_tracking import services as stock

    move_id = _receipt(live_server, [(product, 1)])
    with live_server.app.app_context():
        move = stock.get_move(move_id)
        stock.assign_serials(move, move.lines[0], [name], replace=True)
        stock.validate_move(move, None)
        db.session.commit()


def _open(page, live_server, move_id: int):
    page.add_init_script(RECORD_SOUNDS)
    page.goto(f"{live_server.url}/inventory/moves/{move_id}")
    page.wait_for_load_state("load")  # the page's script listens from here on


def _scan(page, code: str):
    page.keyboard.type(code, delay=SCANNER_DELAY)
    page.keyboard.press("Enter")


def _line(page, product: str):
    return page.locator("section[data-line]", has=page.locator(f"h2:has-text('{product}')"))


def _last_tones(page, count: int) -> list[float]:
    return page.evaluate(f"window.tones.slice(-{count})")


def test_scans_anywhere_on_the_page_product_barcodes_refusals_and_full_lines(login, live_server):
    _in_stock(live_server, {"name": "27-inch monitor", "default_code": "MON27"}, "MON-0009")
    move_id = _receipt(live_server, [
        ({"name": "Laptop 14", "default_code": "LT14", "serial_pattern": r"LT-[A-Z]\d{3}", "serial_uppercase": True}, 2),
        ({"name": "Dock", "barcode": DOCK_EAN}, 1)])
    page = login("warehouse")
    _open(page, live_server, move_id)
    laptop, dock = _line(page, "Laptop 14"), _line(page, "Dock")
    expect(laptop.locator("input[name=serial]")).to_be_focused()

    # (a) a tap on the page takes the focus away from the field; the scan still lands as a serial number
    page.locator("h1").click()
    assert page.evaluate("document.activeElement === document.body")
    _scan(page, "LT-A001")
    expect(laptop.locator("[data-count]")).to_have_text("1 / 2")
    expect(laptop.locator("[data-feedback]")).to_have_text("serial LT-A001: added (1 / 2).")
    assert laptop.locator("[data-serial-list] li span").all_inner_texts() == ["LT-A001"]
    assert _last_tones(page, 1) == [ACCEPTED_TONE]

    # (b) the dock's EAN chooses the dock's line, and is no serial number
    _scan(page, DOCK_EAN)
    expect(dock.locator("[data-feedback]")).to_have_text("GTIN 0" + DOCK_EAN + " → Dock: now scan its serial numbers.")
    expect(dock.locator("input[name=serial]")).to_be_focused()
    expect(dock).to_have_class(re.compile(r"\bscanning\b"))  # highlighted: where the next scans go
    assert dock.locator("[data-count]").inner_text() == "0 / 1" and laptop.locator("[data-count]").inner_text() == "1 / 2"
    assert dock.locator("[data-serial-list] li").count() == 0

    # another product's unit is named for what it is, with the refusal's sound and vibration
    _scan(page, "MON-0009")
    expect(dock.locator("[data-feedback]")).to_contain_text("MON-0009 is a 27-inch monitor, not this product")
    assert _last_tones(page, 2) == REFUSED_TONES and page.evaluate("window.vibrations.length") == 1
    assert dock.locator("[data-refused] li").all_inner_texts() == [dock.locator("[data-feedback]").inner_text()]

    # (e) the dock's line is full: the focus moves on to the laptop's, the only one still lacking units
    _scan(page, "D-1")
    expect(dock.locator("[data-count]")).to_have_text("1 / 1")
    expect(laptop.locator("input[name=serial]")).to_be_focused()
    expect(laptop.locator("[data-feedback]")).to_have_text("Dock is complete: scan the serial numbers of this line.")

    # (c) the laptop keeps its serial numbers in capitals: lt-a001 is LT-A001, scanned twice
    _scan(page, "lt-a001")
    expect(laptop.locator("[data-feedback]")).to_contain_text("lt-a001 refused: LT-A001 is given twice in")
    assert laptop.locator("[data-count]").inner_text() == "1 / 2" and page.evaluate("window.vibrations.length") == 2

    # (d) a serial number that does not fit the product's pattern, with the pattern in words
    _scan(page, "XX-1")
    expect(laptop.locator("[data-feedback]")).to_have_text(
        'XX-1 does not look like a serial number of [LT14] Laptop 14: they are "LT-", a capital letter, 3 digits '
        '(pattern LT-[A-Z]\\d{3}).')
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path="/work/notes/screens/scanner-refusal-1280.png", full_page=True)

    # a header opened by a tap keeps the focus; the scanner's Enter adds the code and leaves it open
    paste = laptop.locator("details", has=page.locator("summary:has-text('Type or paste a list')"))
    paste.locator("summary").click()
    assert paste.evaluate("d => d.open") and page.evaluate("document.activeElement.tagName") == "SUMMARY"
    _scan(page, "lt-b002")
    expect(laptop.locator("[data-count]")).to_have_text("2 / 2")
    expect(laptop.locator("[data-feedback]")).to_have_text(
        "serial LT-B002 (scanned as lt-b002): added (2 / 2). Every line is complete: Validate the move.")
    assert paste.evaluate("d => d.open")
    assert laptop.locator("[data-serial-list] li span").all_inner_texts() == ["LT-B002", "LT-A001"]
    page.screenshot(path="/work/notes/screens/scanner-understood-1280.png", full_page=True)

    # on a phone, Validate stays on screen while the person scrolls through the lines
    page.set_viewport_size({"width": 390, "height": 844})
    dock.scroll_into_view_if_needed()
    page.mouse.wheel(0, 2000)
    validate = page.locator(".validate-bar button:has-text('Validate')")
    box = validate.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= 844 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/work/notes/screens/scanner-understood-390.png")


def test_a_gs1_datamatrix_fills_the_line_of_its_gtin_and_says_what_it_read(login, live_server):
    """Issue 11: the scanner sends FNC1 as the GS character (or as Ctrl+], which the page turns
    into one); the code picks its line by GTIN whatever line the focus is on."""
    move_id = _receipt(live_server, [({"name": "Laptop 14", "default_code": "LT14", "barcode": DOCK_EAN}, 1),
                                     ({"name": "Dock 2", "barcode": GTIN[1:]}, 2)])
    page = login("warehouse")
    _open(page, live_server, move_id)
    laptop, dock = _line(page, "Laptop 14"), _line(page, "Dock 2")
    expect(laptop.locator("input[name=serial]")).to_be_focused()

    page.locator("h1").click()  # from the page itself, not the field
    _scan(page, f"]d201{GTIN}21DM-1{GS}10L-7")
    expect(dock.locator("[data-count]")).to_have_text("1 / 2")
    expect(dock.locator("[data-feedback]")).to_have_text(f"GTIN {GTIN} → Dock 2, serial DM-1, lot L-7: added (1 / 2).")
    assert dock.locator("[data-serial-list] li span").all_inner_texts() == ["DM-1"]
    assert laptop.locator("[data-count]").inner_text() == "0 / 1" and laptop.locator("[data-serial-list] li").count() == 0
    expect(dock.locator("input[name=serial]")).to_be_focused()

    # a scanner set up to send FNC1 as Ctrl+]: the laptop's line, by its EAN as a GTIN
    page.keyboard.type(f"]d2010{DOCK_EAN}21LT-9", delay=SCANNER_DELAY)
    page.keyboard.press("Control+BracketRight")
    page.keyboard.type("10L-8", delay=SCANNER_DELAY)
    page.keyboard.press("Enter")
    expect(laptop.locator("[data-count]")).to_have_text("1 / 1")
    expect(laptop.locator("[data-feedback]")).to_have_text(f"GTIN 0{DOCK_EAN} → Laptop 14, serial LT-9, lot L-8: added (1 / 1).")
    expect(dock.locator("input[name=serial]")).to_be_focused()  # the laptop is full: back to the dock, which lacks one

    # a broken check digit is refused in words
    _scan(page, f"(01){GTIN[:-1]}3(21)DM-2")
    expect(dock.locator("[data-feedback]")).to_contain_text("wrong check digit")
    assert dock.locator("[data-count]").inner_text() == "1 / 2"
    page.set_viewport_size({"width": 390, "height": 844})
    dock.locator("[data-feedback]").scroll_into_view_if_needed()
    page.screenshot(path="/work/notes/screens/scanner-refusal-390.png")


def test_codes_scanned_before_the_answers_arrive_follow_the_focus_to_the_next_line(login, live_server):
    move_id = _receipt(live_server, [({"name": "Laptop 14"}, 1), ({"name": "Dock"}, 1)])
    page = login("warehouse")
    _open(page, live_server, move_id)
    laptop, dock = _line(page, "Laptop 14"), _line(page, "Dock")
    expect(laptop.locator("input[name=serial]")).to_be_focused()
    page.keyboard.type("LT-1\nDK-1\n", delay=SCANNER_DELAY)  # the second code is on its way before the first is answered
    expect(dock.locator("[data-count]")).to_have_text("1 / 1")
    assert laptop.locator("[data-serial-list] li span").all_inner_texts() == ["LT-1"]
    assert dock.locator("[data-serial-list] li span").all_inner_texts() == ["DK-1"]
    assert page.locator("[data-refused] li").count() == 0


def test_a_person_typing_keeps_the_focus(login, live_server):
    move_id = _receipt(live_server, [({"name": "Laptop 14"}, 2)])
    page = login("warehouse")
    _open(page, live_server, move_id)
    laptop = _line(page, "Laptop 14")
    scan_field = laptop.locator("input[name=serial]")
    expect(scan_field).to_be_focused()
    page.locator("h1").click()
    page.keyboard.type("ab", delay=250)  # a person's pace on the page: not a scan
    assert page.evaluate("document.activeElement === document.body") and scan_field.input_value() == ""
    laptop.locator("summary:has-text('Generate a range')").click()
    first = laptop.locator("input[name=first]")
    first.click()
    page.keyboard.type("SN-0001", delay=SCANNER_DELAY)  # even keys at a scanner's pace stay in the field the person is in
    expect(first).to_be_focused()
    assert first.input_value() == "SN-0001" and laptop.locator("[data-count]").inner_text() == "0 / 2"
