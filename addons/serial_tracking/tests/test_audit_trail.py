"""The audit trail of stock work: one row per action, with its user, never one per serial."""
from erp_core.testing import assert_error, ok

from .common import assign, create_partner, create_product, invoice_move, post_invoice, validate


def test_the_audit_rows_of_a_receipts_whole_life_each_with_its_user(api):
    laptop, vendor = create_product(api), create_partner(api)
    bill = post_invoice(api, "vendor_bill", vendor, [(laptop, 3)])
    move = invoice_move(api, bill)
    line = move["lines"][0]["id"]
    ok(assign(api, move, ["SN-1", "SN-9"]))
    ok(api.as_("warehouse").delete(f"/moves/{move['id']}/lines/{line}/serials/SN-9"))
    ok(api.as_("warehouse").post(f"/moves/{move['id']}/lines/{line}/serials/generate", json={"first": "SN-2", "count": 2}))
    assert_error(assign(api, move, ["SN-4"], replace=False), 422, "too_many_serials")  # refused: no row
    ok(validate(api, move))

    entries = ok(api.get(f"/audit?record=move:{move['id']}"))["items"]
    assert [(e["action"], e["user"]) for e in entries] == [
        ("create", "accountant_user"), ("replace", "warehouse_user"), ("remove", "warehouse_user"),
        ("generate", "warehouse_user"), ("validate", "warehouse_user")]
    assert entries[1]["details"]["serials"] == {"items": ["SN-1", "SN-9"], "count": 2}
    assert entries[2]["details"] == {"line_id": line, "serial": "SN-9"}
    assert entries[3]["details"]["serials"]["items"] == ["SN-2", "SN-3"] and entries[3]["details"]["first"] == "SN-2"
    assert entries[4]["details"]["lines"] == [{"line_id": line, "product_id": laptop["id"], "quantity": 3}]
    assert [e["action"] for e in ok(api.get(f"/audit?record=invoice:{bill['id']}"))["items"]] == ["create", "post"]
    assert ok(api.as_("inventory_manager").get(f"/audit?record=move:{move['id']}"))["total"] == 5
