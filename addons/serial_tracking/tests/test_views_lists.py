"""The inventory lists as a demanding user works them: sorting by a column (and the CSV export in
the same order), paging to the last page or any page, the customer filter on serials, the move list's
products, scanning progress and source document and its search, per-product subtotals of stock,
empty states that offer the next step, and editing a unit's internal reference."""
from __future__ import annotations

import csv
import html
import io
import re

import pytest

from erp_core.testing import log_in

from .common import (assign, create_location, create_partner, create_product, deliver, invoice_move, ok, post_invoice, receive,
                     serial, stock_location, validate)


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def serial_names(page: str) -> list[str]:
    return re.findall(r'/inventory/serials/\d+">([^<]+)</a>', page)


def csv_column(response, column: str) -> list[str]:
    assert response.mimetype == "text/csv"
    return [row[column] for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))]


def export_link(page: str) -> str:
    return html.unescape(re.search(r'<a class="button" href="([^"]+)" download>Export CSV</a>', page).group(1))


def header(page: str, label: str) -> str:
    """The <th> of the column ``label``."""
    return re.search(r'<th class="sortable[^"]*"[^>]*>\s*<a href="[^"]*" data-sort="[^"]*">' + re.escape(label) + r"<", page).group(0)


@pytest.fixture
def web(client):
    log_in(client, "inventory_manager")
    return client


def test_a_header_sorts_the_serial_list_both_ways_and_the_export_follows(api, web):
    laptop, phone = create_product(api, "Laptop"), create_product(api, "Phone")
    receive(api, phone, ["B-2"])
    receive(api, laptop, ["C-3", "A-1"])
    ok(api.as_("inventory_manager").patch(f"/serials/{serial(api, 'C-3')['id']}", json={"ref": "asset 7"}))

    page = text(web.get("/inventory/serials"))
    assert serial_names(page) == ["A-1", "C-3", "B-2"]  # newest first
    assert "aria-sort" not in header(page, "Serial number")
    by_name = html.unescape(re.search(r'href="([^"]*)" data-sort="name"', page).group(1))
    assert by_name == "?sort=name"

    page = text(web.get("/inventory/serials?sort=name"))
    assert serial_names(page) == ["A-1", "B-2", "C-3"]
    assert 'aria-sort="ascending"' in header(page, "Serial number") and 'href="?sort=-name"' in header(page, "Serial number")
    assert csv_column(web.get(export_link(page)), "name") == ["A-1", "B-2", "C-3"]

    page = text(web.get("/inventory/serials?sort=-name"))
    assert serial_names(page) == ["C-3", "B-2", "A-1"] and 'aria-sort="descending"' in header(page, "Serial number")
    assert csv_column(web.get(export_link(page)), "name") == ["C-3", "B-2", "A-1"]

    assert serial_names(text(web.get("/inventory/serials?sort=-product"))) == ["B-2", "C-3", "A-1"]  # Phone, then Laptop
    assert serial_names(text(web.get("/inventory/serials?sort=ref")))[0] == "C-3"  # units without a reference come last
    # A filter keeps the sort, and the export holds exactly the filtered rows in that order.
    page = text(web.get(f"/inventory/serials?product_id={laptop['id']}&sort=-name"))
    assert '<input type="hidden" name="sort" value="-name">' in page
    assert csv_column(web.get(export_link(page)), "name") == ["C-3", "A-1"]
    # A column not in the list's whitelist is no sort at all.
    assert serial_names(text(web.get("/inventory/serials?sort=warranty_end"))) == ["A-1", "C-3", "B-2"]


def test_the_pager_goes_to_the_last_page_and_jumps_to_any_page(api, web, monkeypatch):
    from erp_core import web as core_web

    monkeypatch.setattr(core_web, "PAGE_SIZE", 2)
    laptop = create_product(api, "Laptop")
    receive(api, laptop, [f"SN-{n}" for n in range(1, 6)])
    for n in range(4):
        post_invoice(api, "vendor_bill", create_partner(api, f"Vendor {n}"), [(laptop, 1)])

    page = text(web.get("/inventory/moves?state=pending"))  # 4 pending receipts, 2 a page
    assert "1–2 of 4 · page 1 of 2" in page
    assert re.search(r'<span class="disabled" aria-disabled="true">First</span>', page)
    last = html.unescape(re.search(r'<a href="([^"]+)" rel="last">Last</a>', page).group(1))
    assert last == "?state=pending&page=2"
    assert "3–4 of 4 · page 2 of 2" in text(web.get("/inventory/moves" + last))
    # The jump field keeps the filters; a page past the end shows the last one.
    jump = re.search(r'<form method="get" class="pager-jump">(.*?)</form>', page, re.S).group(1)
    assert '<input type="hidden" name="state" value="pending">' in jump and 'name="page" min="1" max="2"' in jump
    assert "3–4 of 4 · page 2 of 2" in text(web.get("/inventory/moves?state=pending&page=9"))

    # The serial list does not count past its cap: Last asks for the last page, which counts.
    from erp_addons.serial_tracking.views import serials
    monkeypatch.setattr(serials, "COUNT_CAP", 2)
    page = text(web.get("/inventory/serials"))
    assert "1–2 of more than 2 · page 1" in page and 'href="?page=last" rel="last"' in page
    page = text(web.get("/inventory/serials?page=last"))
    assert "5–5 of 5 · page 3 of 3" in page and serial_names(page) == ["SN-1"]


def test_the_serial_list_filters_the_units_delivered_to_a_customer_and_so_does_its_export(api, web):
    laptop = create_product(api, "Laptop")
    contoso, fabrikam = create_partner(api, "Contoso"), create_partner(api, "Fabrikam")
    receive(api, laptop, ["SN-1", "SN-2", "SN-3", "SN-4"])
    deliver(api, laptop, ["SN-1", "SN-3"], contoso)
    deliver(api, laptop, ["SN-2"], fabrikam)

    page = text(web.get("/inventory/serials"))
    options = re.search(r'<select name="customer_id">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r">([^<]+)</option>", options) == ["All", "Contoso", "Fabrikam"]  # those units went to
    page = text(web.get(f"/inventory/serials?customer_id={contoso['id']}&sort=name"))
    assert serial_names(page) == ["SN-1", "SN-3"]
    assert csv_column(web.get(export_link(page)), "name") == ["SN-1", "SN-3"]
    assert serial_names(text(web.get(f"/inventory/serials?customer_id={fabrikam['id']}"))) == ["SN-2"]


def test_the_move_list_shows_products_progress_and_document_and_finds_invoice_numbers_and_serials(api, web, count_statements):
    laptop, cable = create_product(api, "Laptop"), create_product(api, "Cable", tracking="none")
    receipt = receive(api, laptop, ["SN-1", "SN-2"])
    bill = post_invoice(api, "vendor_bill", create_partner(api, "Northwind"), [(laptop, 3), (cable, 5)])
    pending = invoice_move(api, bill)
    ok(assign(api, pending, ["NEW-1", "NEW-2"]))

    page = text(web.get("/inventory/moves"))
    row = re.search(rf'<tr>\s*<td class="nowrap"><a href="/inventory/moves/{pending["id"]}">.*?</tr>', page, re.S).group(0)
    assert "Laptop" in row and "+ 1 more" in row and ">8</td>" in row and "2/3 scanned" in row
    assert f'href="/invoicing/{bill["id"]}">{bill["number"]}</a>' in row
    done_row = re.search(rf'<tr>\s*<td class="nowrap"><a href="/inventory/moves/{receipt["id"]}">.*?</tr>', page, re.S).group(0)
    assert 'class="scan-progress complete">2/2 scanned' in done_row

    def references(query: str) -> list[str]:
        return re.findall(r'/inventory/moves/\d+">([^<]+)</a>', text(web.get(f"/inventory/moves?q={query}")))

    assert references(bill["number"]) == [pending["reference"]]
    assert references("sn-2") == [receipt["reference"]]   # a serial of a done move, any case
    assert references("NEW-1") == [pending["reference"]]  # a serial on a pending move's line
    assert references("NEW") == []                         # a serial is found by its whole name
    # One page costs the same number of statements whatever the number of moves on it.
    with count_statements() as few:
        text(web.get("/inventory/moves?type=receipt&state=done"))
    for n in range(3):
        post_invoice(api, "vendor_bill", create_partner(api, f"Vendor {n}"), [(laptop, 1), (cable, 1)])
    with count_statements() as many:
        text(web.get("/inventory/moves?type=receipt"))
    queries = lambda counter: [s for s in counter.statements if s.startswith("SELECT")]  # noqa: E731 (the session may write too)
    assert len(queries(many)) == len(queries(few))


def test_stock_quantities_show_a_subtotal_per_product(api, web):
    laptop, phone = create_product(api, "Laptop"), create_product(api, "Phone")
    receive(api, laptop, ["L-1", "L-2", "L-3"])
    receive(api, phone, ["P-1"])
    stock = stock_location(api)
    shelf = create_location(api, "Shelf 1", stock["id"])
    transfer = ok(api.as_("warehouse").post("/moves", json={"type": "internal", "source_location_id": stock["id"],
                                                            "dest_location_id": shelf["id"],
                                                            "lines": [{"product_id": laptop["id"], "quantity": 1, "serials": ["L-1"]}]}), 201)
    ok(validate(api, transfer))

    page = text(web.get("/inventory/stock"))
    subtotals = re.findall(r'<tr class="subtotal"><td colspan="2">Total ([^<]+) <span class="muted">· (\d+) rows</span></td>\s*'
                           r'<td class="num">([^<]+)</td>', page)
    assert subtotals == [("Laptop", "2", "3")]  # Phone has one row: no subtotal to add
    # The subtotal follows the product's last row, whatever the sort direction.
    page = text(web.get("/inventory/stock?sort=-product"))
    assert page.index("Phone") < page.index("Total Laptop")
    assert "subtotal" not in text(web.get("/inventory/stock?sort=-quantity"))  # rows of a product apart: no subtotal


def test_empty_lists_say_what_to_do_next_with_the_button_for_roles_that_may(api, client):
    log_in(client, "inventory_manager")
    page = text(client.get("/inventory/serials"))
    state = re.search(r'<div class="empty-state" role="status">(.*?)</div>', page, re.S).group(1)
    assert "No serial numbers yet" in state and ">Create Serial Number</a>" in state and ">Import serial numbers</a>" in state
    filtered = text(client.get("/inventory/serials?q=nothing"))
    assert "No serial numbers match these filters." in filtered and '<a class="button" href="/inventory/serials">Clear the filters</a>' in filtered

    log_in(client, "warehouse")
    state = re.search(r'<div class="empty-state" role="status">(.*?)</div>', text(client.get("/inventory/serials")), re.S).group(1)
    assert "No serial numbers yet" in state and "Create Serial Number" not in state
    state = re.search(r'<div class="empty-state" role="status">(.*?)</div>', text(client.get("/inventory/moves")), re.S).group(1)
    assert "No stock movements yet" in state and ">New stock movement</a>" in state  # a warehouse user may create transfers

    log_in(client, "accountant")
    state = re.search(r'<div class="empty-state" role="status">(.*?)</div>', text(client.get("/invoicing/bills")), re.S).group(1)
    assert 'href="/invoicing/new/vendor_bill">New vendor bill</a>' in state
    state = re.search(r'<div class="empty-state" role="status">(.*?)</div>', text(client.get("/inventory/stock")), re.S).group(1)
    assert "No stock yet" in state and "New vendor bill" in state and "Import opening stock" not in state


def test_an_inventory_manager_edits_a_units_internal_reference_on_its_page(api, client):
    laptop = create_product(api, "Laptop")
    receive(api, laptop, ["SN-1"])
    unit = serial(api, "SN-1")
    log_in(client, "warehouse")
    page = text(client.get(f"/inventory/serials/{unit['id']}"))
    assert f'/inventory/serials/{unit["id"]}/ref"' not in page  # read only for the warehouse
    assert client.post(f"/inventory/serials/{unit['id']}/ref", data={"ref": "X"}).status_code == 403

    log_in(client, "inventory_manager")
    page = text(client.get(f"/inventory/serials/{unit['id']}"))
    assert re.search(rf'<form method="post" action="/inventory/serials/{unit["id"]}/ref"', page)
    response = client.post(f"/inventory/serials/{unit['id']}/ref", data={"ref": "  ASSET-0042 "}, follow_redirects=True)
    assert "The internal reference of SN-1 is now ASSET-0042." in text(response)
    assert ok(api.get(f"/serials/{unit['id']}"))["ref"] == "ASSET-0042"

    response = client.post(f"/inventory/serials/{unit['id']}/ref", data={"ref": "x" * 65})
    assert response.status_code == 422 and "Field cannot be longer than 64 characters." in response.get_data(as_text=True)
    assert ok(api.get(f"/serials/{unit['id']}"))["ref"] == "ASSET-0042"
    client.post(f"/inventory/serials/{unit['id']}/ref", data={"ref": ""})
    assert ok(api.get(f"/serials/{unit['id']}"))["ref"] is None


def test_an_invoice_list_sorts_by_a_header_and_its_export_follows(api, client):
    laptop = create_product(api, "Laptop")
    for name, quantity in (("Beta", 2), ("Alpha", 3), ("Gamma", 1)):
        post_invoice(api, "vendor_bill", create_partner(api, name), [(laptop, quantity)])
    log_in(client, "accountant")
    page = text(client.get("/invoicing/bills?sort=partner"))
    partners = re.findall(r'<td>(Alpha|Beta|Gamma)</td>', page)
    assert partners == ["Alpha", "Beta", "Gamma"] and 'aria-sort="ascending"' in header(page, "Partner")
    assert csv_column(client.get(export_link(page)), "partner") == ["Alpha", "Beta", "Gamma"]
    page = text(client.get("/invoicing/bills?sort=-total"))
    assert re.findall(r'<td>(Alpha|Beta|Gamma)</td>', page) == ["Alpha", "Beta", "Gamma"]
    assert csv_column(client.get(export_link(page)), "total") == ["300.00", "200.00", "100.00"]
