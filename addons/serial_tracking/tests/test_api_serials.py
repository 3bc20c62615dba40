"""Serial numbers through the API: the body, purchase and delivery info, warranty, the list and its
filters, manual creation, lookup, history; and stock on hand."""
from __future__ import annotations

from datetime import date, datetime, timezone

from dateutil.relativedelta import relativedelta
from erp_addons.serial_tracking.models import Serial

from erp_core.testing import assert_error

from .common import (assign, create_location, create_partner, create_product, deliver, invoice_move, ok, post_invoice, receive,
                     serial, stock_location, table_counts, validate)

SERIAL_KEYS = ["id", "name", "product_id", "ref", "status", "location_id", "location", "reserved_by_move_id", "received_at",
               "vendor_id", "vendor_bill_id", "delivered_at", "customer_id", "customer_invoice_id", "warranty_end", "warranty_status"]


def test_a_received_then_delivered_serial_carries_purchase_and_delivery_info(api):
    laptop, vendor, customer = create_product(api, warranty_months=24), create_partner(api), create_partner(api)
    receipt = receive(api, laptop, ["SN-1"], vendor=vendor)
    unit = serial(api, "SN-1")
    assert list(unit) == SERIAL_KEYS
    stock = stock_location(api)
    assert {k: unit[k] for k in ("name", "product_id", "ref", "status", "location_id", "location", "reserved_by_move_id")} == {
        "name": "SN-1", "product_id": laptop["id"], "ref": None, "status": "available", "location_id": stock["id"],
        "location": "WH/Stock", "reserved_by_move_id": None}
    assert (unit["vendor_id"], unit["vendor_bill_id"]) == (vendor["id"], receipt["invoice_id"])
    assert unit["received_at"].endswith("Z")
    assert (unit["delivered_at"], unit["customer_id"], unit["customer_invoice_id"], unit["warranty_end"], unit["warranty_status"]) == (
        None, None, None, None, "none")

    delivery = deliver(api, laptop, ["SN-1"], customer)
    unit = serial(api, "SN-1")
    assert (unit["status"], unit["location"], unit["customer_id"], unit["customer_invoice_id"]) == (
        "out_of_stock", "Partners/Customers", customer["id"], delivery["invoice_id"])
    delivered = datetime.fromisoformat(unit["delivered_at"].replace("Z", "+00:00")).date()
    assert unit["warranty_end"] == (delivered + relativedelta(months=24)).isoformat()
    assert unit["warranty_status"] == "active"
    assert ok(api.get(f"/serials/{unit['id']}")) == unit


def test_warranty_runs_from_the_delivery_for_the_products_months(app):
    from erp_addons.serial_tracking.models import Location, ProductTracking
    from erp_addons.serial_tracking.services import warranty

    def unit(months, delivered_at):
        return Serial(product_tracking=ProductTracking(warranty_months=months), delivered_at=delivered_at,
                      location=Location(usage="customer" if delivered_at else "internal"))

    delivered = datetime(2024, 1, 31, 23, 30, tzinfo=timezone.utc)
    assert warranty(unit(1, delivered), today=date(2024, 2, 29)) == (date(2024, 2, 29), "active")
    assert warranty(unit(1, delivered), today=date(2024, 3, 1)) == (date(2024, 2, 29), "expired")
    assert warranty(unit(14, datetime(2023, 11, 15, tzinfo=timezone.utc)), today=date(2025, 1, 15)) == (date(2025, 1, 15), "active")
    assert warranty(unit(0, delivered)) == (None, "none")
    assert warranty(unit(12, None)) == (None, "none")


def test_history_lists_every_done_move_oldest_first(api):
    laptop, vendor, customer = create_product(api), create_partner(api), create_partner(api)
    receipt = receive(api, laptop, ["SN-1"], vendor=vendor)
    stock = stock_location(api)
    shelf = create_location(api, "Shelf B", stock["id"])
    transfer = ok(api.post("/moves", json={"type": "internal", "source_location_id": stock["id"], "dest_location_id": shelf["id"],
                                           "lines": [{"product_id": laptop["id"], "quantity": 1, "serials": ["SN-1"]}]}), 201)
    ok(validate(api, transfer, role="inventory_manager"))
    delivery = deliver(api, laptop, ["SN-1"], customer)
    unit = serial(api, "SN-1")
    bill, invoice = ok(api.get(f"/invoices/{receipt['invoice_id']}")), ok(api.get(f"/invoices/{delivery['invoice_id']}"))

    history = ok(api.get(f"/serials/{unit['id']}/history"))
    assert history["total"] == 3
    assert [list(row) for row in history["items"]][0] == ["date", "move_id", "reference", "type", "source_location", "dest_location",
                                                          "user", "invoice_number"]
    assert [(r["move_id"], r["reference"], r["type"], r["source_location"], r["dest_location"], r["user"], r["invoice_number"])
            for r in history["items"]] == [
        (receipt["id"], receipt["reference"], "receipt", "Partners/Vendors", "WH/Stock", "warehouse_user", bill["number"]),
        (transfer["id"], "WH/INT/00001", "internal", "WH/Stock", "WH/Stock/Shelf B", "inventory_manager_user", None),
        (delivery["id"], delivery["reference"], "delivery", "WH/Stock/Shelf B", "Partners/Customers", "warehouse_user", invoice["number"]),
    ]
    assert history["items"][0]["date"] == receipt["done_at"]
    page = ok(api.get(f"/serials/{unit['id']}/history?limit=1&offset=2"))
    assert (page["total"], [r["move_id"] for r in page["items"]]) == (3, [delivery["id"]])
    assert_error(api.get("/serials/99999/history"), 404, "not_found")


def test_manual_creation_by_inventory_managers(api):
    laptop, cable = create_product(api), create_product(api, "Cable", tracking="none")
    manager = api.as_("inventory_manager")
    created = ok(manager.post("/serials", json={"name": " SN-100 ", "product_id": laptop["id"], "ref": "R-1"}), 201)
    assert list(created) == SERIAL_KEYS
    assert (created["name"], created["ref"], created["status"], created["location_id"], created["location"]) == (
        "SN-100", "R-1", "out_of_stock", None, None)

    assert _codes(assert_error(manager.post("/serials", json={"name": "SN-100", "product_id": laptop["id"]}), 422, "duplicate_serial")) == ["duplicate_serial"]
    assert_error(manager.post("/serials", json={"name": "C-1", "product_id": cable["id"]}), 422, "product_not_serial_tracked")
    assert_error(manager.post("/serials", json={"name": "SN\t1", "product_id": laptop["id"]}), 422, "invalid_serial")
    assert_error(manager.post("/serials", json={"name": "  ", "product_id": laptop["id"]}), 422, "invalid_serial")
    assert_error(api.as_("warehouse").post("/serials", json={"name": "SN-101", "product_id": laptop["id"]}), 403, "forbidden")
    assert_error(manager.post("/serials", json={"product_id": laptop["id"]}), 400, "bad_request")
    assert table_counts(Serial) == (1,)

    # a unit known before it arrives is received like a new one
    receive(api, laptop, ["SN-100"])
    assert serial(api, "SN-100")["status"] == "available"
    assert table_counts(Serial) == (1,)


def _codes(failure):
    return [d["code"] for d in failure["details"]]


def test_only_the_internal_reference_can_be_changed(api):
    laptop = create_product(api)
    receive(api, laptop, ["SN-1"])
    unit = serial(api, "SN-1")
    assert_error(api.as_("inventory_manager").patch(f"/serials/{unit['id']}", json={"ref": "Asset 7", "name": "OTHER"}), 400,
                 "bad_request")  # the name of a unit never changes: the field is unknown here
    changed = ok(api.as_("inventory_manager").patch(f"/serials/{unit['id']}", json={"ref": "Asset 7"}))
    assert (changed["ref"], changed["name"]) == ("Asset 7", "SN-1")
    assert_error(api.as_("warehouse").patch(f"/serials/{unit['id']}", json={"ref": "x"}), 403, "forbidden")
    assert_error(api.as_("inventory_manager").patch("/serials/99999", json={"ref": "x"}), 404, "not_found")
    assert ok(api.as_("inventory_manager").patch(f"/serials/{unit['id']}", json={"ref": None}))["ref"] is None


def test_lookup_by_name(api):
    laptop, phone = create_product(api), create_product(api, "Phone")
    receive(api, laptop, ["SN-1", "SHARED"])
    receive(api, phone, ["SHARED"])
    assert serial(api, "SN-1")["product_id"] == laptop["id"]
    failure = assert_error(api.get("/serials/lookup?name=SHARED"), 422, "ambiguous_serial")
    assert sorted(d["product_id"] for d in failure["details"]) == sorted([laptop["id"], phone["id"]])
    assert serial(api, "SHARED", phone)["product_id"] == phone["id"]
    assert_error(api.get("/serials/lookup?name=NOPE"), 404, "not_found")
    assert_error(api.get(f"/serials/lookup?name=SN-1&product_id={phone['id']}"), 404, "not_found")
    assert_error(api.get("/serials/lookup"), 400, "bad_request")


def test_the_list_filters_by_product_status_location_and_part_of_the_name(api):
    laptop, phone, customer = create_product(api), create_product(api, "Phone"), create_partner(api)
    receive(api, laptop, ["LAP-001", "LAP-002", "LAP-003"])
    receive(api, phone, ["PH-001"])
    deliver(api, laptop, ["LAP-003"], customer)
    move = invoice_move(api, post_invoice(api, "customer_invoice", customer, [(laptop, 1)]))
    ok(assign(api, move, ["LAP-002"]))
    stock = stock_location(api)

    def names(query):
        return [s["name"] for s in ok(api.get(f"/serials?{query}"))["items"]]

    assert names("") == ["PH-001", "LAP-003", "LAP-002", "LAP-001"]
    assert names(f"product_id={laptop['id']}") == ["LAP-003", "LAP-002", "LAP-001"]
    assert names("status=available") == ["PH-001", "LAP-001"]
    assert names("status=on_hand") == ["LAP-002"]
    assert names("status=out_of_stock") == ["LAP-003"]
    assert names(f"location_id={stock['id']}") == ["PH-001", "LAP-002", "LAP-001"]
    assert names("location_id=1") == ["PH-001", "LAP-002", "LAP-001"]  # WH: its stock is below it
    assert names("q=lap-00") == ["LAP-003", "LAP-002", "LAP-001"]
    assert names("q=02") == ["LAP-002"]
    assert names("q=%25") == []
    assert names(f"q=001&status=available&product_id={phone['id']}") == ["PH-001"]
    assert names("q=LAP-00&match=prefix") == ["LAP-003", "LAP-002", "LAP-001"]
    assert names("q=AP-00&match=prefix") == []
    assert names("q=lap-00&match=prefix") == ["LAP-003", "LAP-002", "LAP-001"]  # searches ignore case
    assert names("q=PH-001&match=prefix&status=available") == ["PH-001"]
    page = ok(api.get("/serials?limit=2&offset=1"))
    assert (page["total"], [s["name"] for s in page["items"]]) == (4, ["LAP-003", "LAP-002"])
    assert_error(api.get("/serials?status=lost"), 400, "bad_request")
    assert_error(api.get("/serials?q=x&match=fuzzy"), 400, "bad_request")
    assert_error(api.get("/serials/99999"), 404, "not_found")


# ---------------------------------------------------------------- stock on hand


def test_stock_counts_serials_and_quantities_per_product_and_internal_location(api):
    laptop, cable, customer = create_product(api), create_product(api, "Cable", tracking="none"), create_partner(api)
    receive(api, laptop, ["SN-1", "SN-2", "SN-3", "SN-4"])
    ok(validate(api, invoice_move(api, post_invoice(api, "vendor_bill", customer, [(cable, 12.5)]))))
    deliver(api, laptop, ["SN-4"], customer)
    stock = stock_location(api)
    shelf = create_location(api, "Shelf C", stock["id"])
    transfer = ok(api.post("/moves", json={"type": "internal", "source_location_id": stock["id"], "dest_location_id": shelf["id"],
                                           "lines": [{"product_id": laptop["id"], "quantity": 1, "serials": ["SN-3"]},
                                                     {"product_id": cable["id"], "quantity": 2.5}]}), 201)
    ok(validate(api, transfer))
    ok(assign(api, invoice_move(api, post_invoice(api, "customer_invoice", customer, [(laptop, 2)])), ["SN-1"]))

    assert ok(api.get("/stock")) == {"items": [
        {"product_id": laptop["id"], "location_id": stock["id"], "quantity": 2, "reserved_quantity": 1},
        {"product_id": laptop["id"], "location_id": shelf["id"], "quantity": 1, "reserved_quantity": 0},
        {"product_id": cable["id"], "location_id": stock["id"], "quantity": 10, "reserved_quantity": 0},
        {"product_id": cable["id"], "location_id": shelf["id"], "quantity": 2.5, "reserved_quantity": 0},
    ], "total": 4}
    assert ok(api.get("/stock?limit=1&offset=1"))["items"] == [
        {"product_id": laptop["id"], "location_id": shelf["id"], "quantity": 1, "reserved_quantity": 0}]
    assert [(r["product_id"], r["location_id"]) for r in ok(api.get(f"/stock?location_id={shelf['id']}"))["items"]] == [
        (laptop["id"], shelf["id"]), (cable["id"], shelf["id"])]
    assert [r["quantity"] for r in ok(api.get(f"/stock?product_id={laptop['id']}&location_id={stock['id']}"))["items"]] == [2, 1]
    assert ok(api.get("/stock?location_id=99999")) == {"items": [], "total": 0}
