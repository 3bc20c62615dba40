"""Lot tracking, everywhere serial numbers work, with quantities instead of units: receipts that
create lots, deliveries that take what a lot holds at the source first expiry first out, expired
lots refused unless a manager says why, backorders, returns, history, and stock per lot."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from erp_addons.serial_tracking import services
from erp_addons.serial_tracking.models import MoveLineLot, StockMove

from erp_core.database import db
from erp_core.errors import DomainError
from erp_core.testing import assert_error, ok

from .common import create_partner, create_product, invoice_move, post_invoice, stock_location, table_counts, validate

SOON, LATER, PAST = (date.today() + timedelta(days=30)), (date.today() + timedelta(days=300)), (date.today() - timedelta(days=3))


def put_lots(api, move, lots, line=0, role="warehouse", **extra):
    return api.as_(role).put(f"/moves/{move['id']}/lines/{move['lines'][line]['id']}/lots",
                             json={"lots": [{"name": n, "quantity": q, **({"expiry_date": e.isoformat()} if e else {})} for n, q, e in lots],
                                   **extra})


def receive_lots(api, product, lots) -> dict:
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(product, sum(q for _, q, _ in lots))]))
    ok(put_lots(api, move, lots))
    return ok(validate(api, move))


def test_a_receipt_creates_its_lots_with_their_expiry_and_stock_per_lot(api):
    pills = create_product(api, "Pills", tracking="lot")
    receive_lots(api, pills, [("L-7", 60, SOON), ("L-8", 40, LATER)])
    lots = ok(api.get(f"/lots?product_id={pills['id']}"))["items"]
    assert [(lot["name"], lot["quantity"], lot["expiry_date"]) for lot in lots] == [("L-7", 60, SOON.isoformat()), ("L-8", 40, LATER.isoformat())]
    stock = ok(api.get(f"/stock?product_id={pills['id']}"))["items"]
    assert sorted((row["lot_id"], row["quantity"]) for row in stock) == sorted((lot["id"], lot["quantity"]) for lot in lots)
    assert all(row["location_id"] == stock_location(api)["id"] for row in stock)
    history = ok(api.get(f"/lots/{lots[0]['id']}/history"))["items"]
    assert [(h["type"], h["quantity"], h["dest_location"]) for h in history] == [("receipt", 60, "WH/Stock")]


def test_lots_are_checked_all_at_once_and_nothing_is_kept_on_a_refusal(api):
    pills = create_product(api, "Pills", tracking="lot")
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(pills, 10)]))
    before = table_counts(MoveLineLot)
    error = assert_error(put_lots(api, move, [("A", 8, None), ("B", 5, None), ("A", 1, None), (" ", 1, None)]), 422, "duplicate_lot")
    assert sorted(d["code"] for d in error["details"]) == ["duplicate_lot", "invalid_lot", "too_many_units"]
    assert table_counts(MoveLineLot) == before
    ok(put_lots(api, move, [("A", 4, None), ("B", 5, None)]))
    assert_error(validate(api, move), 422, "lot_quantity_mismatch")
    assert ok(api.get(f"/moves/{move['id']}"))["ready"] is False


def test_a_delivery_suggests_lots_first_expiry_first_out_and_takes_only_what_a_lot_holds(api):
    pills, customer = create_product(api, "Pills", tracking="lot"), create_partner(api)
    receive_lots(api, pills, [("LATE", 50, LATER), ("EARLY", 30, SOON), ("OLD", 10, PAST)])
    delivery = invoice_move(api, post_invoice(api, "customer_invoice", customer, [(pills, 40)]))
    line = delivery["lines"][0]["id"]
    suggested = ok(api.get(f"/moves/{delivery['id']}/lines/{line}/lots/suggested"))["lots"]
    assert [(s["name"], s["quantity"]) for s in suggested] == [("EARLY", 30), ("LATE", 10)]
    error = assert_error(put_lots(api, delivery, [("EARLY", 35, None), ("LATE", 5, None)]), 422, "lot_insufficient")
    assert [(d["lot"], d["available"]) for d in error["details"]] == [("EARLY", 30)]
    ok(put_lots(api, delivery, [(s["name"], s["quantity"], None) for s in suggested]))
    other = invoice_move(api, post_invoice(api, "customer_invoice", customer, [(pills, 25)]))
    assert_error(put_lots(api, other, [("EARLY", 1, None)]), 422, "lot_insufficient")  # the first delivery holds all of it
    ok(validate(api, delivery))
    stock = {row["lot_id"]: row["quantity"] for row in ok(api.get(f"/stock?product_id={pills['id']}"))["items"]}
    lots = {lot["name"]: lot for lot in ok(api.get(f"/lots?product_id={pills['id']}"))["items"]}
    assert (lots["EARLY"]["quantity"], lots["LATE"]["quantity"]) == (0, 40)
    assert stock[lots["LATE"]["id"]] == 40 and lots["EARLY"]["id"] not in stock


def test_an_expired_lot_goes_out_only_when_a_manager_says_why(api):
    pills = create_product(api, "Pills", tracking="lot")
    receive_lots(api, pills, [("OLD", 10, PAST)])
    delivery = invoice_move(api, post_invoice(api, "customer_invoice", create_partner(api), [(pills, 2)]))
    assert_error(put_lots(api, delivery, [("OLD", 2, None)]), 422, "lot_expired")
    assert_error(put_lots(api, delivery, [("OLD", 2, None)], allow_expired="Customer asked for it"), 403, "forbidden")
    blank = assert_error(put_lots(api, delivery, [("OLD", 2, None)], role="inventory_manager", allow_expired="  "), 400, "bad_request")
    assert blank["details"] == [{"field": "allow_expired", "code": "required", "message": "Give a reason."}]
    ok(put_lots(api, delivery, [("OLD", 2, None)], role="inventory_manager", allow_expired="Customer asked for it"))
    ok(validate(api, delivery))
    audit = ok(api.get(f"/audit?record=move:{delivery['id']}"))["items"]
    assert any(e["details"].get("reason") == "Customer asked for it" for e in audit if e["action"] == "assign_lots")


def test_backorders_and_returns_work_with_lots(api):
    pills, customer = create_product(api, "Pills", tracking="lot"), create_partner(api)
    bill = post_invoice(api, "vendor_bill", create_partner(api), [(pills, 10)])
    move = invoice_move(api, bill)
    ok(put_lots(api, move, [("B-1", 6, SOON)]))
    done = ok(api.as_("warehouse").post(f"/moves/{move['id']}/validate", json={"backorder": True}))
    assert done["lines"][0]["quantity"] == 6
    assert ok(api.get(f"/moves/{done['backorder_id']}"))["lines"][0]["quantity"] == 4
    delivery = invoice_move(api, post_invoice(api, "customer_invoice", customer, [(pills, 6)]))
    ok(put_lots(api, delivery, [("B-1", 6, None)]))
    ok(validate(api, delivery))
    back = ok(api.as_("warehouse").post(f"/moves/{delivery['id']}/return"), 201)
    assert back["lines"][0]["lots"][0]["name"] == "B-1" and back["lines"][0]["lots"][0]["quantity"] == 6
    ok(validate(api, back))
    lot = ok(api.get(f"/lots?product_id={pills['id']}"))["items"][0]
    assert lot["quantity"] == 6
    assert [h["type"] for h in ok(api.get(f"/lots/{lot['id']}/history"))["items"]] == ["receipt", "delivery", "receipt"]


def test_lot_names_follow_the_serial_rules(api):
    pills = create_product(api, "Pills", tracking="lot")
    created = ok(api.as_("inventory_manager").post("/lots", json={"name": "  Cafe\u0301 ", "product_id": pills["id"]}), 201)
    assert created["name"] == "Café"
    assert_error(api.as_("inventory_manager").post("/lots", json={"name": "Café", "product_id": pills["id"]}), 422, "duplicate_lot")
    assert_error(api.as_("inventory_manager").post("/lots", json={"name": "X\u200bY", "product_id": pills["id"]}), 422, "invalid_lot")
    laptop = create_product(api)
    assert_error(api.as_("inventory_manager").post("/lots", json={"name": "L", "product_id": laptop["id"]}), 422, "product_not_lot_tracked")


def _lots_received_and_delivered(api, count_statements, lots: int) -> tuple[int, int]:
    """Receive ``lots`` lots of 3 units each, then deliver them all; the statements each validation sent."""
    pills = create_product(api, tracking="lot")
    entries = [(f"B-{n:04d}", 3, LATER + timedelta(days=n)) for n in range(lots)]
    receipt = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(pills, 3 * lots)]))
    ok(put_lots(api, receipt, entries))
    with count_statements() as receiving:
        ok(validate(api, receipt))
    delivery = invoice_move(api, post_invoice(api, "customer_invoice", create_partner(api), [(pills, 3 * lots)]))
    line = delivery["lines"][0]["id"]
    ok(put_lots(api, delivery, [(s["name"], s["quantity"], None) for s in
                                ok(api.get(f"/moves/{delivery['id']}/lines/{line}/lots/suggested"))["lots"]]))
    with count_statements() as delivering:
        ok(validate(api, delivery))
    assert ok(api.get(f"/stock?product_id={pills['id']}"))["items"] == []
    return receiving.count, delivering.count


def test_validating_lots_sends_the_same_statements_for_two_lots_and_a_hundred(api, count_statements):
    assert _lots_received_and_delivered(api, count_statements, 2) == _lots_received_and_delivered(api, count_statements, 100)


def test_a_lot_mistaken_on_a_receipt_is_corrected_for_part_of_its_quantity_by_linked_moves(api):
    pills = create_product(api, "Pills", tracking="lot")
    receipt = receive_lots(api, pills, [("L-WRONG", 10, SOON)])
    path = f"/moves/{receipt['id']}/lines/{receipt['lines'][0]['id']}/correct"
    manager = api.as_("inventory_manager")
    assert_error(manager.post(path, json={"wrong": "L-NOPE", "right": "L-RIGHT", "reason": "Label misread"}), 422, "lot_not_on_move")
    assert_error(manager.post(path, json={"wrong": "L-WRONG", "right": "L-RIGHT", "reason": "Label misread", "quantity": 11}),
                 422, "invalid_quantity")
    moves = ok(manager.post(path, json={"wrong": "L-WRONG", "right": "L-RIGHT", "reason": "Label misread", "quantity": 4,
                                        "expiry_date": LATER.isoformat()}), 201)["moves"]
    assert [(m["type"], m["origin_move_id"], m["lines"][0]["lots"][0]["name"], m["lines"][0]["quantity"]) for m in moves] == [
        ("delivery", receipt["id"], "L-WRONG", 4), ("receipt", receipt["id"], "L-RIGHT", 4)]
    lots = {lot["name"]: lot for lot in ok(api.get(f"/lots?product_id={pills['id']}"))["items"]}
    assert (lots["L-WRONG"]["quantity"], lots["L-RIGHT"]["quantity"], lots["L-RIGHT"]["expiry_date"]) == (6, 4, LATER.isoformat())
    assert [h["reference"] for h in ok(api.get(f"/lots/{lots['L-WRONG']['id']}/history"))["items"]] == [receipt["reference"], moves[0]["reference"]]
    assert ok(api.get(f"/moves/{receipt['id']}"))["lines"][0]["lots"][0]["quantity"] == 10, "the original is never edited"


def test_part_of_a_lot_is_returned_and_a_lot_or_quantity_the_move_did_not_carry_returns_nothing(app, api):
    """The return page's service: lot quantities per line, checked all at once."""
    pills = create_product(api, "Pills", tracking="lot")
    receipt = receive_lots(api, pills, [("B-1", 6, SOON), ("B-2", 4, LATER)])
    original, line_id = services.get_move(receipt["id"]), receipt["lines"][0]["id"]
    with pytest.raises(DomainError) as refused:
        services.return_move(original, [], lots={line_id: {"B-1": Decimal(7), "B-9": Decimal(1)}})
    assert [(d["code"], d["lot"]) for d in refused.value.details] == [("invalid_quantity", "B-1"), ("lot_not_on_move", "B-9")]
    assert refused.value.message.startswith("Nothing was returned: Return between 0 and 6 of B-1")
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(StockMove)) == 1

    back = services.return_move(original, [], lots={line_id: {"B-1": Decimal(2), "B-2": Decimal(0)}})
    lots = services.line_lots([line.id for line in back.lines])
    assert [(line.quantity, [(e["name"], e["quantity"]) for e in lots[line.id]]) for line in back.lines] == [(2, [("B-1", 2)])]


def _statements_assigning(api, count_statements, lots: int) -> int:
    """The statements a receipt's PUT of ``lots`` lots sent."""
    pills = create_product(api, tracking="lot")
    receipt = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(pills, 3 * lots)]))
    ok(api.as_("warehouse").get(f"/moves/{receipt['id']}"))  # signs the user in before counting
    with count_statements() as assigning:
        ok(put_lots(api, receipt, [(f"B-{n:04d}", 3, LATER) for n in range(lots)]))
    return assigning.count


def test_assigning_lots_sends_the_same_statements_for_two_lots_and_a_hundred(api, count_statements):
    assert _statements_assigning(api, count_statements, 2) == _statements_assigning(api, count_statements, 100)


def test_the_suggestion_for_a_part_assigned_line_leaves_out_what_the_move_holds_already(api):
    pills = create_product(api, "Pills", tracking="lot")
    receive_lots(api, pills, [("EARLY", 30, SOON), ("LATE", 20, LATER)])
    delivery = invoice_move(api, post_invoice(api, "customer_invoice", create_partner(api), [(pills, 40)]))
    ok(put_lots(api, delivery, [("EARLY", 10, None)]))
    suggested = ok(api.get(f"/moves/{delivery['id']}/lines/{delivery['lines'][0]['id']}/lots/suggested"))["lots"]
    assert [(s["name"], s["quantity"]) for s in suggested] == [("EARLY", 20), ("LATE", 10)]
