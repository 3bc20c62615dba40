"""Stock moves through the API: the moves invoices create, manual moves, roles, states, the body."""
from __future__ import annotations

import pytest
from erp_addons.serial_tracking.models import MoveLineSerial, Serial, StockMove, StockMoveLine

from erp_core.testing import assert_error

from .common import (assign, create_invoice, create_location, create_partner, create_product, deliver, invoice_move, location, ok,
                     post_invoice, receive, serial, stock_location, table_counts, validate)

MOVE_KEYS = ["id", "reference", "type", "state", "ready", "source_location_id", "dest_location_id", "partner_id", "invoice_id",
             "created_at", "done_at", "done_by", "backorder_id", "backorder_of_id", "origin_move_id", "reason", "lines"]


@pytest.mark.parametrize("invoice_type, move_type, source, dest, prefix", [
    ("vendor_bill", "receipt", "vendor", "stock", "WH/IN/"),
    ("customer_invoice", "delivery", "stock", "customer", "WH/OUT/"),
    ("customer_refund", "receipt", "customer", "stock", "WH/IN/"),
    ("vendor_refund", "delivery", "stock", "vendor", "WH/OUT/"),
])
def test_posting_an_invoice_creates_one_pending_move_for_its_storable_lines(api, invoice_type, move_type, source, dest, prefix):
    laptop, cable = create_product(api), create_product(api, "Cable", tracking="none")
    service = create_product(api, "Installation", tracking="none", type="service")
    partner = create_partner(api)
    invoice = post_invoice(api, invoice_type, partner, [(laptop, 2), (cable, 1.5), (service, 1), (laptop, 1)])

    ends = {"stock": stock_location(api)["id"], "vendor": location(api, "vendor")["id"], "customer": location(api, "customer")["id"]}
    move = invoice_move(api, invoice)
    assert list(move) == MOVE_KEYS
    assert move["reference"] == prefix + "00001"
    assert (move["type"], move["state"], move["ready"]) == (move_type, "pending", False)
    assert (move["source_location_id"], move["dest_location_id"]) == (ends[source], ends[dest])
    assert (move["partner_id"], move["invoice_id"], move["done_at"], move["done_by"]) == (partner["id"], invoice["id"], None, None)
    assert [(line["product_id"], line["quantity"], line["tracking"], line["serials"]) for line in move["lines"]] == [
        (laptop["id"], 2, "serial", []), (cable["id"], 1.5, "none", []), (laptop["id"], 1, "serial", [])]
    assert list(move["lines"][0]) == ["id", "product_id", "quantity", "quantity_dropped", "tracking", "serials"]
    assert ok(api.get(f"/invoices/{invoice['id']}"))["stock_moves"] == [
        {"id": move["id"], "reference": move["reference"], "type": move_type, "state": "pending"}]
    assert ok(api.get(f"/moves/{move['id']}")) == move


def test_an_invoice_without_storable_lines_makes_no_move(api):
    service = create_product(api, "Support", tracking="none", type="service")
    invoice = post_invoice(api, "customer_invoice", create_partner(api), [(service, 3)])
    assert invoice["stock_moves"] == []
    assert ok(api.get(f"/moves?invoice_id={invoice['id']}")) == {"items": [], "total": 0}


def test_a_serial_tracked_line_needs_a_whole_quantity_to_post(api):
    laptop, cable = create_product(api), create_product(api, "Cable", tracking="none")
    draft = create_invoice(api, "vendor_bill", create_partner(api), [(cable, 0.5), (laptop, 1.5)])
    failure = assert_error(api.as_("accountant").post(f"/invoices/{draft['id']}/post"), 422, "quantity_not_whole")
    assert [(d["field"], d["code"]) for d in failure["details"]] == [("lines.1.quantity", "quantity_not_whole")]
    assert ok(api.get(f"/invoices/{draft['id']}"))["state"] == "draft"
    assert table_counts(StockMove) == (0,)


def test_cancelling_an_invoice_cancels_its_pending_move_and_frees_its_reservations(api):
    laptop, customer = create_product(api), create_partner(api)
    receive(api, laptop, ["SN-1", "SN-2"])
    invoice = post_invoice(api, "customer_invoice", customer, [(laptop, 2)])
    move = invoice_move(api, invoice)
    ok(assign(api, move, ["SN-1"]))
    assert serial(api, "SN-1")["status"] == "on_hand"

    cancelled = ok(api.as_("accountant").post(f"/invoices/{invoice['id']}/cancel"))
    assert cancelled["stock_moves"][0]["state"] == "cancelled"
    assert (serial(api, "SN-1")["status"], serial(api, "SN-1")["reserved_by_move_id"]) == ("available", None)


def test_an_invoice_whose_move_is_done_cannot_be_cancelled(api):
    laptop = create_product(api)
    bill = post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 1)])
    move = invoice_move(api, bill)
    ok(assign(api, move, ["SN-1"]))
    ok(validate(api, move))

    failure = assert_error(api.as_("accountant").post(f"/invoices/{bill['id']}/cancel"), 409, "invalid_state")
    assert move["reference"] in failure["message"]
    assert ok(api.get(f"/invoices/{bill['id']}"))["state"] == "posted"
    assert ok(api.get(f"/moves/{move['id']}"))["state"] == "done"


def test_moves_are_listed_newest_first_and_filtered(api):
    laptop, partner = create_product(api), create_partner(api)
    bill = post_invoice(api, "vendor_bill", partner, [(laptop, 1)])
    invoice = post_invoice(api, "customer_invoice", partner, [(laptop, 1)])
    receipt, delivery = invoice_move(api, bill), invoice_move(api, invoice)
    ok(api.post(f"/moves/{delivery['id']}/cancel"))

    assert [m["id"] for m in ok(api.get("/moves"))["items"]] == [delivery["id"], receipt["id"]]
    assert [m["id"] for m in ok(api.get("/moves?type=receipt"))["items"]] == [receipt["id"]]
    assert [m["id"] for m in ok(api.get("/moves?state=cancelled&type="))["items"]] == [delivery["id"]]
    assert ok(api.get("/moves?state=done")) == {"items": [], "total": 0}
    page = ok(api.get("/moves?limit=1&offset=1"))
    assert (page["total"], [m["id"] for m in page["items"]]) == (2, [receipt["id"]])
    assert_error(api.get("/moves?state=finished"), 400, "bad_request")


# ---------------------------------------------------------------- manual moves


def _manual(api, role, move_type, source, dest, lines, **extra):
    return api.as_(role).post("/moves", json={"type": move_type, "source_location_id": source["id"], "dest_location_id": dest["id"],
                                              "lines": lines, **extra})


def test_manual_moves_need_the_permission_of_their_type(api):
    cable = create_product(api, "Cable", tracking="none")
    stock, inventory = stock_location(api), location(api, "inventory")
    shelf = create_location(api, "Shelf 1", stock["id"])
    lines = [{"product_id": cable["id"], "quantity": 4}]

    internal = ok(_manual(api, "warehouse", "internal", stock, shelf, lines), 201)
    assert (internal["type"], internal["state"], internal["reference"], internal["invoice_id"]) == ("internal", "pending", "WH/INT/00001", None)
    assert_error(_manual(api, "warehouse", "adjustment", inventory, stock, lines), 403, "forbidden")
    assert_error(_manual(api, "warehouse", "receipt", location(api, "vendor"), stock, lines), 403, "forbidden")
    assert_error(_manual(api, "accountant", "internal", stock, shelf, lines), 403, "forbidden")
    adjustment = ok(_manual(api, "inventory_manager", "adjustment", inventory, stock, lines), 201)
    assert adjustment["reference"] == "WH/ADJ/00001"
    scrap = ok(_manual(api, "inventory_manager", "scrap", stock, location(api, "scrap"), lines), 201)
    assert scrap["reference"] == "WH/SCRAP/00001"

    assert_error(validate(api, adjustment, role="warehouse"), 403, "forbidden")
    assert_error(api.as_("warehouse").post(f"/moves/{scrap['id']}/cancel"), 403, "forbidden")
    assert ok(validate(api, internal, role="warehouse"))["state"] == "done"
    assert ok(validate(api, adjustment, role="inventory_manager"))["state"] == "done"


def test_a_manual_move_is_checked_before_it_is_created(api):
    laptop, service = create_product(api), create_product(api, "Support", tracking="none", type="service")
    stock, customer = stock_location(api), location(api, "customer")
    manager = api.as_("inventory_manager")

    failure = assert_error(_manual(api, "inventory_manager", "receipt", stock, customer, [{"product_id": laptop["id"], "quantity": 1.5},
                                                                                   {"product_id": service["id"], "quantity": 1},
                                                                                   {"product_id": 999, "quantity": 1}]), 422, "invalid_location")
    assert [d["code"] for d in failure["details"]] == ["invalid_location", "quantity_not_whole", "product_not_storable", "not_found"]
    assert_error(manager.post("/moves", json={"type": "internal", "source_location_id": stock["id"], "dest_location_id": stock["id"],
                                       "lines": [{"product_id": laptop["id"], "quantity": 1}]}), 422, "invalid_location")
    assert_error(manager.post("/moves", json={"type": "teleport", "source_location_id": stock["id"], "dest_location_id": customer["id"],
                                       "lines": [{"product_id": laptop["id"], "quantity": 1}]}), 400, "bad_request")
    assert_error(manager.post("/moves", json={"type": "delivery", "source_location_id": stock["id"], "dest_location_id": customer["id"],
                                       "lines": [{"product_id": laptop["id"], "quantity": "1"}]}), 400, "bad_request")
    assert_error(manager.post("/moves", json={"type": "delivery", "source_location_id": stock["id"], "dest_location_id": customer["id"],
                                       "lines": []}), 400, "bad_request")
    assert table_counts(StockMove, StockMoveLine) == (0, 0)


def test_serials_given_at_creation_are_assigned_with_the_same_checks(api):
    laptop, cable = create_product(api), create_product(api, "Cable", tracking="none")
    stock, vendor = stock_location(api), location(api, "vendor")
    receive(api, laptop, ["SN-1"])
    before = table_counts(StockMove, StockMoveLine, MoveLineSerial)

    failure = assert_error(_manual(api, "inventory_manager", "receipt", vendor, stock, [
        {"product_id": laptop["id"], "quantity": 2, "serials": ["SN-1", " ", "SN-2"]},
        {"product_id": cable["id"], "quantity": 1, "serials": ["C-1"]}]), 422, "invalid_serial")
    assert [(d.get("serial"), d["code"]) for d in failure["details"]] == [
        ("", "invalid_serial"), ("SN-1", "serial_already_in_stock"), (None, "product_not_serial_tracked")]
    assert table_counts(StockMove, StockMoveLine, MoveLineSerial) == before

    move = ok(_manual(api, "inventory_manager", "receipt", vendor, stock, [
        {"product_id": laptop["id"], "quantity": 2, "serials": [" SN-2", "SN-3 "]}, {"product_id": cable["id"], "quantity": 1}]), 201)
    assert [line["serials"] for line in move["lines"]] == [["SN-2", "SN-3"], []]
    assert move["ready"] is True
    assert ok(validate(api, move))["state"] == "done"


# ---------------------------------------------------------------- states, lines and roles


def test_actions_on_a_done_or_cancelled_move_answer_409_and_change_nothing(api):
    laptop = create_product(api)
    done = receive(api, laptop, ["SN-1"])
    line = done["lines"][0]["id"]
    for method, path, body in [("POST", "/validate", None), ("POST", "/cancel", None),
                               ("PUT", f"/lines/{line}/serials", {"serials": ["SN-2"]}),
                               ("POST", f"/lines/{line}/serials", {"serials": ["SN-2"]}),
                               ("POST", f"/lines/{line}/serials/generate", {"first": "SN-5", "count": 1}),
                               ("DELETE", f"/lines/{line}/serials/SN-1", None)]:
        assert_error(api.request(method, f"/moves/{done['id']}{path}", json=body), 409, "invalid_state")
    assert ok(api.get(f"/moves/{done['id']}")) == done

    pending = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 1)]))
    cancelled = ok(api.post(f"/moves/{pending['id']}/cancel"))
    assert cancelled["state"] == "cancelled"
    assert_error(validate(api, cancelled), 409, "invalid_state")
    assert_error(assign(api, cancelled, ["SN-9"]), 409, "invalid_state")


def test_a_line_of_another_move_or_an_unknown_move_is_not_found(api):
    laptop, partner = create_product(api), create_partner(api)
    first = invoice_move(api, post_invoice(api, "vendor_bill", partner, [(laptop, 1)]))
    second = invoice_move(api, post_invoice(api, "vendor_bill", partner, [(laptop, 1)]))
    assert_error(api.put(f"/moves/{first['id']}/lines/{second['lines'][0]['id']}/serials", json={"serials": ["SN-1"]}), 404, "not_found")
    assert_error(api.put(f"/moves/{first['id']}/lines/99999/serials", json={"serials": ["SN-1"]}), 404, "not_found")
    assert_error(api.get("/moves/99999"), 404, "not_found")
    assert_error(api.post("/moves/99999/validate"), 404, "not_found")
    assert table_counts(MoveLineSerial) == (0,)


def test_accountants_read_moves_but_do_not_touch_them(api):
    laptop = create_product(api)
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 1)]))
    accountant = api.as_("accountant")
    assert ok(accountant.get(f"/moves/{move['id']}"))["id"] == move["id"]
    assert_error(assign(api, move, ["SN-1"], role="accountant"), 403, "forbidden")
    assert_error(accountant.post(f"/moves/{move['id']}/validate"), 403, "forbidden")
    assert_error(accountant.post(f"/moves/{move['id']}/cancel"), 403, "forbidden")
    assert ok(api.get(f"/moves/{move['id']}")) == move


def test_validation_records_who_and_when(api):
    laptop = create_product(api)
    move = receive(api, laptop, ["SN-1"])
    assert (move["state"], move["done_by"], move["ready"]) == ("done", "warehouse_user", True)
    assert move["done_at"].endswith("Z") and move["created_at"].endswith("Z")


def test_non_tracked_lines_move_their_quantity(api):
    cable, partner = create_product(api, "Cable", tracking="none"), create_partner(api)
    bill = post_invoice(api, "vendor_bill", partner, [(cable, 10)])
    ok(validate(api, invoice_move(api, bill)))
    ok(validate(api, invoice_move(api, post_invoice(api, "customer_invoice", partner, [(cable, 3)]))))
    stock = stock_location(api)
    assert ok(api.get(f"/stock?product_id={cable['id']}")) == {"items": [
        {"product_id": cable["id"], "location_id": stock["id"], "quantity": 7, "reserved_quantity": 0}], "total": 1}
    assert table_counts(Serial) == (0,)


def test_deliveries_and_returns_round_trip(api):
    laptop, customer, vendor = create_product(api), create_partner(api), create_partner(api)
    receive(api, laptop, ["SN-1", "SN-2"], vendor=vendor)
    delivery = deliver(api, laptop, ["SN-1"], customer)
    refund = post_invoice(api, "customer_refund", customer, [(laptop, 1)])
    ok(assign(api, invoice_move(api, refund), ["SN-1"]))
    back = ok(validate(api, invoice_move(api, refund)))
    assert back["type"] == "receipt"
    unit = serial(api, "SN-1")
    assert (unit["status"], unit["location"], unit["customer_id"]) == ("available", "WH/Stock", customer["id"])
    assert delivery["state"] == "done"

    vendor_return = post_invoice(api, "vendor_refund", vendor, [(laptop, 1)])
    ok(assign(api, invoice_move(api, vendor_return), ["SN-2"]))
    ok(validate(api, invoice_move(api, vendor_return)))
    assert (serial(api, "SN-2")["status"], serial(api, "SN-2")["location"]) == ("out_of_stock", "Partners/Vendors")
