"""The audit trail: every action writes one row in its own transaction, with who did it; a refused
action writes none; GET /audit lists a record's actions oldest first, for admins."""
from erp_core import audit
from erp_core.database import db
from erp_core.testing import assert_error, ok


def rows(api, record: str) -> list[dict]:
    return ok(api.get(f"/audit?record={record}"))["items"]


def test_a_product_edit_keeps_who_and_the_before_and_after(api):
    product = ok(api.post("/products", json={"name": "Dock", "type": "consumable"}), 201)
    ok(api.as_("admin").patch(f"/products/{product['id']}", json={"name": "USB-C dock", "type": "storable", "barcode": None}))
    entries = rows(api, f"product:{product['id']}")
    assert [(e["action"], e["user"]) for e in entries] == [("create", "admin_user"), ("edit", "admin_user")]
    assert entries[1]["details"] == {"changes": {"name": ["Dock", "USB-C dock"], "type": ["consumable", "storable"]}}
    assert set(entries[0]) == {"at", "user", "action", "details"}


def test_a_refused_action_writes_no_row(api):
    product = ok(api.post("/products", json={"name": "Dock"}), 201)
    before = db.session.scalar(db.select(db.func.count()).select_from(audit.AuditEntry))
    assert_error(api.patch(f"/products/{product['id']}", json={"name": ""}), 400, "bad_request")
    assert_error(api.patch(f"/products/{product['id']}", json={"type": "storable", "default_code": "X" * 65}), 400, "bad_request")
    assert db.session.scalar(db.select(db.func.count()).select_from(audit.AuditEntry)) == before


def test_the_trail_is_read_by_admins_only_and_takes_a_record_as_kind_and_id(api):
    partner = ok(api.post("/partners", json={"name": "Acme"}), 201)
    assert [e["action"] for e in rows(api, f"partner:{partner['id']}")] == ["create"]
    assert rows(api, f"partner:{partner['id'] + 1000}") == []
    assert_error(api.get("/audit?record=partner"), 400, "bad_request")
    assert_error(api.as_("accountant").get(f"/audit?record=partner:{partner['id']}"), 403, "forbidden")
