"""Importing opening stock through the API: every bad row reported with its line, nothing written by
a dry run or by a file with errors, and a good file brought into stock in one transaction by done
inventory adjustments, so each unit has its history."""
from __future__ import annotations

import pytest
from erp_addons.serial_tracking.models import MoveLineSerial, Serial, SerialHistory, StockMove

from erp_core.audit import AuditEntry
from erp_core.testing import assert_error

from .common import create_location, create_product, ok, receive, serial, stock_location, table_counts

WRITTEN = (Serial, SerialHistory, StockMove, MoveLineSerial, AuditEntry)


def csv_file(*rows: str, header: str = "name,product,location,ref") -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode()


def send(api, body: bytes, dry_run: bool, role: str = "inventory_manager"):
    return api.as_(role).post(f"/serials/import?dry_run={'true' if dry_run else 'false'}", data=body, content_type="text/csv")


def report(response) -> dict:
    """The import's report: 200 whatever the outcome (errors in the file are its content)."""
    body = ok(response)
    assert set(body) <= {"rows", "created", "errors", "errors_omitted"} and {"rows", "created", "errors"} <= set(body)
    assert all(set(error) == {"line", "code", "message"} for error in body["errors"])
    return body


def product_with_code(api, code: str, tracking: str = "serial") -> dict:
    """A product the file names by its default code."""
    product = create_product(api, f"Product {code}", tracking=tracking)
    return ok(api.as_("inventory_manager").patch(f"/products/{product['id']}", json={"default_code": code}))


def test_ten_thousand_rows_with_three_bad_ones_then_the_fixed_file(api, count_statements):
    product_with_code(api, "LAP")
    product_with_code(api, "PHO")
    shelf = create_location(api, "Shelf 1", stock_location(api)["id"])
    rows = [f"SN-{n:05d},{'LAP' if n % 2 else 'PHO'},{'WH/Stock' if n % 3 else 'WH/Stock/Shelf 1'},REF-{n}" for n in range(1, 10_001)]
    bad = list(rows)
    bad[99] = "SN-00100,NOPE,WH/Stock,"              # line 101: unknown product
    bad[4999] = "SN-00001,LAP,WH/Stock,"             # line 5001: SN-00001 of LAP is on line 2 already
    bad[9998] = "SN-09999,PHO,Partners/Customers,"   # line 10000: not a stock location
    before = table_counts(*WRITTEN)

    dry = report(send(api, csv_file(*bad), dry_run=True))
    assert (dry["rows"], dry["created"]) == (10_000, 0)
    assert [(e["line"], e["code"]) for e in dry["errors"]] == [
        (101, "unknown_product"), (5001, "duplicate_serial"), (10_000, "location_not_internal")]
    assert "line 2" in dry["errors"][1]["message"]
    assert report(send(api, csv_file(*bad), dry_run=False)) == dry
    assert table_counts(*WRITTEN) == before

    assert report(send(api, csv_file(*rows), dry_run=True)) == {"rows": 10_000, "created": 0, "errors": []}
    assert table_counts(*WRITTEN) == before

    with count_statements() as counter:
        assert report(send(api, csv_file(*rows), dry_run=False)) == {"rows": 10_000, "created": 10_000, "errors": []}
    # One adjustment per location, a line per product: the statements do not grow with the rows.
    assert counter.count < 150, counter.count
    moves = ok(api.get("/moves?type=adjustment"))["items"]
    assert [(m["state"], len(m["lines"]), sum(len(line["serials"]) for line in m["lines"])) for m in moves] == [
        ("done", 2, 3333), ("done", 2, 6667)]
    stock = {(row["product_id"], row["location_id"]): row["quantity"] for row in ok(api.get("/stock"))["items"]}
    assert sorted(stock.values()) == [1666, 1667, 3333, 3334] and shelf["id"] in {location for _, location in stock}

    unit = serial(api, "SN-00003")
    assert (unit["status"], unit["location"], unit["ref"], unit["received_at"]) == ("available", "WH/Stock/Shelf 1", "REF-3", None)
    history = ok(api.get(f"/serials/{unit['id']}/history"))["items"]
    assert [(h["type"], h["source_location"], h["dest_location"], h["user"]) for h in history] == [
        ("adjustment", "Virtual/Inventory adjustment", "WH/Stock/Shelf 1", "inventory_manager_user")]

    audit = ok(api.get(f"/audit?record=move:{moves[1]['id']}"))["items"]
    assert [entry["action"] for entry in audit] == ["create", "validate", "import"]
    assert (audit[-1]["details"]["rows"], audit[-1]["details"]["created"], len(audit[-1]["details"]["moves"])) == (10_000, 10_000, 2)

    again = report(send(api, csv_file(*rows[:3]), dry_run=True))
    assert [(e["line"], e["code"]) for e in again["errors"]] == [(2, "duplicate_serial"), (3, "duplicate_serial"), (4, "duplicate_serial")]


def test_the_statements_of_an_import_do_not_grow_with_its_rows(api, count_statements):
    product_with_code(api, "LAP")

    def statements(first: int, count: int) -> int:
        with count_statements() as counter:
            report(send(api, csv_file(*(f"N-{n},LAP,WH/Stock,R{n}" for n in range(first, first + count))), dry_run=False))
        return counter.count

    assert statements(1, 10) == statements(1000, 500)


def test_every_rule_is_reported_with_its_line(api):
    product_with_code(api, "LAP")
    product_with_code(api, "CAB", tracking="none")
    receive(api, product_with_code(api, "OLD"), ["OLD-1"])
    body = csv_file(
        "  SN-1  ,LAP,WH/Stock,",              # 2: fine (trimmed)
        ",LAP,WH/Stock,",                      # 3: empty name
        f"{'X' * 65},LAP,WH/Stock,",           # 4: too long
        "SN\u200b2,LAP,WH/Stock,",             # 5: invisible character
        "SN-3,,WH/Stock,",                     # 6: no product
        "SN-4,NOPE,WH/Stock,",                 # 7: unknown product
        "SN-5,CAB,WH/Stock,",                  # 8: not serial-tracked
        "SN-6,LAP,,",                          # 9: no location
        "SN-7,LAP,WH/Nowhere,",                # 10: unknown location
        "SN-8,LAP,Virtual/Scrap,",             # 11: not internal
        "SN-1,LAP,WH/Stock,",                  # 12: twice in the file
        "OLD-1,OLD,WH/Stock,",                 # 13: exists already
        f"SN-9,LAP,WH/Stock,{'r' * 65}",       # 14: ref too long
        "SN-10,LAP,WH/Stock,a\u2028b",         # 15: ref with an invisible character
        "SN-11,LAP,WH/Stock,ref,extra",        # 16: a cell too many
        "",                                    # blank lines are not rows
        "SN-12,NOPE,Nowhere,",                 # 18: two problems, both listed
    )
    found = report(send(api, body, dry_run=True))
    assert found["rows"] == 16 and found["created"] == 0
    assert [(e["line"], e["code"]) for e in found["errors"]] == [
        (3, "invalid_serial"), (4, "invalid_serial"), (5, "invalid_serial"), (6, "missing_product"), (7, "unknown_product"),
        (8, "product_not_serial_tracked"), (9, "missing_location"), (10, "unknown_location"), (11, "location_not_internal"),
        (12, "duplicate_serial"), (13, "duplicate_serial"), (14, "invalid_ref"), (15, "invalid_ref"), (16, "wrong_column_count"),
        (18, "unknown_product"), (18, "unknown_location")]
    assert all(e["message"].strip() for e in found["errors"])


def test_the_products_own_serial_rules_apply_as_on_a_receipt_and_the_dry_run_foresees_them(api):
    product = product_with_code(api, "LT")
    ok(api.as_("inventory_manager").patch(f"/products/{product['id']}", json={"serial_pattern": r"LT-[A-Z]\d{3}", "serial_uppercase": True}))
    product_with_code(api, "DOCK")
    ok(api.as_("inventory_manager").patch(f"/products/{product_with_code(api, 'EAN')['id']}", json={"barcode": "4006381333931"}))
    body = csv_file("lt-a001,LT,WH/Stock,",        # 2: stored as LT-A001
                    "LT-0001,LT,WH/Stock,",        # 3: not of the pattern
                    "4006381333931,DOCK,WH/Stock,",  # 4: a product's barcode
                    "LT-A001,LT,WH/Stock,")        # 5: line 2 once upper-cased
    found = report(send(api, body, dry_run=True))
    assert [(e["line"], e["code"]) for e in found["errors"]] == [(3, "serial_format"), (4, "serial_is_product_barcode"), (5, "duplicate_serial")]
    assert '"LT-", a capital letter' in found["errors"][0]["message"]
    assert report(send(api, csv_file("lt-a001,LT,WH/Stock,", "LT-B002,LT,WH/Stock,"), dry_run=False))["created"] == 2
    assert serial(api, "LT-A001", product)["status"] == "available"


@pytest.mark.parametrize("header", ["serial,product,location,ref", "name,product,location,ref,notes", "name,name,product,location",
                                    "name,product", ""])
def test_a_wrong_header_is_one_error_on_line_1(api, header):
    found = report(send(api, csv_file("SN-1,LAP,WH/Stock,", header=header), dry_run=True))
    assert [(e["line"], e["code"]) for e in found["errors"]] == [(1, "wrong_header")]
    assert "name,product,location,ref" in found["errors"][0]["message"]


def test_the_header_may_leave_out_ref_and_take_any_order_and_case_and_a_byte_order_mark(api):
    product_with_code(api, "LAP")
    body = "\ufeffLocation,Name,PRODUCT\r\nWH/Stock,SN-1,LAP\r\nWH/Stock,SN-2,LAP\r\n".encode()
    assert report(send(api, body, dry_run=False)) == {"rows": 2, "created": 2, "errors": []}
    assert serial(api, "SN-2")["ref"] is None


def test_an_unclosed_quote_is_reported_where_its_row_starts(api):
    found = report(send(api, csv_file('"SN-1,LAP,WH/Stock,', "SN-2,LAP,WH/Stock,"), dry_run=True))
    assert found["rows"] == 1 and {e["line"] for e in found["errors"]} == {2}


def test_a_file_without_rows_is_refused(api):
    for body in (b"name,product,location,ref\n", b"name,product,location,ref\n\n\n"):
        found = report(send(api, body, dry_run=False))
        assert (found["rows"], [(e["line"], e["code"]) for e in found["errors"]]) == (0, [(1, "no_rows")])
    assert [e["code"] for e in report(send(api, b"", dry_run=False))["errors"]] == ["wrong_header"]


def test_a_file_that_is_not_utf8_names_the_line(api):
    found = report(send(api, csv_file("SN-1,LAP,WH/Stock,", "SN-\xe9,LAP,WH/Stock,").replace(b"\xc3\xa9", b"\xe9"), dry_run=True))
    assert [(e["line"], e["code"]) for e in found["errors"]] == [(3, "invalid_encoding")]


def test_more_than_a_thousand_errors_are_cut_and_counted(api):
    found = report(send(api, csv_file(*(f"SN-{n},NOPE,WH/Stock," for n in range(1200))), dry_run=True))
    assert (found["rows"], len(found["errors"]), found["errors_omitted"]) == (1200, 1000, 200)
    assert found["errors"][-1]["line"] == 1001


def test_names_are_unique_per_product_by_default(api):
    product_with_code(api, "LAP")
    phone = product_with_code(api, "PHO")
    receive(api, phone, ["SN-1"])
    assert report(send(api, csv_file("SN-1,LAP,WH/Stock,"), dry_run=False))["created"] == 1


class TestGlobalUniqueness:
    @pytest.fixture
    def app_settings(self):
        return {"ERP_SERIAL_UNIQUENESS": "global"}

    def test_a_name_is_refused_when_any_product_has_it(self, api):
        product_with_code(api, "LAP")
        phone = product_with_code(api, "PHO")
        receive(api, phone, ["SN-1"])
        found = report(send(api, csv_file("SN-1,LAP,WH/Stock,", "SN-2,LAP,WH/Stock,", "SN-2,PHO,WH/Stock,"), dry_run=True))
        assert [(e["line"], e["code"]) for e in found["errors"]] == [(2, "duplicate_serial"), (4, "duplicate_serial")]
        assert "unique across products" in found["errors"][0]["message"]


def test_only_inventory_managers_and_admins_import(api):
    product_with_code(api, "LAP")
    body = csv_file("SN-1,LAP,WH/Stock,")
    for role in ("warehouse", "accountant"):
        assert_error(send(api, body, dry_run=True, role=role), 403, "forbidden")
    assert report(send(api, body, dry_run=True, role="admin"))["rows"] == 1
    assert report(send(api, body, dry_run=False, role="inventory_manager"))["created"] == 1


def test_the_body_must_be_sent_as_csv(api):
    error = assert_error(api.as_("inventory_manager").post("/serials/import?dry_run=true", json={"name": "SN-1"}), 415,
                         "unsupported_media_type")
    assert "text/csv" in error["message"]
    assert_error(api.post("/serials/import?dry_run=maybe", data=csv_file(), content_type="text/csv"), 400, "bad_request")


def test_openapi_describes_the_csv_bodies_and_answers(api):
    document = ok(api.get("/openapi.json"))
    operation = document["paths"]["/api/v1/serials/import"]["post"]
    assert list(operation["requestBody"]["content"]) == ["text/csv"]
    assert {"200", "403", "415"} <= set(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ImportReport"}
    assert [p["name"] for p in operation["parameters"]] == ["dry_run"]
    for path in ("/api/v1/serials.csv", "/api/v1/serials/{serial_id}/history.csv", "/api/v1/moves.csv", "/api/v1/stock.csv"):
        assert list(document["paths"][path]["get"]["responses"]["200"]["content"]) == ["text/csv"], path
    assert {p["name"] for p in document["paths"]["/api/v1/serials.csv"]["get"]["parameters"]} == {
        "product_id", "status", "location_id", "q", "match"}
