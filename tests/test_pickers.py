"""Pickers: the server offers the first matches of what is typed, ignoring case, so that an invoice
form stays usable with thousands of products; without JavaScript the text typed is read on the server."""
import html

from erp_core import services
from erp_core.database import db
from erp_core.pickers import LIMIT
from erp_core.testing import log_in


def test_the_picker_offers_the_first_matches_ignoring_case(client):
    for n in range(1, 31):
        services.create_product({"name": f"Laptop {n:02}", "default_code": f"LAP-{n:02}", "type": "storable"})
    services.create_product({"name": "Docking station", "type": "storable"})
    services.create_partner("Northwind Traders")
    db.session.commit()
    log_in(client, "accountant")
    answer = client.get("/pick/products?q=lAp").get_json()
    assert len(answer["items"]) == LIMIT == 20 and answer["more"] is True
    assert [item["label"] for item in answer["items"][:2]] == ["[LAP-01] Laptop 01", "[LAP-02] Laptop 02"]
    thirty = client.get("/pick/products?q=lap-3").get_json()
    assert [i["label"] for i in thirty["items"]] == ["[LAP-30] Laptop 30"] and thirty["more"] is False
    assert [i["label"] for i in client.get("/pick/products?q=DOCK").get_json()["items"]] == ["Docking station"]
    assert client.get("/pick/partners?q=NORTH").get_json()["items"][0]["label"] == "Northwind Traders"
    assert client.get("/pick/products?q=zzz").get_json() == {"items": [], "more": False}
    assert client.get("/pick/users?q=a").status_code == 404  # only what a picker is for


def test_without_javascript_the_text_typed_names_the_record(client):
    services.create_product({"name": "USB-C dock", "default_code": "DOCK", "type": "storable"})
    for name in ("USB-C hub", "USB-C cable"):
        services.create_product({"name": name, "type": "storable"})
    services.create_partner("Northwind Components")
    db.session.commit()
    log_in(client, "accountant")
    form = {"partner_id": "", "partner_id-label": "northwind", "invoice_date": "2026-03-02", "lines-0-product_id": "",
            "lines-0-product_id-label": "usb-c", "lines-0-description": "Dock", "lines-0-quantity": "1", "lines-0-unit_price": "10"}
    refused = client.post("/invoicing/new/vendor_bill", data=form)
    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert "Several products match 'usb-c' (USB-C cable; [DOCK] USB-C dock; USB-C hub); type more of the name, or its code." in page
    assert 'value="usb-c"' in page and 'value="northwind"' in page  # what was typed is kept
    saved = client.post("/invoicing/new/vendor_bill", data={**form, "lines-0-product_id-label": "[dock] usb-c DOCK"})
    assert saved.status_code == 302
    invoice = client.get(saved.location).get_data(as_text=True)
    assert "Northwind Components" in invoice and "[DOCK] USB-C dock" in invoice
    missing = client.post("/invoicing/new/vendor_bill", data={**form, "lines-0-product_id-label": "Laptop"})
    assert "No product matches 'Laptop'; check the spelling, or type part of its name." in html.unescape(missing.get_data(as_text=True))
    # A line where only a product was typed is a line, not an empty one to leave out.
    alone = client.post("/invoicing/new/vendor_bill", data={**form, "lines-0-product_id-label": "[dock] usb-c dock",
                                                            "lines-1-product_id": "", "lines-1-product_id-label": "Tablet"})
    assert "No product matches 'Tablet'" in html.unescape(alone.get_data(as_text=True)) and alone.status_code == 422


def test_without_javascript_a_name_typed_in_full_is_found_among_many_that_contain_it(client):
    for brand in ("Acer", "Asus", "Dell", "Fujitsu", "HP", "Huawei"):  # all before "Laptop" by name
        services.create_product({"name": f"{brand} laptop", "type": "storable"})
    services.create_product({"name": "Laptop", "type": "storable"})
    services.create_partner("Northwind Components")
    db.session.commit()
    log_in(client, "accountant")
    saved = client.post("/invoicing/new/vendor_bill", data={
        "partner_id": "", "partner_id-label": "Northwind Components", "invoice_date": "2026-03-02", "lines-0-product_id": "",
        "lines-0-product_id-label": "laptop", "lines-0-description": "A laptop", "lines-0-quantity": "1",
        "lines-0-unit_price": "10"})
    assert saved.status_code == 302
    invoice = client.get(saved.location).get_data(as_text=True)
    assert ">Laptop<" in invoice and "Acer laptop" not in invoice
