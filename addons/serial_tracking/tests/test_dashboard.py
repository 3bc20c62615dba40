"""The dashboard per role: the warehouse sees the receipts and deliveries waiting (with the next ones
to do), the accountant the drafts to post, and those who oversee every team (inventory managers,
admins) both, with a chart of the receipts and deliveries done per week. The product page draws the
product's stock over time."""
import html
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import update

from erp_addons.serial_tracking.models import StockMove

from erp_core.database import db, utcnow
from erp_core.testing import log_in

from .common import create_invoice, create_partner, create_product, invoice_move, post_invoice, receive

SVG = "{http://www.w3.org/2000/svg}"


def week_label(day) -> str:
    monday = day - timedelta(days=day.weekday())
    return f"{monday:%b} {monday.day}"


def backdate(move_id: int, days: int) -> None:
    db.session.execute(update(StockMove).where(StockMove.id == move_id).values(done_at=utcnow() - timedelta(days=days)))
    db.session.commit()


def chart(page: str, key: str) -> ET.Element:
    """The chart ``key`` of a page, parsed as the SVG it is."""
    found = re.search(rf'<svg class="chart"[^>]*data-chart="{key}".*?</svg>', page, re.S)
    assert found, f"no chart {key} on the page"
    return ET.fromstring(found.group(0))


def cards(page: str) -> dict[str, str]:
    """Each dashboard card's heading → its HTML."""
    return {html.unescape(title): body for title, body in
            re.findall(r'<section class="card[^"]*">\s*<h2>(.*?)</h2>(.*?)</section>', page, re.S)}


@pytest.fixture
def work(api):
    """Two receipts done (one three weeks ago), one waiting, a delivery waiting, and a draft customer invoice."""
    laptop = create_product(api, "Laptop")
    customer = create_partner(api, "Ada Customer")
    old = receive(api, laptop, ["OLD-1", "OLD-2"])
    backdate(old["id"], 21)
    receive(api, laptop, ["NEW-1"])
    waiting = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api, "Vendor Ltd"), [(laptop, 2)]))
    delivery = invoice_move(api, post_invoice(api, "customer_invoice", customer, [(laptop, 1)]))
    draft = create_invoice(api, "customer_invoice", customer, [(laptop, 1)])
    return {"waiting": waiting, "delivery": delivery, "laptop": laptop, "draft": draft}


def dashboard_of(app, role: str) -> str:
    client = app.test_client()
    log_in(client, role)
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_warehouse_sees_its_work_waiting_and_nothing_of_the_accountants(app, work):
    page = dashboard_of(app, "warehouse")
    shown = cards(page)
    assert list(shown) == ["Inventory"]
    inventory = shown["Inventory"]
    assert re.search(r">Pending receipts</a></dt><dd>1</dd>", inventory) and re.search(r">Pending deliveries</a></dt><dd>1</dd>", inventory)
    waiting, delivery = work["waiting"], work["delivery"]
    assert f'<a href="/inventory/moves/{waiting["id"]}">{waiting["reference"]}</a> <span class="muted">Vendor Ltd · BILL/' in inventory
    assert f'<a href="/inventory/moves/{delivery["id"]}">{delivery["reference"]}</a> <span class="muted">Ada Customer · INV/' in inventory
    assert "to post" not in page and 'class="chart"' not in page


def test_the_accountant_sees_drafts_to_post_and_nothing_of_the_warehouses(app, work):
    page = dashboard_of(app, "accountant")
    shown = cards(page)
    assert list(shown) == ["Invoicing"]
    assert re.search(r'href="/invoicing/invoices\?state=draft">Customer invoices to post</a></dt><dd>1</dd>', shown["Invoicing"])
    draft = work["draft"]
    card = " ".join(shown["Invoicing"].split())
    assert (f'Oldest drafts</h3> <ul class="card-list"> <li><a href="/invoicing/{draft["id"]}">'
            f'Draft customer invoice #{draft["id"]}</a> <span class="muted">Ada Customer · {draft["invoice_date"]}</span></li> '
            '</ul>') in card
    assert "Pending receipts" not in page and "Next deliveries" not in page and 'class="chart"' not in page


@pytest.mark.parametrize("role", ["inventory_manager", "admin"])
def test_managers_see_every_teams_work_and_the_weekly_chart(app, work, role):
    page = dashboard_of(app, role)
    assert list(cards(page)) == ["Invoicing", "Inventory", "Receipts and deliveries per week"]
    svg = chart(page, "moves-per-week")
    assert svg.find(f"{SVG}title").text == "Receipts and deliveries per week"
    assert "2 receipts and 0 deliveries in all" in svg.find(f"{SVG}desc").text
    bars = {(b.get("data-series"), b.get("data-category")): b for b in svg.iter(f"{SVG}rect") if b.get("class") == "bar"}
    today = utcnow().date()
    weeks = [week for _, week in sorted((float(b.get("x")), week) for (series, week), b in bars.items() if series == "Receipts")]
    assert len(weeks) == 8 and len(bars) == 16 and weeks[-1] == week_label(today)
    receipts = {week: int(bars["Receipts", week].get("data-value")) for week in weeks}
    assert receipts[week_label(today)] == 1 and receipts[week_label(today - timedelta(days=21))] == 1
    assert sum(receipts.values()) == 2 and all(bars["Deliveries", w].get("data-value") == "0" for w in weeks)
    # A bar's height is its value on the axis: the receipts of this week reach the tick labelled 1.
    ticks = {t.text: float(t.get("y")) - 4 for t in svg.iter(f"{SVG}text") if t.get("class") == "y-label"}
    this_week = bars["Receipts", week_label(today)]
    assert float(this_week.get("y")) == pytest.approx(ticks["1"], abs=0.2)
    assert float(this_week.get("y")) + float(this_week.get("height")) == pytest.approx(ticks["0"], abs=0.2)
    assert bars["Deliveries", week_label(today)].get("height") == "0.0"
    assert [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "x-label"] == weeks
    # The same numbers as a table, for those who do not see the picture.
    table = page.split('<details class="chart-data">', 1)[1]
    assert f'<tr><th scope="row">{week_label(today)}</th><td class="num">1</td><td class="num">0</td></tr>' in table


def test_the_product_page_draws_its_stock_over_time(app, work):
    laptop = work["laptop"]  # 2 units received three weeks ago, 1 today
    client = app.test_client()
    log_in(client, "warehouse")
    page = client.get(f"/products/{laptop['id']}").get_data(as_text=True)
    svg = chart(page, f"stock-{laptop['id']}")
    assert svg.find(f"{SVG}title").text == "Stock of Laptop over time"
    assert "3 now, 0 at the lowest and 3 at the highest" in svg.find(f"{SVG}desc").text
    ticks = {t.text: float(t.get("y")) - 4 for t in svg.iter(f"{SVG}text") if t.get("class") == "y-label"}
    steps = [float(y) for y in re.findall(r"V([\d.]+)", svg.find(f"{SVG}path").get("d"))]
    # Levels met along the line, in order: none, 2 from the old receipt, 3 from today's.
    levels = [next(label for label, y in ticks.items() if y == pytest.approx(step, abs=0.2)) for step in steps]
    assert [level for i, level in enumerate(levels) if i == 0 or level != levels[i - 1]] == ["0", "2", "3"]
    table = page.split('<details class="chart-data">', 1)[1].split("</details>", 1)[0]
    today = utcnow().date()
    assert re.findall(r'<th scope="row">(.*?)</th><td class="num">(.*?)</td>', table) == [
        ((today - timedelta(days=21)).isoformat(), "2"), (today.isoformat(), "3")]
