"""The inventory pages without JavaScript (and the JSON answer the scan field's script uses):
what a warehouse user or inventory manager sees and can do on each page."""
import re

import pytest

from erp_core.testing import log_in

from .common import (assign, create_location, create_partner, create_product, invoice_move, ok, post_invoice, receive, serial,
                     stock_location)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _count(html: str) -> str:
    return re.search(r"data-count[^>]*>([^<]*)<", html).group(1).strip()


def _assigned(html: str) -> list[str]:
    """The serial numbers listed in the assigned list of the (first) line, in page order."""
    block = re.search(r"data-serial-list.*?</ol>", html, re.S).group(0)
    return re.findall(r"<li><span>([^<]*)</span>", block)


def _picked(html: str) -> list[str]:
    """The serial numbers offered by the delivery picker."""
    return re.findall(r'type="checkbox" name="serial" value="([^"]+)"', html)


@pytest.fixture
def receipt(api, laptop):
    """A pending receipt for 3 laptops, from a posted vendor bill."""
    return invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api, "Litware"), [(laptop, 3)]))


def _line_url(move: dict, action: str, line: int = 0) -> str:
    return f"/inventory/moves/{move['id']}/lines/{move['lines'][line]['id']}/{action}"


def _serials_of(api, move: dict) -> list[str]:
    return ok(api.get(f"/moves/{move['id']}"))["lines"][0]["serials"]


def test_receipt_page_shows_the_facts_and_an_empty_scan_panel(web, receipt):
    html = _text(web.get(f"/inventory/moves/{receipt['id']}"))
    assert receipt["reference"] in html and "Receipt" in html and "Partners/Vendors" in html and "WH/Stock" in html
    assert "Litware" in html and "BILL/" in html
    assert _count(html) == "0 / 3"
    assert re.search(r'<input[^>]*name="serial"[^>]*autofocus', html, re.S)
    assert "Validate" in html and "Cancel move" in html
    assert "Pick from stock" not in html  # a receipt brings new units: nothing to pick


def test_scan_without_script_adds_good_serials_and_refuses_a_bad_one_with_its_reason(api, web, receipt):
    response = web.post(_line_url(receipt, "scan"), data={"serial": " SN-1 "})
    assert response.status_code == 302 and response.location.endswith(f"#line-{receipt['lines'][0]['id']}")
    response = web.post(_line_url(receipt, "scan"), data={"serial": "SN-1"})
    assert response.status_code == 422
    html = _text(response)
    assert "given twice" in html and _count(html) == "1 / 3"
    assert re.search(r'data-feedback[^>]*>\s*SN-1 is given twice', html)  # next to the field
    assert _serials_of(api, receipt) == ["SN-1"]
    html = _text(web.post(_line_url(receipt, "scan"), data={"serial": "BAD\x07"}))
    assert "refused: A serial number cannot hold invisible characters" in html and "U+0007" in html
    web.post(_line_url(receipt, "scan"), data={"serial": "SN-2"})
    assert _serials_of(api, receipt) == ["SN-1", "SN-2"]
    html = _text(web.get(f"/inventory/moves/{receipt['id']}"))
    assert _count(html) == "2 / 3" and _assigned(html) == ["SN-2", "SN-1"]  # last scanned on top


def test_scan_from_the_script_answers_json(api, web, receipt):
    headers = {"Accept": "application/json"}
    body = web.post(_line_url(receipt, "scan"), data={"serial": "SN-7"}, headers=headers).get_json()
    assert body == {"line_id": receipt["lines"][0]["id"], "assigned": True, "serial": "SN-7", "lot": None, "count": 1,
                    "quantity": 3, "ready": False, "understood": ["serial SN-7"], "message": "serial SN-7: added (1 / 3)."}
    response = web.post(_line_url(receipt, "scan"), data={"serial": ""}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["code"] == "invalid_serial"
    assert _serials_of(api, receipt) == ["SN-7"]


def test_scan_without_script_of_a_product_barcode_chooses_its_line_and_of_gs1_data_fills_the_line_of_its_gtin(api, web, laptop):
    dock = create_product(api, "Dock")
    ok(api.as_("inventory_manager").patch(f"/products/{dock['id']}", json={"barcode": "9506000134352"}))
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 1), (dock, 2)]))
    dock_line = move["lines"][1]["id"]
    response = web.post(_line_url(move, "scan"), data={"serial": "9506000134352"})  # on the laptop's line
    assert response.status_code == 302 and response.location.endswith(f"?line={dock_line}#line-{dock_line}")
    html = _text(web.get(response.location))
    assert "GTIN 09506000134352 → Dock: now scan its serial numbers." in html
    assert re.search(rf'<input[^>]*id="scan-{dock_line}"[^>]*autofocus', html, re.S)  # the next scan goes to the dock
    web.post(_line_url(move, "scan"), data={"serial": "(01)09506000134352(21)DK-1"})
    html = _text(web.get(f"/inventory/moves/{move['id']}"))
    assert "GTIN 09506000134352 → Dock, serial DK-1: added (1 / 2)." in html
    assert [line["serials"] for line in ok(api.get(f"/moves/{move['id']}"))["lines"]] == [[], ["DK-1"]]


def test_pasted_list_shows_every_bad_entry_and_keeps_the_text(api, web, receipt):
    text = "SN-1\nSN-1, " + "X" * 65 + "\tSN-3"
    response = web.post(_line_url(receipt, "paste"), data={"serials": text})
    assert response.status_code == 422
    html = _text(response)
    assert "given twice" in html and "at most 64 characters" in html
    assert f">{text}</textarea>" in html.replace("&#39;", "'")
    assert _serials_of(api, receipt) == []  # all or nothing

    response = web.post(_line_url(receipt, "paste"), data={"serials": "SN-1\n\nSN-2,SN-3\n"})
    assert response.status_code == 302
    assert _serials_of(api, receipt) == ["SN-1", "SN-2", "SN-3"]
    web.post(_line_url(receipt, "paste"), data={"serials": "SN-9", "replace": "1"})
    assert _serials_of(api, receipt) == ["SN-9"]


def test_generate_keeps_zero_padding_and_remove_takes_one_off(api, web, receipt):
    assert web.post(_line_url(receipt, "generate"), data={"first": "SN-0009", "count": "3"}).status_code == 302
    assert _serials_of(api, receipt) == ["SN-0009", "SN-0010", "SN-0011"]
    response = web.post(_line_url(receipt, "generate"), data={"first": "SN-0100", "count": "1"})
    assert response.status_code == 422 and "too many" in _text(response)
    assert web.post(_line_url(receipt, "remove"), data={"serial": "SN-0010"}).status_code == 302
    assert _serials_of(api, receipt) == ["SN-0009", "SN-0011"]
    response = web.post(_line_url(receipt, "generate"), data={"first": "SN-1", "count": "many"})
    assert response.status_code == 422 and "whole number" in _text(response)
    web.post(_line_url(receipt, "remove"), data={"all": "1"})
    assert _serials_of(api, receipt) == []


def test_validate_then_the_serial_page_shows_stock_status_and_history(api, web, receipt, laptop):
    web.post(_line_url(receipt, "paste"), data={"serials": "SN-1\nSN-2"})
    response = web.post(f"/inventory/moves/{receipt['id']}/validate", follow_redirects=True)
    assert "1 serial number is missing" in _text(response) and "Validate the 2 scanned" in _text(response)  # asked, not done
    assert ok(api.get(f"/moves/{receipt['id']}"))["state"] == "pending"
    web.post(_line_url(receipt, "scan"), data={"serial": "SN-3"})
    html = _text(web.post(f"/inventory/moves/{receipt['id']}/validate", follow_redirects=True))
    assert "is done" in html and "badge-done" in html and 'name="serial"' not in html  # no more scanning

    unit = serial(api, "SN-2", laptop)
    html = _text(web.get(f"/inventory/serials/{unit['id']}"))
    assert "WH/Stock" in html and ">Available<" in html and "Litware" in html and "BILL/" in html
    history = re.search(r"Location history.*?</table>", html, re.S).group(0)
    assert history.count("<tr>") == 2  # heading + one move
    assert receipt["reference"] in history and "Partners/Vendors" in history and "warehouse_web" in history
    assert re.search(r'<a href="/invoicing/\d+">BILL/\d+/\d+</a>', history)  # the document, linked


def test_delivery_picker_lists_available_units_and_fills_only_when_asked(api, web, laptop):
    receive(api, laptop, ["SN-1", "SN-2", "SN-3", "SN-4"])
    customer = create_partner(api, "Contoso")
    delivery = invoice_move(api, post_invoice(api, "customer_invoice", customer, [(laptop, 3)]))
    html = _text(web.get(f"/inventory/moves/{delivery['id']}"))
    assert "Pick from stock at WH/Stock" in html and "4 available" in html
    assert _picked(html) == ["SN-1", "SN-2", "SN-3", "SN-4"]
    assert "Fill with the 3 oldest" in html
    assert _serials_of(api, delivery) == []  # nothing chosen by itself

    web.post(_line_url(delivery, "pick"), data={"serial": ["SN-4"]})
    assert _serials_of(api, delivery) == ["SN-4"]
    html = _text(web.get(f"/inventory/moves/{delivery['id']}?pick{delivery['lines'][0]['id']}=SN-2"))
    assert _picked(html) == ["SN-2"]  # search; SN-4 is reserved now
    web.post(_line_url(delivery, "pick"), data={"fill": "1"})
    assert _serials_of(api, delivery) == ["SN-4", "SN-1", "SN-2"]

    html = _text(web.post(f"/inventory/moves/{delivery['id']}/validate", follow_redirects=True))
    assert "is done" in html
    html = _text(web.get(f"/inventory/serials/{serial(api, 'SN-1', laptop)['id']}"))
    assert "Out of stock" in html and "Contoso" in html and "INV/" in html
    assert re.search(r"Warranty end</dt><dd>\d{4}-\d\d-\d\d<", html)


def test_a_delivery_scan_of_a_unit_elsewhere_says_where_it_is(api, web, laptop):
    shelf = create_location(api, "Shelf 9", stock_location(api)["parent_id"])
    receive(api, laptop, ["SN-1"])
    move = ok(api.as_("warehouse").post("/moves", json={"type": "internal", "source_location_id": shelf["id"],
                                                       "dest_location_id": stock_location(api)["id"],
                                                       "lines": [{"product_id": laptop["id"], "quantity": 1}]}), 201)
    html = _text(web.post(_line_url(move, "scan"), data={"serial": "SN-1"}))
    assert "not at WH/Shelf 9" in html and "WH/Stock" in html


def test_a_line_with_many_serials_shows_one_page_at_a_time(api, web, laptop):
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 250)]))
    web.post(_line_url(move, "generate"), data={"first": "SN-001", "count": "250"})
    html = _text(web.get(f"/inventory/moves/{move['id']}"))
    assert _count(html) == "250 / 250"
    names = _assigned(html)
    assert len(names) == 100 and names[0] == "SN-250" and names[-1] == "SN-151"
    assert "1–100 of 250" in html
    line_id = move["lines"][0]["id"]
    names = _assigned(_text(web.get(f"/inventory/moves/{move['id']}?p{line_id}=3")))
    assert names[0] == "SN-050" and names[-1] == "SN-001"


def test_roles_that_may_not_assign_see_no_tools_and_are_refused(api, client, receipt):
    log_in(client, "accountant")
    html = _text(client.get(f"/inventory/moves/{receipt['id']}"))
    assert 'name="serial"' not in html and "Validate" not in html
    assert client.post(_line_url(receipt, "scan"), data={"serial": "SN-1"}).status_code == 403
    response = client.post(_line_url(receipt, "scan"), data={"serial": "SN-1"}, headers={"Accept": "application/json"})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert client.post(f"/inventory/moves/{receipt['id']}/validate").status_code == 403
    assert _serials_of(api, receipt) == []


def test_cancel_releases_the_move(api, web, receipt):
    html = _text(web.post(f"/inventory/moves/{receipt['id']}/cancel", follow_redirects=True))
    assert "is cancelled" in html and "badge-cancelled" in html
    assert ok(api.get(f"/moves/{receipt['id']}"))["state"] == "cancelled"
    html = _text(web.post(_line_url(receipt, "scan"), data={"serial": "SN-1"}, follow_redirects=True))  # an old tab
    assert "is cancelled: only pending moves can be changed" in html and _serials_of(api, receipt) == []


def test_move_list_searches_and_filters(api, web, laptop, receipt):
    customer = create_partner(api, "Contoso")
    delivery = invoice_move(api, post_invoice(api, "customer_invoice", customer, [(laptop, 1)]))
    html = _text(web.get("/inventory/moves"))
    assert receipt["reference"] in html and delivery["reference"] in html
    html = _text(web.get("/inventory/moves?q=contoso"))
    assert delivery["reference"] in html and receipt["reference"] not in html
    html = _text(web.get("/inventory/moves?q=WH/IN"))
    assert receipt["reference"] in html and delivery["reference"] not in html
    html = _text(web.get("/inventory/moves?type=delivery&state=pending"))
    assert delivery["reference"] in html and receipt["reference"] not in html
    assert receipt["reference"] not in _text(web.get("/inventory/moves?state=done"))


def test_new_move_offers_each_role_only_what_it_may_create(api, client, laptop):
    log_in(client, "warehouse")
    html = _text(client.get("/inventory/moves/new"))
    assert re.findall(r'<option (?:selected )?value="(\w+)"', re.search(r'name="type".*?</select>', html, re.S).group(0)) == ["internal"]
    stock = stock_location(api)
    shelf = create_location(api, "Shelf 1", stock["parent_id"])
    data = {"type": "internal", "source_location_id": stock["id"], "dest_location_id": shelf["id"], "partner_id": "0",
            "lines-0-product_id": laptop["id"], "lines-0-quantity": "2", "lines-1-product_id": "0", "lines-1-quantity": ""}
    response = client.post("/inventory/moves/new", data=data)
    assert response.status_code == 302
    move = ok(api.get("/moves?type=internal"))["items"][0]
    assert response.location.endswith(f"/inventory/moves/{move['id']}")
    assert move["reference"].startswith("WH/INT/") and move["lines"][0]["quantity"] == 2
    html = _text(client.post("/inventory/moves/new", data={**data, "type": "adjustment"}))
    assert "Not a valid choice" in html and ok(api.get("/moves?type=adjustment"))["total"] == 0

    response = client.post("/inventory/moves/new", data={**data, "lines-0-quantity": "1.5"})
    assert response.status_code == 200
    assert re.search(r'has-error">\s*<label for="lines-0-quantity".*?must be a whole number', _text(response), re.S)


def test_serial_list_searches_by_prefix_and_part_and_filters(api, web, laptop):
    phone = create_product(api, "Phone")
    receive(api, laptop, ["AB-100", "AB-200", "CD-100"])
    receive(api, phone, ["AB-300"])
    names = lambda html: re.findall(r'/inventory/serials/\d+">([^<]+)</a>', html)  # noqa: E731
    assert names(_text(web.get("/inventory/serials"))) == ["AB-300", "CD-100", "AB-200", "AB-100"]  # newest first
    assert names(_text(web.get("/inventory/serials?q=AB"))) == ["AB-100", "AB-200", "AB-300"]
    assert names(_text(web.get("/inventory/serials?q=100&match=contains"))) == ["CD-100", "AB-100"]
    assert names(_text(web.get("/inventory/serials?q=100"))) == []
    assert names(_text(web.get(f"/inventory/serials?product_id={phone['id']}"))) == ["AB-300"]
    assert names(_text(web.get("/inventory/serials?status=out_of_stock"))) == []
    html = _text(web.get(f"/inventory/serials?status=available&location_id={stock_location(api)['id']}"))
    assert len(names(html)) == 4 and "1–4 of 4" in html


def test_serial_list_pages_without_counting_everything(api, web, laptop, monkeypatch):
    from erp_addons.serial_tracking.views import serials

    from erp_core import web as core_web

    monkeypatch.setattr(core_web, "PAGE_SIZE", 2)
    monkeypatch.setattr(serials, "COUNT_CAP", 3)
    receive(api, laptop, [f"SN-{n}" for n in range(1, 6)])
    html = _text(web.get("/inventory/serials"))
    assert "1–2 of more than 3 · page 1" in html and 'rel="next"' in html
    html = _text(web.get("/inventory/serials?page=3"))
    assert "5–5 of 5 · page 3 of 3" in html and 'rel="next"' not in html and "SN-1<" in html
    html = _text(web.get("/inventory/serials?q=SN-4"))
    assert "1–1 of 1" in html


def test_create_serial_number_form(api, client, laptop):
    create_product(api, "Cable", tracking="none")
    log_in(client, "warehouse")
    assert client.get("/inventory/serials/new").status_code == 403
    assert "Create Serial Number" not in _text(client.get("/inventory/serials"))
    log_in(client, "inventory_manager")
    html = _text(client.get("/inventory/serials/new"))
    assert "Laptop" in html and "Cable" not in html  # only serial-tracked products
    data = {"name": " SN-2024-001 ", "product_id": laptop["id"], "ref": "LBL-1"}
    response = client.post("/inventory/serials/new", data=data, follow_redirects=True)
    html = _text(response)
    assert "SN-2024-001" in html and "LBL-1" in html and "Never received" in html and "Out of stock" in html
    html = _text(client.post("/inventory/serials/new", data=data))
    assert re.search(r'has-error.*?already exists', html, re.S)  # next to the name field
    too_long = client.post("/inventory/serials/new", data={**data, "name": "SN-2024-002", "ref": "R" * 65})
    assert re.search(r'has-error.*?at most 64 characters', _text(too_long), re.S | re.I)  # next to the field, not a server error
    assert api.get("/serials/lookup?name=SN-2024-002").status_code == 404


def test_stock_quantities_drill_down_to_the_serials(api, web, laptop):
    receive(api, laptop, ["SN-1", "SN-2", "SN-3"])
    customer = create_partner(api)
    delivery = invoice_move(api, post_invoice(api, "customer_invoice", customer, [(laptop, 1)]))
    assign(api, delivery, ["SN-2"])
    html = _text(web.get("/inventory/stock"))
    row = re.search(r"<tr><td><a[^>]*>Laptop</a>.*?</tr>", html, re.S).group(0)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells == ["3", "1", "2"]  # on hand, reserved, free
    link = re.search(r'href="(/inventory/serials\?[^"]+)">Serial numbers', row).group(1).replace("&amp;", "&")
    assert len(re.findall(r"/inventory/serials/\d+\"", _text(web.get(link)))) == 3


def test_locations_tree_and_new_location(api, client):
    log_in(client, "warehouse")
    html = _text(client.get("/inventory/locations"))
    for name in ("WH/Stock", "Partners/Vendors", "Partners/Customers", "Virtual/Scrap"):
        assert name in html
    assert "New location" not in html and client.get("/inventory/locations/new").status_code == 403
    log_in(client, "inventory_manager")
    wh = stock_location(api)["parent_id"]
    response = client.post("/inventory/locations/new", data={"name": "Shelf A", "parent_id": wh, "usage": "internal"},
                           follow_redirects=True)
    assert "Location WH/Shelf A created." in _text(response)
    html = _text(client.post("/inventory/locations/new", data={"name": "Shelf A", "parent_id": wh, "usage": "internal"}))
    assert re.search(r'has-error.*?already exists', html, re.S)


def test_invoice_page_lists_its_moves_and_serials(api, client, laptop):
    bill = post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 7)])
    move = invoice_move(api, bill)
    assign(api, move, [f"SN-{n}" for n in range(1, 8)])
    log_in(client, "accountant")
    html = _text(client.get(f"/invoicing/{bill['id']}"))
    assert f'/inventory/moves/{move["id"]}">{move["reference"]}</a>' in html
    assert "7 / 7: SN-1, SN-2, SN-3, SN-4, SN-5, …" in html


def test_product_form_has_traceability_and_refuses_tracking_a_service(api, client):
    log_in(client, "inventory_manager")
    html = _text(client.get("/products/new"))
    assert "<legend>Traceability</legend>" in html and "By unique serial number" in html and "Warranty (months)" in html
    data = {"name": "Support plan", "type": "service", "tracking": "serial", "warranty_months": "0"}
    html = _text(client.post("/products/new", data=data))
    field = re.search(r'<div class="field\s+has-error">\s*<label for="tracking".*?</div>\s*</div>', html, re.S)
    assert field and "Only storable products can be tracked" in field.group(0)


def test_invoice_page_shows_move_serials_with_queries_that_do_not_grow_with_the_lines(api, web, count_statements):
    vendor = create_partner(api)

    def statements_for_bill(lines: int) -> int:
        products = [create_product(api) for _ in range(lines)]
        bill = post_invoice(api, "vendor_bill", vendor, [(product, 2) for product in products])
        move = invoice_move(api, bill)
        for index in range(lines):
            assign(api, move, [f"B{bill['id']}-{index}-1"], line=index)
        with count_statements() as counter:
            page = _text(web.get(f"/invoicing/{bill['id']}"))
        assert f"1 / 2: B{bill['id']}-{lines - 1}-1" in page  # each line's count and first serials
        return counter.count

    assert statements_for_bill(2) == statements_for_bill(5)


def test_fill_with_the_oldest_assigns_only_what_the_line_lacks_and_says_when_nothing_can_fill(api, web, laptop):
    receive(api, laptop, ["OLD-1", "OLD-2"])
    receive(api, laptop, ["NEW-1"])
    move = invoice_move(api, post_invoice(api, "customer_invoice", create_partner(api), [(laptop, 2)]))
    line_id = move["lines"][0]["id"]

    web.post(f"/inventory/moves/{move['id']}/lines/{line_id}/pick", data={"fill": "1"})
    assert ok(api.get(f"/moves/{move['id']}"))["lines"][0]["serials"] == ["OLD-1", "OLD-2"]

    again = web.post(f"/inventory/moves/{move['id']}/lines/{line_id}/pick", data={"fill": "1"})
    assert again.status_code == 422 and "Nothing to fill" in _text(again)
    assert ok(api.get(f"/moves/{move['id']}"))["lines"][0]["serials"] == ["OLD-1", "OLD-2"]
