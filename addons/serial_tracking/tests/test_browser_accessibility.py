"""Accessibility in a real browser: axe-core's WCAG 2.1 A and AA rules on every page a menu of any
role reaches, the guide, the documents and the forms, on a desktop and on a phone; and what axe
cannot see: no page scrolls sideways on a phone, a keyboard user leaves a menu, and the message
after Validate is where the focus is."""
from __future__ import annotations

from datetime import date, timedelta
from itertools import count
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from erp_core.testing import Api, ok

from .common import assign, create_partner, create_product, invoice_move, post_invoice, receive, serial
from .test_lots import receive_lots

pytestmark = pytest.mark.browser

WIDTHS = ({"width": 1280, "height": 900}, {"width": 390, "height": 844})
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}
USERS = count(1)
ROLES = ("admin", "accountant", "warehouse", "inventory_manager")  # admin first: it sees every menu entry
EMPTY_LISTS = ("/invoicing/refunds", "/inventory/serials?q=no-such-unit", "/inventory/moves?q=no-such-move",
               "/inventory/stock?q=no-such-product", "/partners?q=no-such-partner")


@pytest.fixture
def shop(live_server):
    """The demo data, units received, moved, delivered and in lots, and one of each document the
    test opens: the paths of those pages. Refunds and counts stay empty (and searches find nothing)."""
    app = live_server.app
    with app.app_context():
        app.extensions["erp"].hook.erp_demo_data()
        api = Api(app)
        laptop, syrup = create_product(api, "Laptop 15"), create_product(api, "Cough Syrup", tracking="lot")
        customer = create_partner(api, "Fabrikam Retail")
        receipt = receive(api, laptop, ["LT-0001", "LT-0002", "LT-0003"])
        pending = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 2)]))
        receive_lots(api, syrup, [("SY-1", 20, date.today() + timedelta(days=400))])
        invoice = post_invoice(api, "customer_invoice", customer, [(laptop, 2)])
        delivery = invoice_move(api, invoice)
        ok(assign(api, delivery, ["LT-0001"]))
        lot = ok(api.get(f"/lots?product_id={syrup['id']}"))["items"][0]
        count = ok(api.as_("inventory_manager").post("/counts", json={"location_id": receipt["dest_location_id"]}), 201)
        user = ok(api.get("/users"))["items"][0]
        return {"receipt": f"/inventory/moves/{receipt['id']}", "delivery": f"/inventory/moves/{delivery['id']}",
                "pending receipt": f"/inventory/moves/{pending['id']}",
                "backorder question": f"/inventory/moves/{delivery['id']}/validate",
                "invoice": f"/invoicing/{invoice['id']}", "serial": f"/inventory/serials/{serial(api, 'LT-0001')['id']}",
                "lot": f"/inventory/lots/{lot['id']}", "product": f"/products/{laptop['id']}",
                "partner": f"/partners/{customer['id']}", "customer units": f"/inventory/partners/{customer['id']}/serials",
                "trace": f"/inventory/invoices/{invoice['id']}/trace", "count": f"/inventory/counts/{count['id']}",
                "user": f"/settings/users/{user['id']}", "slip": f"/inventory/moves/{delivery['id']}/delivery-slip",
                "forms": ["/invoicing/new/vendor_bill", "/invoicing/new/customer_invoice", "/products/new", "/partners/new",
                          "/inventory/locations/new", "/inventory/moves/new", "/settings/users/new", "/inventory/serials/import",
                          "/inventory/serials/new", "/inventory/lots/new", f"/inventory/moves/{receipt['id']}/return",
                          f"/inventory/moves/{receipt['id']}/lines/{receipt['lines'][0]['id']}/correct", "/preferences"]}


def log_in_as(page, live_server, role: str) -> None:
    username, password = live_server.create_user(f"{role}_{next(USERS)}", role)
    page.context.clear_cookies()
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")


def local_paths(page, selector: str) -> list[str]:
    """The paths the links matching ``selector`` lead to, in order, once each."""
    hrefs = page.eval_on_selector_all(selector, "links => links.map(a => a.href)")
    return list(dict.fromkeys(urlsplit(h).path + (f"?{urlsplit(h).query}" if urlsplit(h).query else "") for h in hrefs))


def problems_on(page, url: str, label: str) -> list[str]:
    """Each WCAG 2.1 A/AA violation on the page at each width, one line per element, and a page that
    scrolls sideways on a phone. The page loads once: the phone width is a resize, as on a turned tablet."""
    found = []
    page.set_viewport_size(WIDTHS[0])
    response = page.goto(url)
    assert response.ok, f"{label}: {response.status}"
    page.evaluate(AXE_SCRIPT)  # axe-core as bundled in axe-playwright-python: nothing is fetched
    for size in WIDTHS:
        page.set_viewport_size(size)
        # Two frames: the resize observers of erp.js have run.
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        where = f"{label} at {size['width']} px"
        for violation in page.evaluate("options => axe.run(document, options)", WCAG_21_AA)["violations"]:
            found += [f"{where}: {violation['id']} ({violation['impact']}) on {node['target']}: {violation['help']}"
                      for node in violation["nodes"]]
        if size["width"] < 700 and page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth"):
            found.append(f"{where}: the page scrolls sideways")
    return found


def menu_pages(page, live_server, shop) -> list[tuple[str, str]]:
    """(role, path): the dashboard of each role, every menu entry once (under the first role that has it),
    and lists searched down to nothing."""
    pages = []
    for role in ROLES:
        log_in_as(page, live_server, role)
        seen = {p for _, p in pages}
        pages += [(role, path) for path in ["/"] + local_paths(page, "#mainnav a") if path == "/" or path not in seen]
    return pages + [("admin", path) for path in EMPTY_LISTS]


def guide_pages(page, live_server, shop) -> list[tuple[str, str]]:
    log_in_as(page, live_server, "accountant")
    page.goto(live_server.url + "/help")
    return [("accountant", path) for path in local_paths(page, ".guide-toc a")]


def document_pages(page, live_server, shop) -> list[tuple[str, str]]:
    log_in_as(page, live_server, "admin")
    return [("admin", shop[name]) for name in shop if name != "forms"] + [("admin", path) for path in shop["forms"]]


# Three tests rather than one, so that `make test` spreads them over its workers.
@pytest.mark.parametrize("pages", [menu_pages, guide_pages, document_pages], ids=["menus", "guide", "documents"])
def test_every_page_meets_wcag_21_aa_on_a_desktop_and_on_a_phone(page, live_server, shop, pages):
    problems, role_now = [], None
    listed = pages(page, live_server, shop)
    assert len(listed) > 10, listed
    for role, path in listed:
        if role != role_now:
            log_in_as(page, live_server, role)
            role_now = role
        problems += problems_on(page, live_server.url + path, f"{path} ({role})")
    assert problems == [], "\n".join(problems)


def eventually(locator, predicate: str, seconds: float = 5) -> bool:
    """Whether ``predicate`` (JavaScript, given the element) comes true within ``seconds``: the page
    reacts to a resize or a key some frames later. Polled from here, because page.wait_for_function
    needs an eval that the app's Content Security Policy forbids."""
    for _ in range(int(seconds * 10)):
        if locator.evaluate(predicate):
            return True
        locator.page.wait_for_timeout(100)
    return False


def test_a_table_that_scrolls_sideways_on_a_phone_is_a_named_stop_for_the_keyboard_and_only_then(login, live_server):
    with live_server.app.app_context():
        api = Api(live_server.app)
        receive(api, create_product(api, "Laptop 15"), ["LT-0001"])
    page = login("warehouse")
    page.goto(live_server.url + "/inventory/stock")
    box = page.locator("main .table-wrap")
    assert box.get_attribute("tabindex") is None, "where the table fits, Tab does not stop on its frame"
    page.set_viewport_size(WIDTHS[1])
    assert eventually(box, "box => box.tabIndex === 0"), "on a phone the scrolling table is a keyboard stop"
    assert (box.get_attribute("role"), box.get_attribute("aria-label")) == ("region", "Stock Quantities (scrolls sideways)")
    box.focus()
    page.keyboard.press("ArrowRight")
    assert eventually(box, "box => box.scrollLeft > 0"), "the arrow keys scroll the table"


@pytest.fixture
def receipt(live_server):
    """A receipt of two laptops with their serial numbers assigned, waiting to be validated."""
    with live_server.app.app_context():
        api = Api(live_server.app)
        move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(create_product(api, "Laptop 15"), 2)]))
        ok(assign(api, move, ["LT-0101", "LT-0102"]))
        return move


def test_after_validate_the_focus_is_on_the_message_so_a_screen_reader_reads_it(login, live_server, receipt):
    page = login("warehouse")
    page.goto(f"{live_server.url}/inventory/moves/{receipt['id']}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Validate')")
    page.wait_for_selector(".flashes")
    focused = page.evaluate("({cls: document.activeElement.className, role: document.activeElement.getAttribute('role'),"
                            " text: document.activeElement.innerText})")
    assert focused == {"cls": "flashes", "role": "status",
                       "text": f"{receipt['reference']} is done: the stock has moved and each serial's history records it."}


@pytest.mark.parametrize("where, heading", [
    ("move", "Receiving and delivering serialized goods"), ("serial list", "Finding a unit"), ("invoice", "Posting")])
def test_help_opens_the_guide_at_the_part_about_the_page_in_a_new_tab(login, live_server, receipt, where, heading):
    page = login("admin")
    paths = {"move": f"/inventory/moves/{receipt['id']}", "serial list": "/inventory/serials",
             "invoice": f"/invoicing/{receipt['invoice_id']}"}
    page.goto(live_server.url + paths[where])
    help_link = page.locator("header a.help-button")
    assert help_link.get_attribute("target") == "_blank" and help_link.get_attribute("rel") == "noopener"
    assert help_link.inner_text().endswith("(opens in a new tab)")
    with page.context.expect_page() as opened:
        help_link.click()
    guide = opened.value
    guide.wait_for_load_state()
    anchor = urlsplit(guide.url).fragment
    assert anchor and guide.locator(f".guide-body #{anchor}").inner_text() == heading
    assert page.url == live_server.url + paths[where], "the page the user was on stays open"
