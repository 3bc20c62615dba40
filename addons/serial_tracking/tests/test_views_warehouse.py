"""The screens of warehouse reality without JavaScript: short shipments, returns, corrections, scrap,
counts, tracking changes, an invoice's move made again, and the serial rules on the product form.
Each screen's success and its refusals, read back to show that a refusal changed nothing."""
import re

import pytest

from erp_core.testing import log_in

from .common import (assign, create_location, create_partner, create_product, deliver, invoice_move, ok, post_invoice, receive,
                     serial, stock_location, validate)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _fact(html: str, label: str) -> str:
    """The text of the <dd> after the <dt> named ``label``, tags removed."""
    found = re.search(rf"<dt>{label}</dt>\s*<dd[^>]*>(.*?)</dd>", html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def _flashes(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", f).strip() for f in re.findall(r'<div class="flash flash-\w+">(.*?)</div>', html, re.S)]


def _moves(api, **filters) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return ok(api.get(f"/moves?{query}"))["items"]


# ---------------------------------------------------------------- short shipments


@pytest.fixture
def short_receipt(api, laptop):
    """A vendor bill for 3 laptops whose receipt has 2 serial numbers scanned."""
    bill = post_invoice(api, "vendor_bill", create_partner(api, "Litware"), [(laptop, 3)])
    move = invoice_move(api, bill)
    ok(assign(api, move, ["SN-1", "SN-2"]))
    return bill, move


def test_validate_asks_about_the_missing_units_and_a_backorder_links_both_moves(api, web, client, short_receipt, laptop):
    bill, move = short_receipt
    html = _text(web.get(f"/inventory/moves/{move['id']}"))
    assert f'href="/inventory/moves/{move["id"]}/validate">Validate</a>' in html  # a question, not a POST straight away

    response = web.post(f"/inventory/moves/{move['id']}/validate")  # from a page opened before the scans: asked all the same
    assert response.status_code == 302 and response.location.endswith(f"/inventory/moves/{move['id']}/validate")
    assert ok(api.get(f"/moves/{move['id']}"))["state"] == "pending"
    html = _text(web.get(f"/inventory/moves/{move['id']}/validate"))
    assert "1 serial number is missing" in html
    assert re.search(r'name="backorder" value="yes"[^>]*>Validate the 2 scanned and create a backorder for the 1 missing<', html)
    assert re.search(r'name="backorder" value="no"[^>]*>Validate the 2 scanned and drop the 1 missing<', html)
    assert f'href="/inventory/moves/{move["id"]}">Cancel</a>' in html

    response = web.post(f"/inventory/moves/{move['id']}/validate", data={"backorder": "yes"}, follow_redirects=True)
    html = _text(response)
    rest = _moves(api, invoice_id=bill["id"], state="pending")[0]
    assert f"{move['reference']} is done with the 2 units scanned; the backorder {rest['reference']} waits for the 1 unit missing." in _flashes(html)
    assert _fact(html, "Backorder").startswith(rest["reference"]) and f'/inventory/moves/{rest["id"]}"' in html
    html = _text(web.get(f"/inventory/moves/{rest['id']}"))
    assert _fact(html, "Backorder of").startswith(move["reference"]) and f'/inventory/moves/{move["id"]}"' in html
    assert re.search(r"data-count[^>]*>0 / 1<", html)

    log_in(client, "accountant")
    html = _text(client.get(f"/invoicing/{bill['id']}"))
    assert move["reference"] in html and rest["reference"] in html and "Not on any stock move" not in html


def test_dropping_the_missing_units_shows_on_the_line_and_the_invoice_offers_a_new_move(api, web, client, short_receipt, laptop):
    bill, move = short_receipt
    html = _text(web.post(f"/inventory/moves/{move['id']}/validate", data={"backorder": "no"}, follow_redirects=True))
    assert f"{move['reference']} is done with the 2 units scanned; the 1 unit missing was dropped." in _flashes(html)
    assert re.search(r"data-dropped>\s*2 done, 1 dropped<", html)
    assert "Backorder" not in html and _moves(api, state="pending") == []

    log_in(client, "warehouse")  # may not make an invoice's move again: nothing offered, and refused
    html = _text(client.get(f"/invoicing/{bill['id']}"))
    assert "Not on any stock move:" in html and "Create the stock move again" not in html
    assert client.post(f"/inventory/invoices/{bill['id']}/stock_moves").status_code == 403

    log_in(client, "accountant")
    html = _text(client.get(f"/invoicing/{bill['id']}"))
    assert re.search(r"Not on any stock move:</strong>\s*1 × Laptop", html) and "1 dropped" in html
    assert "Create the stock move again" in html
    html = _text(client.post(f"/inventory/invoices/{bill['id']}/stock_moves", follow_redirects=True))
    again = _moves(api, invoice_id=bill["id"], state="pending")
    assert len(again) == 1 and f"{again[0]['reference']} created for 1 × Laptop." in _flashes(html)
    assert again[0]["lines"][0]["quantity"] == 1 and "Create the stock move again" not in html
    html = _text(client.post(f"/inventory/invoices/{bill['id']}/stock_moves", follow_redirects=True))
    assert any("is on a done or pending move" in f for f in _flashes(html))  # refused: nothing left to move
    assert len(_moves(api, invoice_id=bill["id"])) == 2


def test_validation_refusals_change_nothing(api, web, laptop):
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 2)]))
    html = _text(web.get(f"/inventory/moves/{move['id']}"))
    assert 'action="/inventory/moves/%d/validate"' % move["id"] in html  # nothing scanned: no question, the refusal says why
    html = _text(web.post(f"/inventory/moves/{move['id']}/validate", follow_redirects=True))
    assert "0 of 2 serial numbers are assigned" in html
    html = _text(web.post(f"/inventory/moves/{move['id']}/validate", data={"backorder": "yes"}, follow_redirects=True))
    assert "has no serial number assigned" in html
    html = _text(web.post(f"/inventory/moves/{move['id']}/validate", data={"backorder": "maybe"}, follow_redirects=True))
    assert "Choose what becomes of the missing units" in html
    assert ok(api.get(f"/moves/{move['id']}"))["state"] == "pending" and len(_moves(api)) == 1
    assert web.get(f"/inventory/moves/{move['id']}/validate").status_code == 302  # nothing scanned: nothing to ask
    # The question page of a complete or done move goes back to the move.
    ok(assign(api, move, ["A", "B"]))
    assert web.get(f"/inventory/moves/{move['id']}/validate").status_code == 302


def test_roles_that_may_not_validate_are_refused_the_question(api, client, short_receipt):
    _, move = short_receipt
    log_in(client, "accountant")
    assert client.get(f"/inventory/moves/{move['id']}/validate").status_code == 403
    assert client.post(f"/inventory/moves/{move['id']}/validate", data={"backorder": "yes"}).status_code == 403
    assert ok(api.get(f"/moves/{move['id']}"))["state"] == "pending"


# ---------------------------------------------------------------- returns


def test_return_of_a_delivery_with_some_of_its_units_links_both_moves_and_shows_returned(api, web, laptop):
    customer = create_partner(api, "Contoso")
    receive(api, laptop, ["R1", "R2", "R3"])
    delivery = deliver(api, laptop, ["R1", "R2", "R3"], customer)
    html = _text(web.get(f"/inventory/moves/{delivery['id']}"))
    assert f'href="/inventory/moves/{delivery["id"]}/return">Return</a>' in html

    html = _text(web.get(f"/inventory/moves/{delivery['id']}/return"))
    assert re.findall(r'name="serial" value="([^"]+)" checked', html) == ["R1", "R2", "R3"]  # all ticked at first
    assert re.search(r'data-pick-all checked', html)
    assert "Partners/Customers" in html and "WH/Stock" in html

    response = web.post(f"/inventory/moves/{delivery['id']}/return", data={"serial": []})
    assert response.status_code == 422 and "Tick at least one serial number" in _text(response)
    assert not re.search(r'data-pick-all checked', _text(response))
    response = web.post(f"/inventory/moves/{delivery['id']}/return", data={"serial": ["R1", "NOPE"]})
    assert response.status_code == 422 and "not a valid choice" in _text(response)
    assert _moves(api, type="receipt", state="pending") == []

    response = web.post(f"/inventory/moves/{delivery['id']}/return", data={"serial": ["R1", "R2"]})
    back = _moves(api, type="receipt", state="pending")[0]
    assert response.status_code == 302 and response.location.endswith(f"/inventory/moves/{back['id']}")
    assert back["origin_move_id"] == delivery["id"] and back["lines"][0]["serials"] == ["R1", "R2"]
    html = _text(web.get(f"/inventory/moves/{back['id']}"))
    assert _fact(html, "Return of") == delivery["reference"]
    html = _text(web.get(f"/inventory/moves/{delivery['id']}"))
    assert _fact(html, "Returned by").startswith(back["reference"])

    ok(validate(api, back))
    html = _text(web.get(f"/inventory/serials/{serial(api, 'R1', laptop)['id']}"))
    assert re.search(r"data-warranty>.*>Returned<", html, re.S) and "Active" not in html
    assert _fact(html, "Returned").endswith(f"by {back['reference']}")
    html = _text(web.get(f"/inventory/serials/{serial(api, 'R3', laptop)['id']}"))
    assert ">Active<" in html and "data-returned" not in html


def test_return_of_a_receipt_goes_back_to_the_vendor_with_everything_ticked(api, web, laptop):
    receipt = receive(api, laptop, ["V1", "V2"])
    response = web.post(f"/inventory/moves/{receipt['id']}/return", data={"serial": ["V1", "V2"]}, follow_redirects=True)
    back = _moves(api, type="delivery", state="pending")[0]
    assert back["dest_location_id"] == receipt["source_location_id"] and sorted(back["lines"][0]["serials"]) == ["V1", "V2"]
    assert f"{back['reference']} created: it brings back 2 units of {receipt['reference']}." in " ".join(_flashes(_text(response)))


def test_only_done_deliveries_and_receipts_offer_a_return(api, web, client, laptop):
    pending = invoice_move(api, post_invoice(api, "customer_invoice", create_partner(api), [(laptop, 1)]))
    assert "/return" not in _text(web.get(f"/inventory/moves/{pending['id']}"))
    response = web.get(f"/inventory/moves/{pending['id']}/return", follow_redirects=True)
    assert "only a done move is returned" in _text(response)
    receipt = receive(api, laptop, ["X1"])
    log_in(client, "accountant")
    assert "/return" not in _text(client.get(f"/inventory/moves/{receipt['id']}"))
    assert client.post(f"/inventory/moves/{receipt['id']}/return", data={"serial": ["X1"]}).status_code == 403
    assert _moves(api, type="delivery") == [pending]


def test_a_customer_refund_receipt_offers_the_units_delivered_to_that_customer(api, web, laptop):
    contoso, fabrikam = create_partner(api, "Contoso"), create_partner(api, "Fabrikam")
    receive(api, laptop, ["C1", "C2", "F1", "S1"])
    invoice = post_invoice(api, "customer_invoice", contoso, [(laptop, 2)])
    ok(assign(api, invoice_move(api, invoice), ["C1", "C2"]))
    ok(validate(api, invoice_move(api, invoice)))
    deliver(api, laptop, ["F1"], fabrikam)
    refund = post_invoice(api, "customer_refund", contoso, [(laptop, 1)], reversed_invoice_id=invoice["id"])
    receipt = invoice_move(api, refund)
    html = _text(web.get(f"/inventory/moves/{receipt['id']}"))
    assert "Pick from the units delivered to Contoso (2)" in re.sub(r"\s+", " ", html)
    picked = re.findall(r'type="checkbox" name="serial" value="([^"]+)"', html)
    assert sorted(picked) == ["C1", "C2"]  # not Fabrikam's unit, not the one in stock
    web.post(f"/inventory/moves/{receipt['id']}/lines/{receipt['lines'][0]['id']}/pick", data={"serial": ["C2"]})
    assert ok(api.get(f"/moves/{receipt['id']}"))["lines"][0]["serials"] == ["C2"]
    html = _text(web.get(f"/inventory/moves/{receipt['id']}"))
    assert re.findall(r'type="checkbox" name="serial" value="([^"]+)"', html) == ["C1"]  # what is on the line is not offered again


# ---------------------------------------------------------------- corrections


def test_correcting_a_serial_of_a_done_receipt(api, web, laptop):
    receipt = receive(api, laptop, ["WRONG-1", "OK-2"])
    receive(api, laptop, ["IN-STOCK"])
    line = receipt["lines"][0]["id"]
    url = f"/inventory/moves/{receipt['id']}/lines/{line}/correct"
    assert f'href="{url}">Correct a serial number</a>' in _text(web.get(f"/inventory/moves/{receipt['id']}"))
    html = _text(web.get(url))
    assert re.findall(r"<option[^>]*>([^<]+)</option>", re.search(r'name="wrong".*?</select>', html, re.S).group(0)) == ["WRONG-1", "OK-2"]
    assert re.search(r'<input(?=[^>]*name="right")[^>]*autofocus', html)

    response = web.post(url, data={"wrong": "WRONG-1", "right": "RIGHT-1", "reason": " "})
    assert response.status_code == 422
    assert re.search(r'has-error">\s*<label for="reason".*?Say why', _text(response), re.S)
    response = web.post(url, data={"wrong": "WRONG-1", "right": "OK-2", "reason": "typo"})
    assert response.status_code == 422
    assert re.search(r'has-error">\s*<label for="right".*?OK-2 is already on this line', _text(response), re.S)
    response = web.post(url, data={"wrong": "WRONG-1", "right": "IN-STOCK", "reason": "typo"})
    assert response.status_code == 422 and "IN-STOCK is already in stock" in _text(response)
    assert len(_moves(api)) == 2

    html = _text(web.post(url, data={"wrong": "WRONG-1", "right": "RIGHT-1", "reason": "Label misread"}, follow_redirects=True))
    undo, redo = sorted((m for m in _moves(api) if m["origin_move_id"] == receipt["id"]), key=lambda m: m["id"])
    assert any(f"corrected by {undo['reference']} and {redo['reference']}" in f for f in _flashes(html))
    assert _fact(html, "Corrections") == f"{undo['reference']}, {redo['reference']} (Label misread)"
    html = _text(web.get(f"/inventory/moves/{redo['id']}"))
    assert _fact(html, "Corrects") == f"{receipt['reference']}: Label misread" and "<dt>Reason</dt>" not in html
    history = re.search(r"Location history.*?</table>", _text(web.get(f"/inventory/serials/{serial(api, 'WRONG-1')['id']}")), re.S).group(0)
    assert receipt["reference"] in history and undo["reference"] in history


def test_corrections_are_for_done_lines_and_warehouse_roles(api, web, client, laptop):
    pending = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 1)]))
    ok(assign(api, pending, ["P1"]))
    url = f"/inventory/moves/{pending['id']}/lines/{pending['lines'][0]['id']}/correct"
    assert "Correct a serial number" not in _text(web.get(f"/inventory/moves/{pending['id']}"))
    assert "Only the serial numbers of a done receipt" in _text(web.get(url, follow_redirects=True))
    receipt = receive(api, laptop, ["D1"])
    log_in(client, "accountant")
    url = f"/inventory/moves/{receipt['id']}/lines/{receipt['lines'][0]['id']}/correct"
    assert "Correct a serial number" not in _text(client.get(f"/inventory/moves/{receipt['id']}"))
    assert client.post(url, data={"wrong": "D1", "right": "D2", "reason": "x"}).status_code == 403
    assert len(_moves(api)) == 2


# ---------------------------------------------------------------- scrap


def test_an_inventory_manager_scraps_a_unit_in_stock_with_a_reason(api, client, laptop):
    receive(api, laptop, ["BROKEN"])
    unit = serial(api, "BROKEN", laptop)
    log_in(client, "warehouse")
    assert "Scrap this unit" not in _text(client.get(f"/inventory/serials/{unit['id']}"))
    assert client.post(f"/inventory/serials/{unit['id']}/scrap", data={"reason": "x"}).status_code == 403

    log_in(client, "inventory_manager")
    assert "Scrap this unit" in _text(client.get(f"/inventory/serials/{unit['id']}"))
    response = client.post(f"/inventory/serials/{unit['id']}/scrap", data={"reason": ""})
    assert response.status_code == 422
    assert re.search(r'has-error">\s*<label for="reason".*?Say why the unit is scrapped', _text(response), re.S)
    assert serial(api, "BROKEN", laptop)["location"] == "WH/Stock"

    html = _text(client.post(f"/inventory/serials/{unit['id']}/scrap", data={"reason": "Screen cracked"}, follow_redirects=True))
    scrap = _moves(api, type="scrap")[0]
    assert f"BROKEN is scrapped: {scrap['reference']} took it to Virtual/Scrap." in _flashes(html)
    assert scrap["reason"] == "Screen cracked" and "Scrap this unit" not in html
    response = client.post(f"/inventory/serials/{unit['id']}/scrap", data={"reason": "again"})
    assert response.status_code == 422 and "is not in stock, so it cannot be scrapped" in _text(response)
    assert len(_moves(api, type="scrap")) == 1


# ---------------------------------------------------------------- counts


@pytest.fixture
def shelf(api, laptop):
    """Shelf C holds C1 and C2; C3 is in WH/Stock."""
    stock = stock_location(api)
    shelf = create_location(api, "Shelf C", stock["id"])
    receive(api, laptop, ["C1", "C2", "C3"])
    transfer = ok(api.as_("warehouse").post("/moves", json={"type": "internal", "source_location_id": stock["id"], "dest_location_id": shelf["id"],
                                                            "lines": [{"product_id": laptop["id"], "quantity": 2, "serials": ["C1", "C2"]}]}), 201)
    ok(validate(api, transfer))
    return shelf


def _section(html: str, name: str) -> list[str]:
    block = re.search(rf'data-section="{name}">.*?</section>', html, re.S).group(0)
    return re.findall(r"<td>(?:<a [^>]*>)?([^<]+)(?:</a>)?</td><td>", block)


def test_counting_a_location_from_scan_to_applied(api, web, client, laptop, shelf):
    html = _text(web.get("/inventory/locations"))
    assert re.search(r'name="location_id" value="%d">\s*<button[^>]*>Count</button>' % shelf["id"], html)
    response = web.post("/inventory/counts/new", data={"location_id": shelf["id"]})
    count = ok(api.get("/counts"))["items"][0]
    assert response.status_code == 302 and response.location.endswith(f"/inventory/counts/{count['id']}")
    assert "Counting…" in _text(web.get("/inventory/locations"))  # the location offers its open count, not a second one
    url = f"/inventory/counts/{count['id']}"
    html = _text(web.get(url))
    assert re.search(r'<input[^>]*name="serial"[^>]*autofocus', html) and _section(html, "missing") == ["C1", "C2"]

    assert web.post(url + "/serials", data={"serial": "C1"}).status_code == 302
    response = web.post(url + "/serials", data={"serial": "NEW-1"})
    html = _text(response)
    assert response.status_code == 422 and "NEW-1: which product?" in html
    assert 'name="unknown" value="NEW-1"' in html and re.search(r'<select[^>]*name="product_id"', html)
    response = web.post(url + "/serials", data={"unknown": ["NEW-1"], "product_id": "0"})
    assert response.status_code == 422 and "Choose the product" in _text(response)
    assert web.post(url + "/serials", data={"unknown": ["NEW-1"], "product_id": laptop["id"]}).status_code == 302

    response = web.post(url + "/serials", data={"serials": "C3\nC1\nNEW-2"})  # C1 again, NEW-2 unknown: nothing counted
    html = _text(response)
    assert response.status_code == 422 and "C1 is counted already" in html and "NEW-2: which product?" in html
    assert ">C3\nC1\nNEW-2</textarea>" in html
    assert 'name="rest" value="C3"' in html and 'name="rest" value="C1"' not in html  # C1 was refused for another reason
    web.post(url + "/serials", data={"serials": "C3\nC9"})
    html = _text(web.post(url + "/serials", data={"unknown": ["C9"], "rest": ["C3"], "product_id": laptop["id"]}, follow_redirects=True))
    assert "2 serial numbers counted." in _flashes(html)
    assert _section(html, "missing") == ["C2"]
    assert _section(html, "unexpected") == ["NEW-1", "C9"] and "never seen: a new unit" in html
    assert _section(html, "elsewhere") == ["C3"] and re.search(r"C3</a></td><td>Laptop</td><td>WH/Stock<", html)
    html = _text(web.post(url + "/remove", data={"name": "C9"}, follow_redirects=True))
    assert "C9 is no longer counted." in _flashes(html) and _section(html, "unexpected") == ["NEW-1"]
    assert "Apply the count" not in html  # the warehouse counts; an inventory manager applies
    assert web.post(url + "/apply", data={"reason": "Shelf check"}).status_code == 403

    log_in(client, "inventory_manager")
    response = client.post(url + "/apply", data={"reason": ""})
    assert response.status_code == 422 and re.search(r'has-error">\s*<label for="reason".*?Say why', _text(response), re.S)
    response = client.post(url + "/apply", data={"reason": "x" * 490})  # the moves keep it after the reference: too long
    assert response.status_code == 422 and re.search(r'has-error">\s*<label for="reason".*?At most 484 characters', _text(response), re.S)
    assert ok(api.get(f"/counts/{count['id']}"))["state"] == "open"
    html = _text(client.post(url + "/apply", data={"reason": "Shelf check"}, follow_redirects=True))
    applied = ok(api.get(f"/counts/{count['id']}"))
    assert applied["state"] == "applied" and f"{count['reference']} is applied: 3 done moves put the records right." in _flashes(html)
    moves = [ok(api.get(f"/moves/{m}")) for m in applied["moves"]]
    for move in moves:
        assert f'/inventory/moves/{move["id"]}">{move["reference"]}</a>' in html
    assert 'name="serial"' not in html and "Cancel count" not in html
    assert re.findall(r"<li><span>([^<]+)</span>", html) == ["C3", "NEW-1", "C1"]  # what was counted, no remove buttons
    html = _text(client.get(f"/inventory/moves/{moves[0]['id']}"))
    assert _fact(html, "Count") == count["reference"] and _fact(html, "Reason") == f"{count['reference']}: Shelf check"
    html = _text(client.get("/inventory/counts"))
    assert count["reference"] in html and "Applied" in html


def test_a_count_is_cancelled_and_closed_counts_refuse_scans(api, web, shelf):
    web.post("/inventory/counts/new", data={"location_id": shelf["id"]})
    count = ok(api.get("/counts"))["items"][0]
    url = f"/inventory/counts/{count['id']}"
    html = _text(web.post(url + "/cancel", follow_redirects=True))
    assert f"{count['reference']} is cancelled: nothing moved." in _flashes(html) and 'name="serial"' not in html
    html = _text(web.post(url + "/serials", data={"serial": "C1"}, follow_redirects=True))
    assert "is cancelled: only an open count can be changed" in html
    assert ok(api.get(f"/counts/{count['id']}"))["counted"] == []


def test_counts_start_only_on_stock_locations_and_for_warehouse_roles(api, client, shelf):
    log_in(client, "accountant")
    assert "Start a count" not in _text(client.get("/inventory/counts"))
    assert client.post("/inventory/counts/new", data={"location_id": shelf["id"]}).status_code == 403
    log_in(client, "warehouse")
    html = _text(client.get("/inventory/counts"))
    assert "Start a count" in html and "Partners/Customers" not in re.search(r'name="location_id".*?</select>', html, re.S).group(0)
    html = _text(client.post("/inventory/counts/new", data={"location_id": 999999}, follow_redirects=True))
    assert "Choose a stock location to count." in html and ok(api.get("/counts"))["total"] == 0


# ---------------------------------------------------------------- tracking changes


def test_a_product_with_stock_changes_tracking_by_counting_it_out_and_back_in(api, client):
    dock = create_product(api, "Dock", tracking="none")
    ok(validate(api, invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(dock, 3)]))))
    log_in(client, "warehouse")
    html = _text(client.get(f"/products/{dock['id']}"))
    assert "Changing the tracking" in html and "3 at WH/Stock" in html and "An inventory manager can change it" in html
    assert client.post(f"/inventory/products/{dock['id']}/tracking", data={"tracking": "serial"}).status_code == 403

    log_in(client, "inventory_manager")
    html = _text(client.get(f"/products/{dock['id']}"))
    assert "Change tracking by counting the stock out and back in" in html
    choice = re.search(r'id="tracking-change".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option (?:selected )?value="(\w+)"', choice) == ["lot", "serial"] and '<option selected value="serial">' in choice
    response = client.post(f"/inventory/products/{dock['id']}/tracking", data={"tracking": "serial"})
    adjustment = _moves(api, type="adjustment", state="pending")[0]
    assert response.status_code == 302 and response.location.endswith(f"/inventory/moves/{adjustment['id']}")
    assert ok(api.get(f"/products/{dock['id']}"))["tracking"] == "serial"
    html = _text(client.get(response.location))
    assert re.search(r"data-count[^>]*>0 / 3<", html) and "Tracking of Dock changed from none to serial" in html


def test_pending_moves_lock_the_tracking_and_are_listed_without_the_button(api, client):
    dock = create_product(api, "Dock", tracking="none")
    pending = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(dock, 2)]))
    log_in(client, "inventory_manager")
    html = _text(client.get(f"/products/{dock['id']}"))
    assert "cannot change while it is on pending moves" in html
    assert f'/inventory/moves/{pending["id"]}">{pending["reference"]}</a>' in html
    assert "Change tracking by counting" not in html
    html = _text(client.post(f"/inventory/products/{dock['id']}/tracking", data={"tracking": "serial"}, follow_redirects=True))
    assert "is on pending moves: validate or cancel them first" in html
    assert ok(api.get(f"/products/{dock['id']}"))["tracking"] == "none"
    assert "Changing the tracking" not in _text(client.get(f"/products/{create_product(api, 'Cable', tracking='none')['id']}"))


# ---------------------------------------------------------------- the manual move form and the product form


def test_a_warehouse_user_is_offered_only_stock_locations_on_a_new_transfer(api, client):
    log_in(client, "warehouse")
    html = _text(client.get("/inventory/moves/new"))
    for name in ("source_location_id", "dest_location_id"):
        options = re.findall(r"<option[^>]*>([^<]+)</option>", re.search(rf'name="{name}".*?</select>', html, re.S).group(0))
        assert "WH/Stock" in options and not {"Partners/Customers", "Partners/Vendors", "Virtual/Scrap"} & set(options)
    log_in(client, "inventory_manager")
    html = _text(client.get("/inventory/moves/new"))
    assert "Partners/Vendors" in re.search(r'name="source_location_id".*?</select>', html, re.S).group(0)


def test_the_product_form_has_the_serial_rules_and_a_bad_pattern_is_refused_next_to_it(api, client, laptop):
    log_in(client, "inventory_manager")
    html = _text(client.get(f"/products/{laptop['id']}"))
    assert re.search(r'<input[^>]*id="serial_pattern"[^>]*type="text"', html) or re.search(r'<input[^>]*type="text"[^>]*id="serial_pattern"', html)
    assert re.search(r'<input[^>]*type="checkbox"[^>]*name="serial_uppercase"|<input[^>]*name="serial_uppercase"[^>]*type="checkbox"', html)
    data = {"name": "Laptop", "type": "storable", "tracking": "serial", "warranty_months": "24", "serial_pattern": "LT-[A-Z"}
    response = client.post(f"/products/{laptop['id']}", data=data)
    field = re.search(r'<div class="field\s+has-error">\s*<label for="serial_pattern".*?</div>\s*</div>', _text(response), re.S)
    assert field and "not a valid pattern" in field.group(0)
    assert ok(api.get(f"/products/{laptop['id']}"))["serial_pattern"] is None
    response = client.post(f"/products/{laptop['id']}", data={**data, "serial_pattern": r"LT-[A-Z]\d{3}", "serial_uppercase": "y"})
    assert response.status_code == 302
    saved = ok(api.get(f"/products/{laptop['id']}"))
    assert (saved["serial_pattern"], saved["serial_uppercase"]) == (r"LT-[A-Z]\d{3}", True)
    html = _text(client.get(f"/products/{laptop['id']}"))
    assert re.search(r'<input[^>]*checked[^>]*name="serial_uppercase"|<input[^>]*name="serial_uppercase"[^>]*checked', html)
    response = client.post(f"/products/{laptop['id']}", data={**data, "serial_pattern": ""})
    saved = ok(api.get(f"/products/{laptop['id']}"))
    assert response.status_code == 302 and (saved["serial_pattern"], saved["serial_uppercase"]) == (None, False)
