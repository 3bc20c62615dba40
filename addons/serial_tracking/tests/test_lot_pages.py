"""Lot pages mirror serial pages: the list with what is in stock and expiry flags, one lot with
where it is and its history, and creating a lot by hand."""
import re
from datetime import date, timedelta

from erp_core.testing import activity_of, log_in, ok

from .common import create_partner, create_product, invoice_move, post_invoice, validate
from .test_lots import LATER, PAST, SOON, put_lots, receive_lots


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_lot_list_shows_stock_and_flags_expired_and_soon_expiring_lots(api, client):
    syrup = create_product(api, "Cough Syrup", tracking="lot")
    receive_lots(api, syrup, [("S-OLD", 5, PAST), ("S-SOON", 10, SOON - timedelta(days=20)), ("S-LATE", 20, LATER)])
    log_in(client, "warehouse")
    page = text(client.get("/inventory/lots"))
    rows = re.findall(r'/inventory/lots/\d+">([^<]+)</a></td><td>[^<]*</td>\s*<td>([^<]*)(.*?)</td>\s*<td class="num">([^<]*)</td>',
                      page, re.S)
    assert [(name, "Expired" in flag, "Expires soon" in flag, qty) for name, _, flag, qty in rows] == [
        ("S-OLD", True, False, "5"), ("S-SOON", False, True, "10"), ("S-LATE", False, False, "20")]
    assert re.findall(r'/inventory/lots/\d+">([^<]+)</a>', text(client.get("/inventory/lots?q=late"))) == ["S-LATE"]
    assert "No lot matches." in text(client.get("/inventory/lots?q=nothing-like-this"))


def test_the_lot_list_costs_the_same_statements_whatever_the_number_of_products_on_it(api, client, count_statements):
    log_in(client, "warehouse")
    receive_lots(api, create_product(api, "Syrup 0", tracking="lot"), [("B-0", 1, LATER)])
    with count_statements() as few:
        text(client.get("/inventory/lots"))
    for n in range(1, 4):
        receive_lots(api, create_product(api, f"Syrup {n}", tracking="lot"), [(f"B-{n}", 1, LATER)])
    with count_statements() as many:
        page = text(client.get("/inventory/lots"))
    assert all(f"Syrup {n}" in page for n in range(4))
    queries = lambda counter: [s for s in counter.statements if s.startswith("SELECT")]  # noqa: E731 (the session may write too)
    assert len(queries(many)) == len(queries(few))


def test_a_lot_page_shows_where_it_is_its_history_and_activity(api, client):
    syrup = create_product(api, "Cough Syrup", tracking="lot")
    receipt = receive_lots(api, syrup, [("L-1", 30, LATER)])
    delivery = invoice_move(api, post_invoice(api, "customer_invoice", create_partner(api, "Pharmacy One"), [(syrup, 12)]))
    ok(put_lots(api, delivery, [("L-1", 12, None)]))
    delivery = ok(validate(api, delivery))
    lot = ok(api.get(f"/lots?product_id={syrup['id']}"))["items"][0]
    log_in(client, "warehouse")
    page = text(client.get(f"/inventory/lots/{lot['id']}"))
    assert "<dt>WH/Stock</dt><dd>18</dd>" in page and "<dt>In stock</dt><dd>18</dd>" in page
    history = re.findall(r'/inventory/moves/\d+">([^<]+)</a>.*?<td class="num">([^<]+)</td>', page, re.S)
    assert history == [(receipt["reference"], "30"), (delivery["reference"], "12")]
    assert activity_of(page) == [], "a lot made by a receipt was not created by hand"


def test_an_inventory_manager_creates_a_lot_by_hand_and_a_warehouse_user_may_not(api, client):
    syrup = create_product(api, "Cough Syrup", tracking="lot")
    log_in(client, "warehouse")
    assert client.get("/inventory/lots/new").status_code == 403
    manager = client.application.test_client()
    log_in(manager, "inventory_manager")
    expiry = date.today() + timedelta(days=90)
    response = manager.post("/inventory/lots/new", data={"name": " L-NEW ", "product_id": syrup["id"], "expiry_date": expiry.isoformat()})
    assert response.status_code == 302
    page = text(manager.get(response.location))
    assert "<h1>L-NEW</h1>" in page and f"{expiry.isoformat()}" in page and "None of it is in stock." in page
    assert activity_of(page)[0][1:] == ("inventory_manager_web", f"Created by hand, expires {expiry.isoformat()}")
    again = manager.post("/inventory/lots/new", data={"name": "L-NEW", "product_id": syrup["id"]})
    assert "The lot L-NEW already exists for" in text(again)
