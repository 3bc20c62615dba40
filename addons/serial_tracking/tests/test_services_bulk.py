"""Validation, assignment and scanning are bulk operations: the SQL statements they send do not
depend on how many serials the move carries (no timings here: those live in bench/)."""
from __future__ import annotations

from .common import create_partner, create_product, invoice_move, ok, post_invoice, validate

# Statements one validation request may send, whatever the number of serials: about 20 today,
# token and user lookups included.
VALIDATION_STATEMENT_BOUND = 30
# The same for assigning a list of serials to a delivery line, and for one scan (9 on SQLite and 10
# on PostgreSQL today: the move comes with its lines, products and locations in one statement).
ASSIGNMENT_STATEMENT_BOUND, SCAN_STATEMENT_BOUND = 20, 12


def _received_and_delivered(api, count_statements, quantity: int, prefix: str) -> tuple[int, int]:
    """Receive ``quantity`` new serials (generated) and deliver them all (PUT as a list); return the
    statements sent by each validation."""
    laptop, vendor, customer = create_product(api), create_partner(api), create_partner(api)
    receipt = invoice_move(api, post_invoice(api, "vendor_bill", vendor, [(laptop, quantity)]))
    line = receipt["lines"][0]["id"]
    generated = ok(api.as_("warehouse").post(f"/moves/{receipt['id']}/lines/{line}/serials/generate",
                                             json={"first": f"{prefix}-000001", "count": quantity}))
    assert len(generated["serials"]) == quantity
    with count_statements() as receiving:
        assert ok(validate(api, receipt))["state"] == "done"

    delivery = invoice_move(api, post_invoice(api, "customer_invoice", customer, [(laptop, quantity)]))
    names = generated["serials"]
    ok(api.as_("warehouse").put(f"/moves/{delivery['id']}/lines/{delivery['lines'][0]['id']}/serials", json={"serials": names}))
    with count_statements() as delivering:
        assert ok(validate(api, delivery))["state"] == "done"

    assert ok(api.get(f"/serials?product_id={laptop['id']}&status=out_of_stock&limit=1"))["total"] == quantity
    assert ok(api.get(f"/serials?product_id={laptop['id']}&status=available&limit=1"))["total"] == 0
    unit = ok(api.get(f"/serials/lookup?name={names[-1]}"))
    assert (unit["location"], unit["customer_id"]) == ("Partners/Customers", customer["id"])
    assert ok(api.get(f"/serials/{unit['id']}/history"))["total"] == 2
    return receiving.count, delivering.count


def test_ten_thousand_serials_are_received_and_delivered_with_a_bounded_number_of_statements(api, count_statements):
    receiving, delivering = _received_and_delivered(api, count_statements, 10_000, "BULK")
    assert receiving <= VALIDATION_STATEMENT_BOUND
    assert delivering <= VALIDATION_STATEMENT_BOUND


def test_validation_sends_the_same_statements_for_ten_and_a_thousand_serials(api, count_statements):
    assert _received_and_delivered(api, count_statements, 10, "SMALL") == _received_and_delivered(api, count_statements, 1_000, "LARGE")


def _assigned_and_scanned(api, count_statements, quantity: int, prefix: str) -> tuple[int, int]:
    """Statements sent by a PUT of ``quantity`` serials on a delivery line, then by one scan that adds
    one more serial to that line."""
    laptop = create_product(api)
    receipt = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, quantity + 1)]))
    warehouse = api.as_("warehouse")
    names = ok(warehouse.post(f"/moves/{receipt['id']}/lines/{receipt['lines'][0]['id']}/serials/generate",
                              json={"first": f"{prefix}-000001", "count": quantity + 1}))["serials"]
    ok(validate(api, receipt))
    delivery = invoice_move(api, post_invoice(api, "customer_invoice", create_partner(api), [(laptop, quantity + 1)]))
    with count_statements() as assigning:
        ok(warehouse.put(f"/moves/{delivery['id']}/lines/{delivery['lines'][0]['id']}/serials", json={"serials": names[:-1]}))
    with count_statements() as scanning:
        assert ok(warehouse.post(f"/moves/{delivery['id']}/scan", json={"code": names[-1]}))["assigned"] is True
    assert ok(api.get(f"/serials?product_id={laptop['id']}&status=on_hand&limit=1"))["total"] == quantity + 1
    return assigning.count, scanning.count


def test_assigning_to_a_delivery_and_scanning_send_the_same_statements_for_ten_and_two_hundred_serials(api, count_statements):
    assigning, scanning = _assigned_and_scanned(api, count_statements, 10, "FEW")
    assert (assigning, scanning) == _assigned_and_scanned(api, count_statements, 200, "MANY")
    assert assigning <= ASSIGNMENT_STATEMENT_BOUND and scanning <= SCAN_STATEMENT_BOUND
