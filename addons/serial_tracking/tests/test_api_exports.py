"""CSV exports through the API: each list with the filters of its JSON form, one unit's history,
cells a spreadsheet cannot run as formulas, and answers streamed as they are read."""
from __future__ import annotations

import csv
import io

from erp_core import csvfiles
from erp_core.testing import assert_error

from .common import create_location, create_partner, create_product, deliver, ok, receive, serial, stock_location, validate

SERIAL_HEADER = ["id", "name", "product_id", "product_code", "product_name", "ref", "status", "location_id", "location",
                 "reserved_by_move_id", "reserved_by", "received_at", "vendor_id", "vendor", "vendor_bill_id", "vendor_bill",
                 "delivered_at", "customer_id", "customer", "customer_invoice_id", "customer_invoice", "warranty_end", "warranty_status"]


def read_csv(response, status: int = 200) -> list[dict]:
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/csv" and response.mimetype_params.get("charset") == "utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def header_of(response) -> list[str]:
    return next(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_serials_csv_has_the_json_columns_with_names_beside_the_ids_and_honours_every_filter(api):
    laptop, phone = create_product(api, "Laptop"), create_product(api, "Phone")
    vendor, customer = create_partner(api, "Litware"), create_partner(api, "Contoso")
    receive(api, laptop, ["LAP-1", "LAP-2", "LAP-3"], vendor=vendor)
    receive(api, phone, ["PH-1"])
    delivery = deliver(api, laptop, ["LAP-2"], customer)

    response = api.get("/serials.csv")
    assert header_of(response) == SERIAL_HEADER
    rows = read_csv(response)
    assert [r["name"] for r in rows] == ["PH-1", "LAP-3", "LAP-2", "LAP-1"]  # newest first, as GET /serials
    delivered = next(r for r in rows if r["name"] == "LAP-2")
    unit = serial(api, "LAP-2")
    invoice = ok(api.get(f"/invoices/{delivery['invoice_id']}"))
    assert {k: delivered[k] for k in ("id", "product_id", "product_name", "status", "location", "customer", "customer_invoice",
                                      "vendor", "delivered_at", "warranty_end", "warranty_status")} == {
        "id": str(unit["id"]), "product_id": str(laptop["id"]), "product_name": "Laptop", "status": "out_of_stock",
        "location": "Partners/Customers", "customer": "Contoso", "customer_invoice": invoice["number"], "vendor": "Litware",
        "delivered_at": unit["delivered_at"], "warranty_end": unit["warranty_end"], "warranty_status": "active"}
    assert delivered["delivered_at"].endswith("Z") and "T" in delivered["delivered_at"]  # ISO 8601, UTC

    assert [r["name"] for r in read_csv(api.get(f"/serials.csv?product_id={laptop['id']}"))] == ["LAP-3", "LAP-2", "LAP-1"]
    assert [r["name"] for r in read_csv(api.get("/serials.csv?status=out_of_stock"))] == ["LAP-2"]
    assert [r["name"] for r in read_csv(api.get("/serials.csv?q=lap-"))] == ["LAP-3", "LAP-2", "LAP-1"]
    assert [r["name"] for r in read_csv(api.get("/serials.csv?q=LAP-&match=prefix"))] == ["LAP-1", "LAP-2", "LAP-3"]
    stock = stock_location(api)
    assert [r["name"] for r in read_csv(api.get(f"/serials.csv?location_id={stock['id']}&product_id={laptop['id']}"))] == ["LAP-3", "LAP-1"]
    assert read_csv(api.get("/serials.csv?q=nothing-like-this")) == []
    assert header_of(api.get("/serials.csv?q=nothing-like-this")) == SERIAL_HEADER  # the header, even for no rows


def test_exports_check_their_filters_like_the_json_lists(api):
    assert_error(api.get("/serials.csv?status=lost"), 400, "bad_request")
    assert_error(api.get("/moves.csv?invoice_id=0"), 400, "bad_request")
    assert_error(api.get("/stock.csv?product_id=abc"), 400, "bad_request")
    assert_error(api.get("/serials/999999/history.csv"), 404, "not_found")
    assert_error(api.as_("warehouse").client.get("/api/v1/serials.csv"), 401, "unauthenticated")


def test_every_role_may_export(api):
    for role in ("warehouse", "accountant", "inventory_manager"):
        assert read_csv(api.as_(role).get("/stock.csv")) == []


def test_history_csv_is_the_json_history(api):
    laptop, customer = create_product(api), create_partner(api)
    receive(api, laptop, ["SN-1"])
    shelf = create_location(api, "Shelf A", stock_location(api)["id"])
    transfer = ok(api.post("/moves", json={"type": "internal", "source_location_id": stock_location(api)["id"],
                                           "dest_location_id": shelf["id"],
                                           "lines": [{"product_id": laptop["id"], "quantity": 1, "serials": ["SN-1"]}]}), 201)
    ok(validate(api, transfer, role="inventory_manager"))
    deliver(api, laptop, ["SN-1"], customer)
    unit = serial(api, "SN-1")

    response = api.get(f"/serials/{unit['id']}/history.csv")
    assert header_of(response) == ["date", "move_id", "reference", "type", "source_location", "dest_location", "user", "invoice_number"]
    history = ok(api.get(f"/serials/{unit['id']}/history"))["items"]
    assert read_csv(response) == [{key: "" if value is None else str(value) for key, value in row.items()} for row in history]
    assert response.headers["Content-Disposition"] == f'attachment; filename="serial-{unit["id"]}-history.csv"'


def test_moves_csv_has_a_row_per_line_and_honours_the_filters(api):
    laptop, cable = create_product(api, "Laptop"), create_product(api, "Cable", tracking="none")
    receipt = receive(api, laptop, ["SN-1", "SN-2"])
    stock, inventory = stock_location(api), ok(api.get("/locations?usage=inventory"))["items"][0]
    adjustment = ok(api.as_("inventory_manager").post("/moves", json={
        "type": "adjustment", "source_location_id": inventory["id"], "dest_location_id": stock["id"],
        "lines": [{"product_id": laptop["id"], "quantity": 2, "serials": ["SN-9"]}, {"product_id": cable["id"], "quantity": 2.5}]}), 201)

    rows = read_csv(api.get("/moves.csv"))
    assert [(r["reference"], r["product_name"], r["quantity"], r["tracking"], r["serials_assigned"], r["ready"]) for r in rows] == [
        (adjustment["reference"], "Laptop", "2", "serial", "1", "false"),
        (adjustment["reference"], "Cable", "2.5", "none", "0", "false"),
        (receipt["reference"], "Laptop", "2", "serial", "2", "true"),
    ]
    first = rows[0]
    assert (first["type"], first["state"], first["source_location"], first["dest_location"], first["done_at"]) == (
        "adjustment", "pending", "Virtual/Inventory adjustment", "WH/Stock", "")
    done = rows[2]
    assert (done["state"], done["done_by"], done["partner"] != "", done["invoice_number"].startswith("BILL/")) == (
        "done", "warehouse_user", True, True)
    assert done["created_at"] == receipt["created_at"] and done["done_at"] == receipt["done_at"]

    assert [r["move_id"] for r in read_csv(api.get("/moves.csv?type=receipt"))] == [str(receipt["id"])]
    assert [r["move_id"] for r in read_csv(api.get("/moves.csv?state=pending"))] == [str(adjustment["id"])] * 2
    assert [r["move_id"] for r in read_csv(api.get(f"/moves.csv?invoice_id={receipt['invoice_id']}"))] == [str(receipt["id"])]


def test_stock_csv_honours_the_filters(api):
    laptop, phone = create_product(api, "Laptop"), create_product(api, "Phone")
    receive(api, laptop, ["SN-1", "SN-2"])
    receive(api, phone, ["PH-1"])
    rows = read_csv(api.get("/stock.csv"))
    assert [(r["product_name"], r["location"], r["quantity"], r["reserved_quantity"]) for r in rows] == [
        ("Laptop", "WH/Stock", "2", "0"), ("Phone", "WH/Stock", "1", "0")]
    assert [r["product_id"] for r in read_csv(api.get(f"/stock.csv?product_id={phone['id']}"))] == [str(phone["id"])]


def test_cells_that_a_spreadsheet_would_run_are_kept_as_text(api):
    laptop = create_product(api)
    receive(api, laptop, ["SN-1", "-5", "@SUM(A1)"], vendor=create_partner(api, "=HYPERLINK(\"http://x\",\"y\")"))
    unit = serial(api, "SN-1")
    ok(api.as_("inventory_manager").patch(f"/serials/{unit['id']}", json={"ref": "+1-2"}))
    rows = {r["id"]: r for r in read_csv(api.get("/serials.csv"))}
    assert rows[str(unit["id"])]["vendor"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert rows[str(unit["id"])]["ref"] == "'+1-2"
    assert sorted(r["name"] for r in rows.values()) == ["'-5", "'@SUM(A1)", "SN-1"]


def test_cell_writes_times_in_utc_and_numbers_as_numbers():
    from datetime import date, datetime, timedelta, timezone
    from decimal import Decimal

    paris = timezone(timedelta(hours=1))
    assert csvfiles.cell(datetime(2026, 11, 25, 21, 40, 10, tzinfo=paris)) == "2026-11-25T20:40:10Z"
    assert csvfiles.cell(date(2026, 1, 2)) == "2026-01-02"
    assert csvfiles.cell(Decimal("-3.50")) == "-3.50" and csvfiles.cell(-3) == "-3"  # a negative number is no formula
    assert csvfiles.cell(None) == "" and csvfiles.cell(True) == "true"
    assert [csvfiles.cell(text) for text in ("=1", "+1", "-1", "@x", "\tx", "a=b")] == ["'=1", "'+1", "'-1", "'@x", "'\tx", "a=b"]
    assert csvfiles.plain_number(Decimal("2.000")) == Decimal("2") and str(csvfiles.plain_number(Decimal("100.000"))) == "100"


def test_exports_are_streamed_in_chunks_whatever_their_size(api, monkeypatch):
    """The answer is a generator read as the client reads it: the header goes out before the rows
    are read, and the rows follow a chunk at a time, so the body never sits whole in memory."""
    monkeypatch.setattr(csvfiles, "CHUNK", 100)
    laptop = create_product(api)
    receive(api, laptop, [f"SN-{n:04d}" for n in range(1, 1001)])

    response = api.get("/serials.csv", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    chunks = (chunk.decode() for chunk in response.response)
    assert next(chunks) == ",".join(SERIAL_HEADER) + "\r\n"  # sent before a single row is read
    rest = [next(chunks)]
    # While the export reads, others write: it holds no lock they wait for (SQLite included).
    ok(api.as_("accountant").post("/partners", json={"name": "Written meanwhile"}), 201)
    rest += list(chunks)
    assert len(rest) == 10 and all(chunk.count("\r\n") == 100 for chunk in rest)
    response.close()
    names = [line.split(",")[1] for chunk in rest for line in chunk.splitlines()]
    assert names == [f"SN-{n:04d}" for n in range(1000, 0, -1)]
