"""Invoicing works without any addon that reacts to it (ERP_ADDONS=invoicing).

This runs in a subprocess: once another test of this process has loaded serial_tracking, its
models module has added columns to Product for the whole process, and an app without that addon
(so without those columns in its database) could not read products here any more."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent('''
    import json, sys
    from erp_core import create_app, services
    from erp_core.cli import initialise
    from erp_core.database import db

    app = create_app({"DATABASE_URL": sys.argv[1], "ERP_ADDONS": "invoicing", "TESTING": True, "WTF_CSRF_ENABLED": False})
    initialise(app, demo=True)
    with app.app_context():
        admin = services.create_user("boss", "admin", "password-123")
        headers = {"Authorization": "Bearer " + services.create_token(admin)}
        db.session.commit()
        api = app.test_client()
        product = api.post("/api/v1/products", json={"name": "Dock", "type": "storable"}, headers=headers).get_json()
        bill = api.post("/api/v1/invoices", headers=headers, json={"type": "vendor_bill", "partner_id": 1,
                        "lines": [{"product_id": product["id"], "quantity": 2, "unit_price": 80, "tax_rate": 21}]}).get_json()
        posted = api.post(f"/api/v1/invoices/{bill['id']}/post", headers=headers)
        web = app.test_client()
        web.post("/login", data={"username": "boss", "password": "password-123"})
        pages = {path: web.get(path).status_code for path in ("/", "/invoicing/bills", f"/invoicing/{bill['id']}", "/invoicing/new/vendor_refund")}
        print(json.dumps({
            "addons": [a["name"] for a in api.get("/api/v1/addons", headers=headers).get_json()["items"]],
            "status": posted.status_code, "posted": posted.get_json(), "pages": pages,
            "demo_bills": api.get("/api/v1/invoices?type=vendor_bill&state=posted", headers=headers).get_json()["total"],
        }))
''')


def test_posting_without_other_addons_makes_no_stock_moves(backend, database_factory):
    url = database_factory.empty(backend)
    done = subprocess.run([sys.executable, "-c", SCRIPT, url], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[3])
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["addons"] == ["invoicing"]
    assert result["status"] == 200, result["posted"]
    assert result["posted"]["state"] == "posted" and result["posted"]["number"].startswith("BILL/")
    assert result["posted"]["stock_moves"] == []
    assert result["posted"]["total"] == 193.6
    assert set(result["pages"].values()) == {200}, result["pages"]
    assert result["demo_bills"] == 2  # the demo's posted bill, and ours
