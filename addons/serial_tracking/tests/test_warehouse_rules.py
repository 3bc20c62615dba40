"""Real warehouses off the guided path: tracking changes, short shipments, returns, corrections,
counts, per-product serial rules and the invoicing rules that keep refunds and moves honest. Every
refusal is read back to show that nothing changed."""
from datetime import date, timedelta

from erp_addons.serial_tracking.models import MoveLineSerial, Serial, SerialHistory, StockMove
from erp_core.database import db
from erp_core.testing import assert_error, ok

from .common import (assign, create_location, create_partner, create_product, deliver, invoice_move, location, post_invoice,
                     receive, serial, stock_location, table_counts, validate)

TABLES = (StockMove, MoveLineSerial, Serial, SerialHistory)


def history(api, name: str, product=None) -> list[str]:
    return [row["reference"] for row in ok(api.get(f"/serials/{serial(api, name, product)['id']}/history"))["items"]]


# ---------------------------------------------------------------- tracking changes


def test_changing_tracking_is_refused_while_stock_or_pending_moves_exist_naming_both(api):
    dock = create_product(api, "Dock", tracking="none")
    vendor = create_partner(api)
    receipt = invoice_move(api, post_invoice(api, "vendor_bill", vendor, [(dock, 5)]))
    ok(validate(api, receipt))
    post_invoice(api, "customer_invoice", create_partner(api), [(dock, 1)])  # a pending delivery
    manager = api.as_("inventory_manager")
    error = assert_error(manager.patch(f"/products/{dock['id']}", json={"tracking": "serial"}), 422, "tracking_locked")
    located = [d for d in error["details"] if "location_id" in d]
    assert [(d["location_id"], d["quantity"]) for d in located] == [(stock_location(api)["id"], 5)]
    assert len([d for d in error["details"] if "move_id" in d]) == 1
    assert ok(api.get(f"/products/{dock['id']}"))["tracking"] == "none"
    assert ok(api.get(f"/stock?product_id={dock['id']}"))["items"][0]["quantity"] == 5


def test_converting_tracking_counts_the_stock_out_and_back_in_to_be_scanned(app, api):
    from erp_addons.serial_tracking.services import convert_tracking
    from erp_core.models import Product

    dock = create_product(api, "Dock", tracking="none")
    ok(validate(api, invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(dock, 3)]))))
    pending = convert_tracking(db.session.get(Product, dock["id"]), "serial")
    db.session.commit()
    assert ok(api.get(f"/products/{dock['id']}"))["tracking"] == "serial"
    assert [(m.type, m.state, [float(line.quantity) for line in m.lines]) for m in pending] == [("adjustment", "pending", [3.0])]
    move = ok(api.get(f"/moves/{pending[0].id}"))
    ok(api.as_("inventory_manager").put(f"/moves/{move['id']}/lines/{move['lines'][0]['id']}/serials", json={"serials": ["D1", "D2", "D3"]}))
    ok(api.as_("inventory_manager").post(f"/moves/{move['id']}/validate"))
    stock = ok(api.get(f"/stock?product_id={dock['id']}"))["items"]
    assert [row["quantity"] for row in stock] == [3]


# ---------------------------------------------------------------- short shipments


def short_receipt(api, quantities=(3,)):
    products = [create_product(api) for _ in quantities]
    bill = post_invoice(api, "vendor_bill", create_partner(api), list(zip(products, quantities)))
    return bill, invoice_move(api, bill), products


def test_a_backorder_takes_what_a_receipt_lacks_and_both_stay_linked_to_the_invoice(api):
    bill, move, (laptop,) = short_receipt(api)
    ok(assign(api, move, ["S1", "S2"]))
    assert_error(validate(api, move), 422, "serial_count_mismatch")
    done = ok(api.as_("warehouse").post(f"/moves/{move['id']}/validate", json={"backorder": True}))
    assert done["state"] == "done" and done["lines"][0]["quantity"] == 2 and done["lines"][0]["quantity_dropped"] == 0
    rest = ok(api.get(f"/moves/{done['backorder_id']}"))
    assert (rest["state"], rest["backorder_of_id"], rest["invoice_id"], rest["type"]) == ("pending", move["id"], bill["id"], "receipt")
    assert [(line["product_id"], line["quantity"]) for line in rest["lines"]] == [(laptop["id"], 1)]
    assert [m["id"] for m in ok(api.get(f"/invoices/{bill['id']}"))["stock_moves"]] == [move["id"], rest["id"]]
    ok(assign(api, rest, ["S3"]))
    ok(validate(api, rest))
    assert ok(api.get(f"/serials?product_id={laptop['id']}&status=available"))["total"] == 3


def test_validating_without_a_backorder_drops_the_rest_and_a_line_with_nothing_goes_whole_to_the_backorder(api):
    _, move, _ = short_receipt(api, (3, 2))
    ok(assign(api, move, ["A1"], line=0))
    dropped = ok(api.as_("warehouse").post(f"/moves/{move['id']}/validate", json={"backorder": False}))
    assert [(line["quantity"], line["quantity_dropped"]) for line in dropped["lines"]] == [(1, 2), (0, 2)]
    assert dropped["backorder_id"] is None

    _, move, _ = short_receipt(api, (3, 2))
    ok(assign(api, move, ["B1"], line=0))
    done = ok(api.as_("warehouse").post(f"/moves/{move['id']}/validate", json={"backorder": True}))
    assert [line["quantity"] for line in done["lines"]] == [1]
    assert [line["quantity"] for line in ok(api.get(f"/moves/{done['backorder_id']}"))["lines"]] == [2, 2]


def test_nothing_assigned_is_nothing_to_validate_and_changes_nothing(api):
    _, move, _ = short_receipt(api)
    before = table_counts(*TABLES)
    assert_error(api.as_("warehouse").post(f"/moves/{move['id']}/validate", json={"backorder": True}), 422, "nothing_to_validate")
    assert table_counts(*TABLES) == before and ok(api.get(f"/moves/{move['id']}"))["state"] == "pending"


# ---------------------------------------------------------------- returns


def test_a_return_from_a_delivery_brings_back_the_chosen_serials_and_their_warranty_shows_returned(api):
    laptop, customer = create_product(api, warranty_months=24), create_partner(api)
    receive(api, laptop, ["R1", "R2", "R3"])
    delivery = deliver(api, laptop, ["R1", "R2", "R3"], customer)
    assert_error(api.as_("warehouse").post(f"/moves/{delivery['id']}/return", json={"serials": ["R1", "X9"]}), 422, "serial_not_on_move")
    back = ok(api.as_("warehouse").post(f"/moves/{delivery['id']}/return", json={"serials": ["R1", "R2"]}), 201)
    assert (back["type"], back["state"], back["origin_move_id"], back["partner_id"]) == ("receipt", "pending", delivery["id"], customer["id"])
    assert back["source_location_id"] == location(api, "customer")["id"] and back["dest_location_id"] == stock_location(api)["id"]
    assert back["lines"][0]["serials"] == ["R1", "R2"]
    ok(validate(api, back))
    assert [serial(api, n)["warranty_status"] for n in ("R1", "R2", "R3")] == ["returned", "returned", "active"]
    deliver(api, laptop, ["R1"], create_partner(api))
    assert serial(api, "R1")["warranty_status"] == "active"


def test_a_return_of_a_receipt_goes_back_to_the_vendor_and_only_done_deliveries_or_receipts_return(api):
    laptop, vendor = create_product(api), create_partner(api)
    receipt = receive(api, laptop, ["V1", "V2"], vendor=vendor)
    back = ok(api.as_("warehouse").post(f"/moves/{receipt['id']}/return"), 201)
    assert back["type"] == "delivery" and back["dest_location_id"] == receipt["source_location_id"]
    assert sorted(back["lines"][0]["serials"]) == ["V1", "V2"] and serial(api, "V1")["status"] == "on_hand"
    assert_error(api.as_("warehouse").post(f"/moves/{back['id']}/return"), 409, "invalid_state")


# ---------------------------------------------------------------- corrections and scrap


def test_correcting_a_serial_of_a_receipt_makes_two_linked_done_moves_and_both_histories_tell_it(api):
    laptop = create_product(api)
    receipt = receive(api, laptop, ["WRONG-1", "OK-2"])
    line = receipt["lines"][0]["id"]
    path = f"/moves/{receipt['id']}/lines/{line}/correct"
    assert_error(api.as_("warehouse").post(path, json={"wrong": "WRONG-1", "right": "RIGHT-1"}), 400, "bad_request")
    assert_error(api.as_("warehouse").post(path, json={"wrong": "NOPE", "right": "RIGHT-1", "reason": "typo"}), 422, "serial_not_on_move")
    moves = ok(api.as_("warehouse").post(path, json={"wrong": "WRONG-1", "right": "RIGHT-1", "reason": "Label misread"}), 201)["moves"]
    assert [(m["state"], m["origin_move_id"], m["reason"], m["type"]) for m in moves] == [
        ("done", receipt["id"], "Label misread", "delivery"), ("done", receipt["id"], "Label misread", "receipt")]
    assert serial(api, "WRONG-1")["status"] == "out_of_stock" and serial(api, "RIGHT-1")["status"] == "available"
    assert history(api, "WRONG-1") == [receipt["reference"], moves[0]["reference"]]
    assert history(api, "RIGHT-1") == [moves[1]["reference"]]
    assert ok(api.get(f"/moves/{receipt['id']}"))["lines"][0]["serials"] == ["WRONG-1", "OK-2"], "the original is never edited"


def test_correcting_a_delivery_brings_the_wrong_unit_back_and_sends_the_right_one(api):
    laptop, customer = create_product(api), create_partner(api)
    receive(api, laptop, ["D1", "D2"])
    delivery = deliver(api, laptop, ["D1"], customer)
    moves = ok(api.as_("warehouse").post(f"/moves/{delivery['id']}/lines/{delivery['lines'][0]['id']}/correct",
                                         json={"wrong": "D1", "right": "D2", "reason": "Wrong box"}), 201)["moves"]
    assert [m["type"] for m in moves] == ["receipt", "delivery"]
    assert (serial(api, "D1")["status"], serial(api, "D2")["status"], serial(api, "D2")["customer_id"]) == (
        "available", "out_of_stock", customer["id"])


def test_scrapping_a_unit_records_the_reason(app, api):
    from erp_addons.serial_tracking.services import get_serial, scrap_serial

    laptop = create_product(api)
    receive(api, laptop, ["BROKEN"])
    move = scrap_serial(get_serial(serial(api, "BROKEN")["id"]), "Dropped from the shelf")
    db.session.commit()
    assert (move.type, move.state, move.reason) == ("scrap", "done", "Dropped from the shelf")
    assert serial(api, "BROKEN")["location"] == "Virtual/Scrap"


# ---------------------------------------------------------------- counts


def test_a_count_finds_missing_unexpected_and_misplaced_units_and_applies_them_in_one_go(api):
    laptop = create_product(api)
    stock = stock_location(api)
    shelf = create_location(api, "Shelf C", stock["id"])
    receive(api, laptop, ["C1", "C2", "C3"])
    transfer = ok(api.as_("warehouse").post("/moves", json={"type": "internal", "source_location_id": stock["id"],
                                                            "dest_location_id": shelf["id"],
                                                            "lines": [{"product_id": laptop["id"], "quantity": 2, "serials": ["C1", "C2"]}]}), 201)
    ok(validate(api, transfer))
    count = ok(api.as_("warehouse").post("/counts", json={"location_id": shelf["id"]}), 201)
    path = f"/counts/{count['id']}/serials"
    assert_error(api.as_("warehouse").post(path, json={"serials": ["NEW-1"]}), 422, "count_unknown_serial")
    ok(api.as_("warehouse").post(path, json={"serials": ["C1", "C3"]}))
    found = ok(api.as_("warehouse").post(path, json={"serials": ["NEW-1"], "product_id": laptop["id"]}))
    assert [u["name"] for u in found["missing"]] == ["C2"]
    assert [u["name"] for u in found["unexpected"]] == ["NEW-1"]
    assert [(u["name"], u["location"]) for u in found["elsewhere"]] == [("C3", "WH/Stock")]
    assert_error(api.as_("warehouse").post(f"/counts/{count['id']}/apply", json={"reason": "Shelf check"}), 403, "forbidden")
    applied = ok(api.as_("inventory_manager").post(f"/counts/{count['id']}/apply", json={"reason": "Shelf check"}))
    assert applied["state"] == "applied" and len(applied["moves"]) == 3
    moves = [ok(api.get(f"/moves/{m}")) for m in applied["moves"]]
    assert [(m["type"], m["state"]) for m in moves] == [("adjustment", "done"), ("adjustment", "done"), ("internal", "done")]
    assert all(m["reason"] == f"{count['reference']}: Shelf check" for m in moves)
    in_shelf = ok(api.get(f"/serials?location_id={shelf['id']}&status=available"))["items"]
    assert sorted(u["name"] for u in in_shelf) == ["C1", "C3", "NEW-1"]
    assert serial(api, "C2")["status"] == "out_of_stock"
    assert history(api, "C3")[-1] == moves[2]["reference"] and history(api, "C2")[-1] == moves[0]["reference"]
    assert_error(api.as_("warehouse").post(path, json={"serials": ["C9"]}), 409, "invalid_state")


def test_a_count_reason_too_long_to_follow_its_reference_on_the_moves_is_refused(api):
    receive(api, create_product(api), ["L1"])
    count = ok(api.as_("warehouse").post("/counts", json={"location_id": stock_location(api)["id"]}), 201)
    error = assert_error(api.as_("inventory_manager").post(f"/counts/{count['id']}/apply", json={"reason": "x" * 500}), 400, "bad_request")
    assert error["details"][0]["field"] == "reason" and f"at most {500 - len(count['reference']) - 2} characters" in error["message"]
    assert ok(api.get(f"/counts/{count['id']}"))["state"] == "open"
    ok(api.as_("inventory_manager").post(f"/counts/{count['id']}/apply", json={"reason": "x" * (500 - len(count["reference"]) - 2)}))


# ---------------------------------------------------------------- serial rules per product


def test_a_serial_pattern_is_checked_on_every_assignment_and_shown_in_words(api):
    manager = api.as_("inventory_manager")
    laptop = create_product(api)
    assert_error(manager.patch(f"/products/{laptop['id']}", json={"serial_pattern": "LT-[A-Z"}), 422, "invalid_pattern")
    ok(manager.patch(f"/products/{laptop['id']}", json={"serial_pattern": r"LT-[A-Z]\d{3}"}))
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 3)]))
    error = assert_error(assign(api, move, ["LT-A001", "LT-0001"]), 422, "serial_format")
    assert error["details"][0]["serial"] == "LT-0001" and '"LT-", a capital letter, 3 digits' in error["details"][0]["message"]
    assert ok(api.get(f"/moves/{move['id']}"))["lines"][0]["serials"] == []


def test_serials_in_capitals_make_a_lower_case_scan_the_same_unit_and_searches_ignore_case(api):
    laptop = create_product(api)
    ok(api.as_("inventory_manager").patch(f"/products/{laptop['id']}", json={"serial_uppercase": True}))
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 2)]))
    assert ok(assign(api, move, ["lt-a001"]))["serials"] == ["LT-A001"]
    assert_error(assign(api, move, ["LT-A001"], replace=False), 422, "duplicate_serial")
    ok(assign(api, move, ["LT-A001", "lt-a002"]))
    ok(validate(api, move))
    assert [s["name"] for s in ok(api.get("/serials?q=lt-a00&match=prefix"))["items"]] == ["LT-A002", "LT-A001"]


def test_a_products_barcode_is_not_taken_for_a_serial(api):
    create_product(api, "Monitor", tracking="none") | {}
    ok(api.as_("inventory_manager").post("/products", json={"name": "Cable", "barcode": "4006381333931"}), 201)
    laptop = create_product(api)
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 1)]))
    error = assert_error(assign(api, move, ["4006381333931"]), 422, "serial_is_product_barcode")
    assert "Cable" in error["details"][0]["message"]


# ---------------------------------------------------------------- invoicing rules


def test_refunds_never_exceed_the_document_in_quantity_or_amount(api):
    laptop, vendor = create_product(api), create_partner(api)
    bill = post_invoice(api, "vendor_bill", vendor, [(laptop, 2)])
    accountant = api.as_("accountant")

    def refund(quantity, price=100):
        draft = ok(accountant.post("/invoices", json={"type": "vendor_refund", "partner_id": vendor["id"], "reversed_invoice_id": bill["id"],
                                                       "lines": [{"product_id": laptop["id"], "quantity": quantity, "unit_price": price}]}), 201)
        return accountant.post(f"/invoices/{draft['id']}/post")

    assert_error(refund(3), 422, "refund_exceeds_invoice")
    ok(refund(1))
    assert_error(refund(2), 422, "refund_exceeds_invoice")
    assert_error(refund(1, 5000), 422, "refund_exceeds_invoice")
    assert ok(accountant.get("/invoices?type=vendor_refund&state=posted"))["total"] == 1
    assert_error(accountant.post(f"/invoices/{bill['id']}/cancel"), 409, "invalid_state")
    assert ok(api.get(f"/invoices/{bill['id']}"))["state"] == "posted"


def test_invoice_dates_more_than_a_year_away_are_refused(api):
    vendor, accountant = create_partner(api), api.as_("accountant")
    for far in (date(1, 1, 1), date(9999, 12, 31), date.today() + timedelta(days=400), date.today() - timedelta(days=400)):
        assert_error(accountant.post("/invoices", json={"type": "vendor_bill", "partner_id": vendor["id"], "invoice_date": far.isoformat(),
                                                        "lines": []}), 422, "invalid_date")
    assert ok(accountant.get("/invoices"))["total"] == 0
    near = (date.today() - timedelta(days=300)).isoformat()
    assert ok(accountant.post("/invoices", json={"type": "vendor_bill", "partner_id": vendor["id"], "invoice_date": near,
                                                 "lines": []}), 201)["invoice_date"] == near


def test_an_invoice_whose_move_was_cancelled_makes_it_again(api):
    laptop, customer = create_product(api), create_partner(api)
    invoice = post_invoice(api, "customer_invoice", customer, [(laptop, 2)])
    move = invoice_move(api, invoice)
    assert_error(api.as_("accountant").post(f"/invoices/{invoice['id']}/stock_moves"), 422, "nothing_to_move")
    ok(api.as_("warehouse").post(f"/moves/{move['id']}/cancel"))
    again = ok(api.as_("accountant").post(f"/invoices/{invoice['id']}/stock_moves"), 201)
    assert [(m["state"], m["type"]) for m in again["stock_moves"]] == [("cancelled", "delivery"), ("pending", "delivery")]
    new = ok(api.get(f"/moves/{again['stock_moves'][1]['id']}"))
    assert [(line["product_id"], line["quantity"]) for line in new["lines"]] == [(laptop["id"], 2)]
    assert_error(api.as_("warehouse").post(f"/invoices/{invoice['id']}/stock_moves"), 403, "forbidden")
