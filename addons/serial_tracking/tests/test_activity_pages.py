"""Activity panels on the pages of moves, invoices, serials, products and partners: who did what,
newest first, in words, read-only; and the trace pages reached from partners and invoices."""
import re

from erp_core.testing import activity_of, log_in

from .common import (assign, create_partner, create_product, deliver, invoice_move, ok, post_invoice, receive, serial, validate)


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_receipts_whole_life_reads_on_its_move_and_invoice_pages_with_each_user(api, client):
    laptop = create_product(api, "Laptop 14")
    bill = post_invoice(api, "vendor_bill", create_partner(api, "Litware"), [(laptop, 3)])
    move = invoice_move(api, bill)
    ok(assign(api, move, ["A-1", "A-2", "A-3"]))
    ok(api.as_("warehouse").delete(f"/moves/{move['id']}/lines/{move['lines'][0]['id']}/serials/A-3"))
    ok(assign(api, move, ["A-4"], replace=False, role="inventory_manager"))
    ok(validate(api, move))
    log_in(client, "warehouse")

    entries = activity_of(page(client, f"/inventory/moves/{move['id']}"))
    assert [(who, what) for _, who, what in entries] == [
        ("warehouse_user", "Validated (3 units)"),
        ("inventory_manager_user", "Assigned 1 serial number: A-4"),
        ("warehouse_user", "Removed A-3"),
        ("warehouse_user", "Replaced a line's serial numbers with 3 serial numbers: A-1, A-2, A-3"),
        ("accountant_user", f"Created {move['reference']}")]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", when) for when, _, _ in entries)
    invoice_entries = activity_of(page(client, f"/invoicing/{bill['id']}"))
    assert [(who, what) for _, who, what in invoice_entries] == [
        ("accountant_user", f"Posted as {bill['number']}"), ("accountant_user", "Draft created (total 300.00)")]


def test_serial_product_and_partner_pages_show_their_edits(api, client):
    laptop = create_product(api, "Laptop 15")
    receive(api, laptop, ["B-1"])
    unit = serial(api, "B-1")
    ok(api.as_("inventory_manager").patch(f"/serials/{unit['id']}", json={"ref": "Shelf 4"}))
    ok(api.as_("inventory_manager").patch(f"/products/{laptop['id']}", json={"name": "Laptop 15 Pro"}))
    partner = create_partner(api, "Fabrikam")
    ok(api.as_("accountant").patch(f"/partners/{partner['id']}", json={"email": "buy@fabrikam.example"}))
    log_in(client, "warehouse")
    assert [what for _, _, what in activity_of(page(client, f"/inventory/serials/{unit['id']}"))] == ["Edited: ref: — → Shelf 4"]
    assert activity_of(page(client, f"/products/{laptop['id']}"))[0][1:] == ("inventory_manager_user", "Edited (name: Laptop 15 → Laptop 15 Pro)")
    assert activity_of(page(client, f"/partners/{partner['id']}"))[0][2] == "Edited (email: — → buy@fabrikam.example)"


def test_the_activity_panel_pages_back_through_older_entries(api, client):
    laptop = create_product(api)
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 25)]))
    for n in range(25):
        ok(assign(api, move, [f"P-{n}"], replace=False))
    log_in(client, "warehouse")
    first = page(client, f"/inventory/moves/{move['id']}")
    assert len(activity_of(first)) == 20 and activity_of(first)[0][2] == "Assigned 1 serial number: P-24"
    assert 'href="?activity=2#activity" rel="next">Older</a>' in first
    older = activity_of(page(client, f"/inventory/moves/{move['id']}?activity=2"))
    assert [what for _, _, what in older] == [f"Assigned 1 serial number: P-{n}" for n in range(4, -1, -1)] + [f"Created {move['reference']}"]


def test_a_partners_page_counts_the_units_they_hold_and_its_pages_list_them(api, client):
    laptop, customer = create_product(api, "Laptop 16"), create_partner(api, "Northwind Retail")
    receive(api, laptop, ["C-1", "C-2", "C-3"])
    delivery = deliver(api, laptop, ["C-1", "C-2"], customer)
    ok(validate(api, ok(api.as_("warehouse").post(f"/moves/{delivery['id']}/return", json={"serials": ["C-2"]}), 201)))
    log_in(client, "warehouse")
    partner_page = page(client, f"/partners/{customer['id']}")
    assert "1 unit held now</a>" in partner_page and "1 held before and given back</a>" in partner_page
    now = page(client, f"/inventory/partners/{customer['id']}/serials")
    assert re.findall(r'/inventory/serials/\d+">([^<]+)</a>', now) == ["C-1"] and 'aria-current="page">Holds now' in now
    before = page(client, f"/inventory/partners/{customer['id']}/serials?held=before")
    assert re.findall(r'/inventory/serials/\d+">([^<]+)</a>', before) == ["C-2"] and "Returned" in before
    nobody = create_partner(api, "Nobody Ltd")
    assert "Nobody Ltd holds none of our units." in page(client, f"/inventory/partners/{nobody['id']}/serials")


def test_an_invoice_page_leads_to_its_recall(api, client):
    laptop = create_product(api, "Laptop 17")
    receipt = receive(api, laptop, ["R-1", "R-2"], vendor=create_partner(api, "Faulty Parts"))
    deliver(api, laptop, ["R-2"], create_partner(api, "Alice Stores"))
    log_in(client, "warehouse")
    bill_page = page(client, f"/invoicing/{receipt['invoice_id']}")
    assert f'href="/inventory/invoices/{receipt["invoice_id"]}/trace">Trace its units</a>' in bill_page
    trace = page(client, f"/inventory/invoices/{receipt['invoice_id']}/trace")
    went = trace.split("<h2>Where its units went</h2>", 1)[1].split("</section>", 1)[0]
    assert "Alice Stores" in went and "1: R-2" in went
    carried = trace.split("<h2>Units it carried</h2>", 1)[1]
    assert re.findall(r'/inventory/serials/\d+">([^<]+)</a>', carried) == ["R-1", "R-2"]
