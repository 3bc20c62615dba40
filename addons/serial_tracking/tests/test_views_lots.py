"""Lots on the move page, without JavaScript: a receipt line takes lot names with quantities and
expiry dates, a delivery line picks lots free at its source or uses the first-expiry-first-out
suggestion, an expired lot goes out only with an inventory manager's reason, and Validate treats lot
lines as it treats serial lines. Every refusal is read back: the page says why and nothing changed."""
import html as html_lib
import re

import pytest

from erp_addons.serial_tracking.models import Lot, MoveLineLot
from erp_core.testing import activity_of, log_in

from .common import (assign, create_location, create_partner, create_product, invoice_move, ok, post_invoice, stock_location,
                     table_counts)
from .test_api_exports import read_csv
from .test_lots import LATER, PAST, SOON, put_lots, receive_lots


def _text(response, status: int = 200) -> str:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:3000])
    return response.get_data(as_text=True)


def _lots_url(move: dict, action: str) -> str:
    return f"/inventory/moves/{move['id']}/lines/{move['lines'][0]['id']}/lots/{action}"


def _count(page: str) -> str:
    return re.search(r"data-lot-count[^>]*>([^<]*)<", page).group(1).strip()


def _listed(page: str) -> list[tuple[str, str]]:
    """(lot, quantity) of the line's "Lots on this line" table, as the page lists them."""
    table = re.search(r"data-lot-list>.*?</table>", page, re.S).group(0)
    return [(re.sub(r"\s+new$", "", re.sub(r"<[^>]+>", "", name)).strip(), qty)
            for name, qty in re.findall(r"<tr><td>(.*?)</td>.*?<td class=\"num\">([^<]+)</td>", table, re.S)]


def _alert(page: str) -> str:
    """What the page says went wrong, next to the form."""
    return " ".join(html_lib.unescape(m) for m in re.findall(r'class="error" role="alert">([^<]+)<', page))


def _lots_of(api, move: dict) -> list[tuple[str, float]]:
    return [(lot["name"], lot["quantity"]) for lot in ok(api.get(f"/moves/{move['id']}"))["lines"][0]["lots"]]


@pytest.fixture
def syrup(api):
    return create_product(api, "Cough Syrup", tracking="lot")


@pytest.fixture
def bill_receipt(api, syrup):
    """A pending receipt of 10 bottles of syrup, from a posted vendor bill."""
    return invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api, "Pharma Supply"), [(syrup, 10)]))


def _delivery(api, product, quantity) -> dict:
    return invoice_move(api, post_invoice(api, "customer_invoice", create_partner(api, "Pharmacy One"), [(product, quantity)]))


def test_a_receipt_line_takes_lots_with_quantities_and_expiry_dates_and_one_can_be_removed(api, web, bill_receipt):
    page = _text(web.get(f"/inventory/moves/{bill_receipt['id']}"))
    assert _count(page) == "0 / 10 units" and "None yet." in page
    assert 'name="expiry_date"' in page and "Use suggestion" not in page and "not tracked by serial number" not in page

    response = web.post(_lots_url(bill_receipt, "add"), data={"lot": " L-7 ", "quantity": "7", "expiry_date": SOON.isoformat()})
    assert response.status_code == 302 and response.location.endswith(f"#line-{bill_receipt['lines'][0]['id']}")
    web.post(_lots_url(bill_receipt, "add"), data={"lot": "L-8", "quantity": "2", "expiry_date": LATER.isoformat()})
    web.post(_lots_url(bill_receipt, "add"), data={"lot": "L-7", "quantity": "1", "expiry_date": ""})  # one more of L-7
    page = _text(web.get(f"/inventory/moves/{bill_receipt['id']}"))
    assert _count(page) == "10 / 10 units" and _listed(page) == [("L-7", "8"), ("L-8", "2")]
    assert SOON.isoformat() in page and LATER.isoformat() in page

    response = web.post(_lots_url(bill_receipt, "remove"), data={"lot": "L-8"})
    assert response.status_code == 302
    page = _text(web.get(f"/inventory/moves/{bill_receipt['id']}"))
    assert _count(page) == "8 / 10 units" and _listed(page) == [("L-7", "8")]
    assert _lots_of(api, bill_receipt) == [("L-7", 8)]
    assert "Lots set: L-7 × 8" in activity_of(page)[0][2]


def test_a_receipt_refuses_too_many_units_and_a_bad_date_in_plain_words_and_keeps_what_it_had(api, web, bill_receipt):
    ok(put_lots(api, bill_receipt, [("L-7", 7, SOON)]))
    before = table_counts(MoveLineLot, Lot)

    add = _lots_url(bill_receipt, "add")
    page = _text(web.post(add, data={"lot": "L-8", "quantity": "4", "expiry_date": LATER.isoformat()}), 422)
    assert "No lot was assigned: 1 problem to fix first." in _alert(page)
    assert "The lots add up to 11, more than the line&#39;s 10." in page
    assert _count(page) == "7 / 10 units" and _listed(page) == [("L-7", "7")]
    assert 'value="L-8"' in page and 'value="4"' in page  # the input is kept to correct it

    page = _text(web.post(add, data={"lot": "L-8", "quantity": "3", "expiry_date": "31/03/2027"}), 422)
    assert "“31/03/2027” is not a date: give the expiry date as YYYY-MM-DD" in _alert(page)
    page = _text(web.post(add, data={"lot": "L-7", "quantity": "1", "expiry_date": LATER.isoformat()}), 422)
    assert f"L-7 is on this line already with the expiry date {SOON.isoformat()}, not {LATER.isoformat()};" in page
    page = _text(web.post(add, data={"lot": "L-9", "quantity": "zero"}), 422)
    assert "L-9: give a quantity above 0 with at most 3 decimals." in page

    assert table_counts(MoveLineLot, Lot) == before and _lots_of(api, bill_receipt) == [("L-7", 7)]
    assert _count(_text(web.get(f"/inventory/moves/{bill_receipt['id']}"))) == "7 / 10 units"


def test_a_delivery_uses_the_first_expiry_first_out_suggestion_and_refuses_a_lot_short_at_the_source(api, web, syrup):
    receive_lots(api, syrup, [("LATE", 50, LATER), ("EARLY", 30, SOON)])
    delivery = _delivery(api, syrup, 40)
    page = _text(web.get(f"/inventory/moves/{delivery['id']}"))
    assert 'name="expiry_date"' not in page and 'name="reason"' not in page
    offered = re.findall(r'<option value="([^"]+)"[^>]*>[^—]+— ([\d,.]+) free', page)
    assert 'value="EARLY" selected' in page  # the lot the suggestion starts with
    assert offered == [("EARLY", "30"), ("LATE", "50")]
    suggestion = re.search(r"data-lot-suggestion>.*?</form>", page, re.S).group(0)
    assert re.findall(r"(\w+) × (\d+)", suggestion) == [("EARLY", "30"), ("LATE", "10")]

    before = table_counts(MoveLineLot)
    page = _text(web.post(_lots_url(delivery, "add"), data={"lot": "EARLY", "quantity": "35"}), 422)
    assert "EARLY has 30 free at WH/Stock; 35 cannot be taken." in page
    assert table_counts(MoveLineLot) == before and _lots_of(api, delivery) == []

    ok(put_lots(api, delivery, [("EARLY", 28, None)]))  # the suggestion covers only what is missing, from what is still free
    assert web.post(_lots_url(delivery, "suggest")).status_code == 302
    page = _text(web.get(f"/inventory/moves/{delivery['id']}"))
    assert _count(page) == "40 / 40 units" and _listed(page) == [("EARLY", "30"), ("LATE", "10")]
    assert "Use suggestion" not in page
    page = _text(web.post(_lots_url(delivery, "suggest")), 422)
    assert "The line has all its units already." in page


def test_an_expired_lot_is_refused_and_a_manager_lets_it_out_with_a_reason_kept_in_the_activity(api, web, client, syrup):
    receive_lots(api, syrup, [("OLD", 10, PAST), ("NEW", 10, LATER)])
    delivery = _delivery(api, syrup, 5)
    page = _text(web.get(f"/inventory/moves/{delivery['id']}"))
    assert f">EXPIRED · OLD — 10 free, expired {PAST.isoformat()}</option>" in page
    assert 'name="reason"' not in page  # a warehouse user may not override
    suggestion = re.search(r"data-lot-suggestion>.*?</form>", page, re.S).group(0)
    assert "NEW × 5" in suggestion and "OLD" not in suggestion  # never suggested

    page = _text(web.post(_lots_url(delivery, "add"), data={"lot": "OLD", "quantity": "2"}), 422)
    assert f"OLD expired on {PAST.isoformat()}; it goes out only when an inventory manager lets it, with a reason." in page
    assert web.post(_lots_url(delivery, "add"), data={"lot": "OLD", "quantity": "2", "reason": "Lab tests"}).status_code == 403
    assert _lots_of(api, delivery) == []

    manager = client.application.test_client()
    log_in(manager, "inventory_manager")
    page = _text(manager.get(f"/inventory/moves/{delivery['id']}"))
    assert 'name="reason"' in page
    page = _text(manager.post(_lots_url(delivery, "add"), data={"lot": "OLD", "quantity": "2"}), 422)  # no reason: still refused
    assert "it goes out only when an inventory manager lets it" in page
    reason = "Customer takes it for lab tests"
    response = manager.post(_lots_url(delivery, "add"), data={"lot": "OLD", "quantity": "2", "reason": reason})
    assert response.status_code == 302
    # a warehouse user completing the line keeps the manager's decision
    assert web.post(_lots_url(delivery, "suggest")).status_code == 302
    page = _text(web.get(f"/inventory/moves/{delivery['id']}"))
    assert _listed(page) == [("OLD", "2"), ("NEW", "3")] and "Expired" in page
    assert ("inventory_manager_web", f"Lots set: OLD × 2; expired lots let out: OLD ({reason})") in [
        (who, what) for _, who, what in activity_of(page)]
    audit = ok(api.get(f"/audit?record=move:{delivery['id']}"))["items"]
    assert [e["details"].get("reason") for e in audit if e["details"].get("expired_let_out")] == [reason]
    assert ok(api.post(f"/moves/{delivery['id']}/validate"))["state"] == "done"


def test_validate_asks_about_a_short_lot_line_and_makes_a_backorder_of_the_rest(api, web, bill_receipt):
    ok(put_lots(api, bill_receipt, [("L-7", 6, SOON)]))
    page = _text(web.get(f"/inventory/moves/{bill_receipt['id']}"))
    assert f'href="/inventory/moves/{bill_receipt["id"]}/validate"' in page  # Validate asks first
    page = _text(web.get(f"/inventory/moves/{bill_receipt['id']}/validate"))
    assert "4 units are missing." in page and "Validate the 6 scanned and create a backorder for the 4 missing" in page
    response = web.post(f"/inventory/moves/{bill_receipt['id']}/validate", data={"backorder": "yes"})
    page = _text(web.get(response.location))
    assert "is done with the 6 units scanned; the backorder" in html_lib.unescape(page)
    backorder = ok(api.get("/moves?state=pending&type=receipt"))["items"]
    assert [(m["backorder_of_id"], m["lines"][0]["quantity"]) for m in backorder] == [(bill_receipt["id"], 4)]
    lots = ok(api.get(f"/lots?product_id={bill_receipt['lines'][0]['product_id']}"))["items"]
    assert [(lot["name"], lot["quantity"]) for lot in lots] == [("L-7", 6)]


def test_a_warehouse_user_sees_the_lots_of_a_done_move_without_forms(api, web, syrup):
    move = receive_lots(api, syrup, [("L-1", 4, SOON)])
    page = _text(web.get(f"/inventory/moves/{move['id']}"))
    lot = ok(api.get(f"/lots?product_id={syrup['id']}"))["items"][0]
    assert _count(page) == "4 / 4 units" and f'href="/inventory/lots/{lot["id"]}">L-1</a>' in page
    assert "Add lot" not in page and 'name="lot"' not in page


def test_the_delivery_slip_and_the_moves_csv_carry_the_lots(api, web, syrup):
    receive_lots(api, syrup, [("EARLY", 6, SOON), ("LATE", 4, LATER)])
    delivery = _delivery(api, syrup, 8)
    ok(put_lots(api, delivery, [("EARLY", 6, None)]))
    slip = _text(web.get(f"/inventory/moves/{delivery['id']}/delivery-slip"))
    assert "Lots (6 of 8)" in slip and "not validated yet" in slip
    assert re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>\s*<td class=\"num\">([^<]+)</td></tr>", slip) == [
        ("EARLY", SOON.isoformat(), "6")]

    rows = read_csv(web.get(f"/inventory/moves/export.csv?q={delivery['reference']}"))
    assert [(r["tracking"], r["quantity"], r["serials_assigned"], r["lots_assigned"], r["ready"]) for r in rows] == [
        ("lot", "8", "0", "6", "false")]
    ok(put_lots(api, delivery, [("EARLY", 6, None), ("LATE", 2, None)]))
    rows = read_csv(web.get(f"/inventory/moves/export.csv?q={delivery['reference']}"))
    assert [(r["lots_assigned"], r["ready"]) for r in rows] == [("8", "true")]


def test_an_expired_lot_moves_to_quarantine_without_a_reason_only_deliveries_hold_it_back(api, web, syrup):
    receive_lots(api, syrup, [("OLD", 10, PAST), ("NEW", 10, LATER)])
    quarantine = create_location(api, "Quarantine", stock_location(api)["parent_id"])
    transfer = ok(api.as_("warehouse").post("/moves", json={
        "type": "internal", "source_location_id": stock_location(api)["id"], "dest_location_id": quarantine["id"],
        "lines": [{"product_id": syrup["id"], "quantity": 4}]}), 201)
    page = _text(web.get(f"/inventory/moves/{transfer['id']}"))
    suggestion = re.search(r"data-lot-suggestion>.*?</form>", page, re.S).group(0)
    assert "OLD × 4" in suggestion and 'name="reason"' not in page  # the expired lot goes first, no reason asked
    assert web.post(_lots_url(transfer, "add"), data={"lot": "OLD", "quantity": "4"}).status_code == 302
    assert ok(api.post(f"/moves/{transfer['id']}/validate"))["state"] == "done"
    lot = next(lot for lot in ok(api.get(f"/lots?product_id={syrup['id']}"))["items"] if lot["name"] == "OLD")
    assert lot["quantity"] == 10  # still in stock, part of it elsewhere
    assert "<dt>WH/Quarantine</dt><dd>4</dd>" in _text(web.get(f"/inventory/lots/{lot['id']}"))


def _list_row(web, move: dict) -> str:
    page = _text(web.get("/inventory/moves"))
    return re.search(rf'<tr>\s*<td class="nowrap"><a href="/inventory/moves/{move["id"]}">.*?</tr>', page, re.S).group(0)


def test_the_move_list_counts_the_units_in_lots_as_scanned(api, web, syrup):
    laptop = create_product(api, "Laptop")
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(syrup, 10), (laptop, 2)]))
    assert "0/12 scanned" in _list_row(web, move)
    ok(put_lots(api, move, [("L-1", 6, SOON), ("L-2", 1.5, None)]))
    ok(assign(api, move, ["SN-1"], line=1))
    assert ">8.5/12 scanned<" in _list_row(web, move)
    ok(put_lots(api, move, [("L-1", 10, SOON)]))
    ok(assign(api, move, ["SN-1", "SN-2"], line=1))
    assert 'class="scan-progress complete">12/12 scanned' in _list_row(web, move)


def test_a_lot_line_has_a_scan_field_a_gs1_lot_label_adds_one_unit_without_javascript(api, web, client, syrup):
    """The page's scan field posts without the script too: the page comes back on the line with
    what the scan was read as; a refusal is said next to the field."""
    ok(api.as_("admin").patch(f"/products/{syrup['id']}", json={"barcode": "9506000134352"}))
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(syrup, 3)]))
    line_id = move["lines"][0]["id"]
    page = _text(web.get(f"/inventory/moves/{move['id']}"))
    assert f'id="scan-{line_id}"' in page and "Scan a lot label" in page
    scan_url = f"/inventory/moves/{move['id']}/lines/{line_id}/scan"
    response = web.post(scan_url, data={"serial": "(01)09506000134352(10)L-7(17)270331"})
    assert response.status_code == 302
    page = _text(web.get(response.location))
    assert "GTIN 09506000134352 → Cough Syrup, lot L-7, expires 2027-03-31: added (1 / 3)." in html_lib.unescape(page)
    assert _count(page) == "1 / 3 units" and _listed(page) == [("L-7", "1")]
    page = _text(web.post(scan_url, data={"serial": "(01)09506000134353(10)L-7"}), 422)
    assert "check digit" in html_lib.unescape(page) and _count(page) == "1 / 3 units"


def _flashed(page: str) -> str:
    return " ".join(html_lib.unescape(m) for m in re.findall(r'class="flash[^"]*"[^>]*>\s*([^<]+)<', page))


def test_the_return_page_returns_part_of_a_delivered_lot(api, web, syrup):
    receive_lots(api, syrup, [("EARLY", 6, SOON), ("LATE", 4, LATER)])
    delivery = _delivery(api, syrup, 8)
    ok(put_lots(api, delivery, [("EARLY", 6, None), ("LATE", 2, None)]))
    ok(api.as_("warehouse").post(f"/moves/{delivery['id']}/validate"))
    url = f"/inventory/moves/{delivery['id']}/return"
    line_id = delivery["lines"][0]["id"]
    page = _text(web.get(url))
    assert re.findall(rf'name="lot-{line_id}-\d" [^>]*value="([^"]+)"', page) == ["6", "2"]  # everything, at first
    assert "Not tracked by serial number" not in page

    page = _text(web.post(url, data={f"lot-{line_id}-0": "7", f"lot-{line_id}-1": "0"}), 422)
    assert "Give a quantity between 0 and 6." in page
    page = _text(web.post(url, data={f"lot-{line_id}-0": "0", f"lot-{line_id}-1": "0"}), 422)
    assert "Tick at least one serial number or give a lot quantity to return." in page
    assert ok(api.get("/moves?type=receipt&state=pending"))["items"] == []

    response = web.post(url, data={f"lot-{line_id}-0": "2.5", f"lot-{line_id}-1": "0"})
    assert response.status_code == 302
    back = ok(api.get(response.location.replace("/inventory", "")))
    assert back["origin_move_id"] == delivery["id"] and back["lines"][0]["quantity"] == 2.5
    assert [(lot["name"], lot["quantity"]) for lot in back["lines"][0]["lots"]] == [("EARLY", 2.5)]
    ok(api.as_("warehouse").post(f"/moves/{back['id']}/validate"))
    lots = {lot["name"]: lot["quantity"] for lot in ok(api.get(f"/lots?product_id={syrup['id']}"))["items"]}
    assert lots == {"EARLY": 2.5, "LATE": 2}

    response = web.post(url, data={f"lot-{line_id}-0": "6", f"lot-{line_id}-1": "2"})  # all of it: the whole move again
    back = ok(api.get(response.location.replace("/inventory", "")))
    assert sorted((lot["name"], lot["quantity"]) for lot in back["lines"][0]["lots"]) == [("EARLY", 6), ("LATE", 2)]


def test_the_correction_page_puts_a_wrong_lot_of_a_done_receipt_right(api, web, syrup):
    receipt = receive_lots(api, syrup, [("L-1", 6, SOON), ("L-2", 4, LATER)])
    page = _text(web.get(f"/inventory/moves/{receipt['id']}"))
    url = f"/inventory/moves/{receipt['id']}/lines/{receipt['lines'][0]['id']}/correct"
    assert f'href="{url}">Correct a lot</a>' in page
    page = html_lib.unescape(_text(web.get(url)))
    assert "Correct a lot" in page
    assert re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)<', page) == [("L-1", "L-1 (6)"), ("L-2", "L-2 (4)")]

    wrong = {"wrong": "L-1", "quantity": "7", "right": "L-9", "reason": "label misread"}
    page = html_lib.unescape(_text(web.post(url, data=wrong), 422))
    assert "Correct between 0 and 6 of L-1" in page
    assert {lot["name"] for lot in ok(api.get(f"/lots?product_id={syrup['id']}"))["items"]} == {"L-1", "L-2"}

    response = web.post(url, data={"wrong": "L-1", "quantity": "2", "right": "L-9", "expiry_date": LATER.isoformat(),
                                   "reason": "label misread"}, follow_redirects=True)
    assert "is undone and L-9 takes its place" in _flashed(_text(response))
    lots = {lot["name"]: (lot["quantity"], lot["expiry_date"]) for lot in ok(api.get(f"/lots?product_id={syrup['id']}"))["items"]}
    assert lots == {"L-1": (4, SOON.isoformat()), "L-2": (4, LATER.isoformat()), "L-9": (2, LATER.isoformat())}
    assert "Correct a lot" in _text(web.get(f"/inventory/moves/{receipt['id']}"))  # the original stays as it was
    assert _lots_of(api, receipt) == [("L-1", 6), ("L-2", 4)]


def test_the_scan_field_moves_past_a_lot_line_holding_its_whole_fractional_quantity(api, web, syrup):
    """2.5 litres in lots is all of a 2.5 line: the page puts the scan field on the next line lacking units."""
    laptop = create_product(api, "Laptop")
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(syrup, 2.5), (laptop, 2)]))
    ok(put_lots(api, move, [("L-1", 2.5, LATER)]))
    page = _text(web.get(f"/inventory/moves/{move['id']}"))
    scanning = re.findall(r'class="panel serial-line[^"]*\bscanning"[^>]*id="line-(\d+)"', page)
    assert scanning == [str(move["lines"][1]["id"])]
    assert re.search(rf'id="scan-{move["lines"][1]["id"]}"[^>]*autofocus', page, re.S)


def test_a_scan_on_a_fractional_lot_line_says_how_much_is_still_missing(api, web, syrup):
    """Two lot labels scanned on a 2.5 line leave half a unit to add: the line is not ready."""
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(syrup, 2.5)]))
    scan_url = f"/inventory/moves/{move['id']}/lines/{move['lines'][0]['id']}/scan"
    for _ in range(2):
        answer = web.post(scan_url, data={"serial": "L-1"}, headers={"Accept": "application/json"})
        assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.json["ready"] is False and answer.json["message"].endswith("added (2 / 2.5).")
