"""Invoicing works without any addon that reacts to it (ERP_ADDONS=invoicing), in the same process
as an app with every addon: addons add nothing to the core's classes, so the two never meet."""
import pytest

from erp_core import create_app, services
from erp_core.cli import initialise
from erp_core.database import db
from erp_core.testing import Api, ok


@pytest.fixture
def invoicing_alone(backend, database_factory):
    app = create_app({"DATABASE_URL": database_factory.empty(backend), "ERP_ADDONS": "invoicing", "TESTING": True,
                      "WTF_CSRF_ENABLED": False})
    initialise(app, demo=True)
    yield app
    with app.app_context():
        db.engine.dispose()


def _post_a_bill(app) -> dict:
    with app.app_context():
        api = Api(app)
        product = ok(api.post("/products", json={"name": "Dock", "type": "storable"}), 201)
        partner = ok(api.post("/partners", json={"name": "Northwind"}), 201)
        bill = ok(api.post("/invoices", json={"type": "vendor_bill", "partner_id": partner["id"], "lines": [
            {"product_id": product["id"], "quantity": 2, "unit_price": 80, "tax_rate": 21}]}), 201)
        return {"product": product, "posted": ok(api.post(f"/invoices/{bill['id']}/post")),
                "addons": [a["name"] for a in ok(api.get("/addons"))["items"]],
                "demo_bills": ok(api.get("/invoices?type=vendor_bill&state=posted"))["total"]}


def test_posting_without_other_addons_makes_no_stock_moves_beside_a_full_app(invoicing_alone, app):
    alone = _post_a_bill(invoicing_alone)
    full = _post_a_bill(app)  # the app with every addon, in the same process

    assert alone["addons"] == ["invoicing"]
    assert alone["posted"]["state"] == "posted" and alone["posted"]["number"].startswith("BILL/")
    assert alone["posted"]["total"] == 193.6
    assert "stock_moves" not in alone["posted"], "only serial_tracking adds stock moves to invoices"
    assert set(alone["product"]) == {"id", "name", "default_code", "barcode", "type"}
    assert alone["demo_bills"] == 2  # the demo's posted bill, and ours

    assert "serial_tracking" in full["addons"]
    assert [m["type"] for m in full["posted"]["stock_moves"]] == ["receipt"]
    assert full["product"]["tracking"] == "none"

    with invoicing_alone.app_context():  # and the invoicing-only app still reads its products and pages
        client = invoicing_alone.test_client()
        services.create_user("boss", "admin", "password-123")
        db.session.commit()
        client.post("/login", data={"username": "boss", "password": "password-123"})
        bill_id = alone["posted"]["id"]
        pages = {path: client.get(path).status_code for path in ("/", "/invoicing/bills", f"/invoicing/{bill_id}",
                                                                  "/invoicing/new/vendor_refund", "/products")}
        assert set(pages.values()) == {200}, pages
