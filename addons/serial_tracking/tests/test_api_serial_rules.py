"""Every rule of serial assignment, checked when serials are assigned and again at validation:
each refusal lists every offender and changes nothing."""
from __future__ import annotations

from urllib.parse import quote

from erp_addons.serial_tracking.models import MoveLineSerial, Serial, SerialHistory

from erp_core.testing import assert_error

from .common import (assign, create_location, create_partner, create_product, deliver, invoice_move, location, ok, post_invoice,
                     receive, serial, stock_location, table_counts, validate)


def _pending(api, invoice_type, product, quantity, partner=None):
    return invoice_move(api, post_invoice(api, invoice_type, partner or create_partner(api), [(product, quantity)]))


def _serials(api, move, line=0):
    return ok(api.get(f"/moves/{move['id']}"))["lines"][line]["serials"]


def _offenders(failure):
    return [(d["serial"], d["code"]) for d in failure["details"]]


def test_names_are_trimmed_and_checked_for_format_all_offenders_listed(api):
    laptop = create_product(api)
    move = _pending(api, "vendor_bill", laptop, 10)
    ok(assign(api, move, ["KEEP-1"]))

    failure = assert_error(assign(api, move, ["  SN-1 ", "", "   ", "X" * 65, "SN\t2", "SN\n3", "SN\x074", "Y" * 64]), 422, "invalid_serial")
    assert _offenders(failure) == [("", "invalid_serial"), ("", "invalid_serial"), ("X" * 65, "invalid_serial"),
                                   ("SN\t2", "invalid_serial"), ("SN\n3", "invalid_serial"), ("SN\x074", "invalid_serial")]
    assert all(d["line_id"] == move["lines"][0]["id"] and d["message"] for d in failure["details"])
    assert _serials(api, move) == ["KEEP-1"]

    line = ok(assign(api, move, ["  SN-1 ", "Y" * 64]))
    assert line == {"id": move["lines"][0]["id"], "product_id": laptop["id"], "quantity": 10, "quantity_dropped": 0, "tracking": "serial",
                    "serials": ["SN-1", "Y" * 64]}


def test_a_serial_given_twice_in_one_move_is_refused(api):
    laptop = create_product(api)
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 3), (laptop, 3)]))
    ok(assign(api, move, ["SN-1"], line=0))

    failure = assert_error(assign(api, move, ["SN-2", "SN-1", "SN-2"], line=1), 422, "duplicate_serial")
    assert _offenders(failure) == [("SN-1", "duplicate_serial"), ("SN-2", "duplicate_serial")]
    assert_error(assign(api, move, ["SN-1"], line=0, replace=False), 422, "duplicate_serial")
    assert (_serials(api, move, 0), _serials(api, move, 1)) == (["SN-1"], [])
    # replacing a line's own serials is not a duplicate
    assert ok(assign(api, move, ["SN-1", "SN-3"], line=0))["serials"] == ["SN-1", "SN-3"]


def test_more_serials_than_the_quantity_are_refused(api):
    laptop = create_product(api)
    move = _pending(api, "vendor_bill", laptop, 3)
    failure = assert_error(assign(api, move, ["A", "B", "C", "D", "E"]), 422, "too_many_serials")
    assert _offenders(failure) == [("D", "too_many_serials"), ("E", "too_many_serials")]
    ok(assign(api, move, ["A", "B"]))
    assert _offenders(assert_error(assign(api, move, ["C", "D"], replace=False), 422, "too_many_serials")) == [("D", "too_many_serials")]
    assert _serials(api, move) == ["A", "B"]
    assert ok(assign(api, move, ["C"], replace=False))["serials"] == ["A", "B", "C"]


def test_a_line_of_a_product_without_serial_tracking_takes_no_serials(api):
    cable = create_product(api, "Cable", tracking="none")
    move = _pending(api, "vendor_bill", cable, 2)
    failure = assert_error(assign(api, move, ["C-1"]), 422, "product_not_serial_tracked")
    assert failure["details"][0]["line_id"] == move["lines"][0]["id"]
    assert_error(api.post(f"/moves/{move['id']}/lines/{move['lines'][0]['id']}/serials/generate", json={"first": "C-1", "count": 1}),
          422, "product_not_serial_tracked")
    assert table_counts(MoveLineSerial) == (0,)


def test_a_receipt_of_a_serial_in_stock_is_refused_a_unit_coming_back_is_not(api):
    laptop, customer = create_product(api), create_partner(api)
    receive(api, laptop, ["SN-1", "SN-2"])
    deliver(api, laptop, ["SN-2"], customer)
    move = _pending(api, "vendor_bill", laptop, 3)
    failure = assert_error(assign(api, move, ["SN-1", "SN-3"]), 422, "serial_already_in_stock")
    assert _offenders(failure) == [("SN-1", "serial_already_in_stock")]
    assert "WH/Stock" in failure["details"][0]["message"]
    assert ok(assign(api, move, ["SN-2", "SN-3"]))["serials"] == ["SN-2", "SN-3"]  # SN-2 left stock: it may come back


def test_a_delivery_takes_only_serials_at_its_source_location_or_below(api):
    laptop, customer = create_product(api), create_partner(api)
    receive(api, laptop, ["SN-1", "SN-2", "SN-3"])
    deliver(api, laptop, ["SN-3"], customer)
    stock = stock_location(api)
    shelf = create_location(api, "Shelf A", stock["id"])
    transfer = ok(api.post("/moves", json={"type": "internal", "source_location_id": stock["id"], "dest_location_id": shelf["id"],
                                           "lines": [{"product_id": laptop["id"], "quantity": 1, "serials": ["SN-2"]}]}), 201)
    ok(validate(api, transfer))

    move = _pending(api, "customer_invoice", laptop, 5, customer)
    failure = assert_error(assign(api, move, ["SN-1", "SN-2", "SN-3", "NOPE"]), 422, "serial_not_at_location")
    assert _offenders(failure) == [("SN-3", "serial_not_at_location"), ("NOPE", "serial_not_at_location")]
    assert "does not exist" in failure["details"][1]["message"]
    assert _serials(api, move) == []
    assert ok(assign(api, move, ["SN-1", "SN-2"]))["serials"] == ["SN-1", "SN-2"]  # SN-2 is on a shelf below WH/Stock

    # a transfer from the shelf cannot take what is not on the shelf
    back = ok(api.post("/moves", json={"type": "internal", "source_location_id": shelf["id"], "dest_location_id": stock["id"],
                                       "lines": [{"product_id": laptop["id"], "quantity": 1}]}), 201)
    assert _offenders(assert_error(assign(api, back, ["SN-1"]), 422, "serial_not_at_location")) == [("SN-1", "serial_not_at_location")]


def test_a_serial_assigned_to_a_pending_delivery_is_reserved_until_removed_replaced_or_cancelled(api):
    laptop, customer = create_product(api), create_partner(api)
    receive(api, laptop, ["SN-1", "SN-2", "SN-3"])
    first = _pending(api, "customer_invoice", laptop, 2, customer)
    second = _pending(api, "customer_invoice", laptop, 3, customer)
    ok(assign(api, first, ["SN-1", "SN-2"]))
    unit = serial(api, "SN-1")
    assert (unit["status"], unit["reserved_by_move_id"]) == ("on_hand", first["id"])

    failure = assert_error(assign(api, second, ["SN-3", "SN-1", "SN-2"]), 422, "serial_reserved")
    assert _offenders(failure) == [("SN-1", "serial_reserved"), ("SN-2", "serial_reserved")]
    assert first["reference"] in failure["details"][0]["message"]
    assert serial(api, "SN-3")["status"] == "available"  # nothing was assigned, so nothing reserved

    line = first["lines"][0]["id"]
    ok(api.delete(f"/moves/{first['id']}/lines/{line}/serials/SN-1"))
    assert (serial(api, "SN-1")["status"], serial(api, "SN-1")["reserved_by_move_id"]) == ("available", None)
    ok(assign(api, first, ["SN-3"]))  # replacing frees SN-2
    assert [serial(api, n)["status"] for n in ("SN-1", "SN-2", "SN-3")] == ["available", "available", "on_hand"]
    ok(assign(api, second, ["SN-1", "SN-2"]))
    ok(api.post(f"/moves/{second['id']}/cancel"))
    assert [serial(api, n)["reserved_by_move_id"] for n in ("SN-1", "SN-2", "SN-3")] == [None, None, first["id"]]


def test_a_receipt_does_not_reserve(api):
    laptop = create_product(api)
    move = _pending(api, "vendor_bill", laptop, 1)
    ok(assign(api, move, ["SN-1"]))
    other = _pending(api, "vendor_bill", laptop, 1)
    ok(assign(api, other, ["SN-1"]))  # two receipts may name the same new unit; the second to validate is refused
    ok(validate(api, move))
    assert serial(api, "SN-1")["reserved_by_move_id"] is None
    failure = assert_error(validate(api, other), 422, "serial_already_in_stock")
    assert _offenders(failure) == [("SN-1", "serial_already_in_stock")]
    assert ok(api.get(f"/moves/{other['id']}"))["state"] == "pending"


def test_a_customer_return_takes_only_serials_delivered_to_that_customer(api):
    laptop, alice, bob = create_product(api), create_partner(api), create_partner(api)
    receive(api, laptop, ["SN-1", "SN-2", "SN-3"])
    deliver(api, laptop, ["SN-1"], alice)
    deliver(api, laptop, ["SN-2"], bob)
    refund = _pending(api, "customer_refund", laptop, 4, alice)

    failure = assert_error(assign(api, refund, ["SN-1", "SN-2", "SN-3", "NEVER"]), 422, "serial_not_delivered_to_partner")
    assert _offenders(failure) == [("SN-2", "serial_not_delivered_to_partner"), ("SN-3", "serial_already_in_stock"),
                                   ("NEVER", "serial_not_delivered_to_partner")]
    ok(assign(api, refund, ["SN-1"]))
    second = _pending(api, "customer_refund", laptop, 1, alice)
    ok(assign(api, second, ["SN-1"]))  # a return does not reserve: the first one validated wins
    ok(validate(api, second))
    assert (serial(api, "SN-1")["status"], serial(api, "SN-1")["location"]) == ("available", "WH/Stock")
    failure = assert_error(validate(api, refund), 422, "serial_count_mismatch")
    assert [(d.get("serial"), d["code"]) for d in failure["details"]] == [
        (None, "serial_count_mismatch"), ("SN-1", "serial_already_in_stock")]


def test_validation_needs_every_serial_and_lists_every_problem(api):
    laptop = create_product(api)
    cable = create_product(api, "Cable", tracking="none")
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 2), (cable, 5), (laptop, 1)]))
    ok(assign(api, move, ["SN-1"]))
    failure = assert_error(validate(api, move), 422, "serial_count_mismatch")
    assert [(d["line_id"], d["code"]) for d in failure["details"]] == [
        (move["lines"][0]["id"], "serial_count_mismatch"), (move["lines"][2]["id"], "serial_count_mismatch")]
    assert "1 of 2" in failure["details"][0]["message"]
    assert table_counts(Serial, SerialHistory) == (0, 0)
    assert ok(api.get(f"/moves/{move['id']}"))["state"] == "pending"
    ok(assign(api, move, ["SN-1", "SN-2"]))
    ok(assign(api, move, ["SN-3"], line=2))
    assert ok(api.get(f"/moves/{move['id']}"))["ready"] is True
    assert ok(validate(api, move))["state"] == "done"


def test_a_failed_validation_changes_nothing(api):
    laptop = create_product(api)
    receive(api, laptop, ["SN-2"])
    move = _pending(api, "vendor_bill", laptop, 3)
    ok(assign(api, move, ["SN-1", "SN-3", "SN-4"]))
    # SN-3 arrives by another receipt meanwhile
    other = _pending(api, "vendor_bill", laptop, 1)
    ok(assign(api, other, ["SN-3"]))
    ok(validate(api, other))
    counts = table_counts(Serial, SerialHistory, MoveLineSerial)

    failure = assert_error(validate(api, move), 422, "serial_already_in_stock")
    assert _offenders(failure) == [("SN-3", "serial_already_in_stock")]
    assert table_counts(Serial, SerialHistory, MoveLineSerial) == counts
    assert_error(api.get("/serials/lookup?name=SN-1"), 404, "not_found")
    assert ok(api.get(f"/moves/{move['id']}"))["state"] == "pending"


def test_generate_counts_up_keeping_zero_padding(api):
    laptop = create_product(api)
    move = _pending(api, "vendor_bill", laptop, 6)
    path = f"/moves/{move['id']}/lines/{move['lines'][0]['id']}/serials/generate"
    assert ok(api.post(path, json={"first": "SN-0009", "count": 3}))["serials"] == ["SN-0009", "SN-0010", "SN-0011"]
    assert ok(api.post(path, json={"first": "A-99", "count": 2}))["serials"][-2:] == ["A-99", "A-100"]
    too_many = assert_error(api.post(path, json={"first": "Z-1", "count": 2}), 422, "too_many_serials")
    assert [(d["field"], d["code"]) for d in too_many["details"]] == [("count", "too_many_serials")]
    assert "lacks 1 serial number" in too_many["message"]
    assert_error(api.post(path, json={"first": "NODIGITS", "count": 1}), 422, "invalid_serial")
    assert_error(api.post(path, json={"first": "SN-1", "count": 0}), 400, "bad_request")
    assert _offenders(assert_error(api.post(path, json={"first": "SN-0010", "count": 1}), 422, "duplicate_serial")) == [("SN-0010", "duplicate_serial")]
    assert len(_serials(api, move)) == 5


def test_removing_a_serial(api):
    laptop = create_product(api)
    move = _pending(api, "vendor_bill", laptop, 3)
    ok(assign(api, move, ["SN 1", "SN/2", "SN-3"]))
    line = move["lines"][0]["id"]
    assert ok(api.delete(f"/moves/{move['id']}/lines/{line}/serials/{quote('SN/2')}"))["serials"] == ["SN 1", "SN-3"]
    assert ok(api.delete(f"/moves/{move['id']}/lines/{line}/serials/{quote('SN 1')}"))["serials"] == ["SN-3"]
    assert_error(api.delete(f"/moves/{move['id']}/lines/{line}/serials/SN-9"), 404, "not_found")
    assert_error(api.as_("accountant").delete(f"/moves/{move['id']}/lines/{line}/serials/SN-3"), 403, "forbidden")
    assert _serials(api, move) == ["SN-3"]


def test_scrap_and_adjustments_move_serials_out_of_and_into_stock(api):
    laptop = create_product(api)
    receive(api, laptop, ["SN-1"])
    stock, scrap, inventory = stock_location(api), location(api, "scrap"), location(api, "inventory")
    manager = api.as_("inventory_manager")
    scrapped = ok(manager.post("/moves", json={"type": "scrap", "source_location_id": stock["id"], "dest_location_id": scrap["id"],
                                               "lines": [{"product_id": laptop["id"], "quantity": 1, "serials": ["SN-1"]}]}), 201)
    ok(validate(api, scrapped, role="inventory_manager"))
    assert (serial(api, "SN-1")["status"], serial(api, "SN-1")["location"]) == ("out_of_stock", "Virtual/Scrap")

    found = ok(manager.post("/moves", json={"type": "adjustment", "source_location_id": inventory["id"], "dest_location_id": stock["id"],
                                            "lines": [{"product_id": laptop["id"], "quantity": 2, "serials": ["SN-1", "SN-NEW"]}]}), 201)
    ok(validate(api, found, role="inventory_manager"))
    new = serial(api, "SN-NEW")
    assert (new["status"], new["location"], new["received_at"], new["vendor_id"]) == ("available", "WH/Stock", None, None)
    lost = ok(manager.post("/moves", json={"type": "adjustment", "source_location_id": stock["id"], "dest_location_id": inventory["id"],
                                           "lines": [{"product_id": laptop["id"], "quantity": 1, "serials": ["SN-NEW"]}]}), 201)
    assert serial(api, "SN-NEW")["reserved_by_move_id"] == lost["id"]
