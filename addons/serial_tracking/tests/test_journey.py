"""A unit's journey as a picture on its page: one node per location, one labelled edge per move,
returns and corrections drawn apart; read from the SVG itself and seen in the browser."""
import re
import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import expect

from erp_core.testing import Api, log_in, ok

from .common import create_location, create_partner, create_product, deliver, receive, serial, stock_location, validate

SVG = "{http://www.w3.org/2000/svg}"


def a_travelled_unit(api) -> dict:
    """SN-J1 received from Northwind, moved to Shelf B, delivered to Contoso, returned: four moves."""
    laptop = create_product(api, "Journey Laptop")
    receipt = receive(api, laptop, ["SN-J1"], vendor=create_partner(api, "Northwind"))
    stock = stock_location(api)
    shelf = create_location(api, "Shelf B", stock["id"])
    transfer = ok(validate(api, ok(api.post("/moves", json={
        "type": "internal", "source_location_id": stock["id"], "dest_location_id": shelf["id"],
        "lines": [{"product_id": laptop["id"], "quantity": 1, "serials": ["SN-J1"]}]}), 201)))
    delivery = deliver(api, laptop, ["SN-J1"], create_partner(api, "Contoso"))
    back = ok(validate(api, ok(api.as_("warehouse").post(f"/moves/{delivery['id']}/return", json={"serials": ["SN-J1"]}), 201)))
    return {"serial": serial(api, "SN-J1"), "moves": [receipt, transfer, delivery, back], "product": laptop}


def journey_svg(html: str) -> ET.Element:
    return ET.fromstring(re.search(r'<svg class="journey".*?</svg>', html, re.S).group(0))


def text_of(element: ET.Element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def test_the_journey_has_a_node_per_location_and_an_edge_per_move_labelled_with_date_document_and_user(api, client):
    unit = a_travelled_unit(api)
    log_in(client, "warehouse")
    svg = journey_svg(client.get(f"/inventory/serials/{unit['serial']['id']}").get_data(as_text=True))

    nodes = [g.get("data-location") for g in svg.iter(f"{SVG}g") if g.get("class") == "node"]
    assert nodes == ["Partners/Vendors", "WH/Stock", "WH/Stock/Shelf B", "Partners/Customers"]
    edges = [g for g in svg.iter(f"{SVG}g") if (g.get("class") or "").startswith("edge ")]
    assert [(g.get("data-from"), g.get("data-to"), g.get("class")) for g in edges] == [
        ("Partners/Vendors", "WH/Stock", "edge edge-move"), ("WH/Stock", "WH/Stock/Shelf B", "edge edge-move"),
        ("WH/Stock/Shelf B", "Partners/Customers", "edge edge-move"), ("Partners/Customers", "WH/Stock", "edge edge-return")]
    labels = [" / ".join(text_of(t) for t in g.iter(f"{SVG}text")) for g in edges]
    for label, move in zip(labels, unit["moves"]):
        assert move["reference"] in label and move["done_at"][:10] in label and "warehouse_user" in label
    assert "· Return" in labels[3] and "Return" not in labels[0]
    invoices = [ok(api.get(f"/invoices/{unit['moves'][i]['invoice_id']}"))["number"] for i in (0, 2)]
    assert invoices[0] in labels[0] and invoices[1] in labels[2]
    # the lanes follow the first appearance of each location; the return arrow runs right to left
    xs = {g.get("data-location"): float(g.find(f"{SVG}circle").get("cx")) for g in svg.iter(f"{SVG}g") if g.get("class") == "node"}
    back = edges[3].find(f"{SVG}line")
    assert float(back.get("x1")) == xs["Partners/Customers"] and float(back.get("x2")) < xs["Partners/Customers"]
    assert back.get("stroke-dasharray"), "a return is dashed"


def test_a_correction_is_drawn_apart_and_a_unit_that_never_moved_has_no_picture(api, client):
    laptop = create_product(api)
    receipt = receive(api, laptop, ["SN-WRONG", "SN-OK"])
    ok(api.as_("warehouse").post(f"/moves/{receipt['id']}/lines/{receipt['lines'][0]['id']}/correct",
                                 json={"wrong": "SN-WRONG", "right": "SN-RIGHT", "reason": "Label misread"}), 201)
    log_in(client, "warehouse")
    svg = journey_svg(client.get(f"/inventory/serials/{serial(api, 'SN-WRONG')['id']}").get_data(as_text=True))
    assert [g.get("class") for g in svg.iter(f"{SVG}g") if (g.get("class") or "").startswith("edge ")] == ["edge edge-move", "edge edge-correction"]
    fresh = ok(api.post("/serials", json={"name": "SN-NEW", "product_id": laptop["id"]}), 201)
    page = client.get(f"/inventory/serials/{fresh['id']}").get_data(as_text=True)
    assert 'class="journey"' not in page and "Not received yet." in page


@pytest.mark.browser
def test_the_browser_shows_the_timeline_with_four_edges_and_its_links_lead_to_the_moves(live_server, login):
    with live_server.app.app_context():
        unit = a_travelled_unit(Api(live_server.app))
    page = login("warehouse")
    page.goto(f"{live_server.url}/inventory/serials/{unit['serial']['id']}")
    journey = page.locator("svg.journey")
    expect(journey.locator("g.edge")).to_have_count(4)
    expect(journey.locator("g.node")).to_have_count(4)
    expect(journey.locator("g.edge-return")).to_have_count(1)
    assert journey.bounding_box()["height"] > 200
    journey.locator("g.edge").nth(1).locator("a").first.click()
    expect(page.locator("h1")).to_have_text(unit["moves"][1]["reference"])
