"""The Export CSV buttons of the inventory pages: each links to its list's CSV with the filters the
page shows, and the file holds what the list holds."""
from __future__ import annotations

import csv
import html
import io
import re

import pytest

from erp_core.testing import log_in

from .common import create_partner, create_product, deliver, ok, receive, serial


def rows_of(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv" and response.is_streamed
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def export_link(page_html: str) -> str:
    return html.unescape(re.search(r'<a class="button" href="([^"]+)" download>Export CSV</a>', page_html).group(1))


@pytest.fixture
def web(client):
    log_in(client, "accountant")  # every role reads, and exports, every list
    return client


def test_serial_list_exports_what_it_shows_with_its_filters(web, api):
    laptop, phone = create_product(api, "Laptop"), create_product(api, "Phone")
    receive(api, laptop, ["LAP-1", "LAP-2", "XLAP-3"])
    receive(api, phone, ["PH-1"])
    page = web.get(f"/inventory/serials?q=LAP&product_id={laptop['id']}&page=1").get_data(as_text=True)
    link = export_link(page)
    assert link.startswith("/inventory/serials/export.csv?") and "page=" not in link
    # The page's search box matches the beginning of the name, so the export does too.
    assert [r["name"] for r in rows_of(web.get(link))] == ["LAP-1", "LAP-2"]
    assert [r["name"] for r in rows_of(web.get("/inventory/serials/export.csv?q=LAP&match=contains"))] == ["XLAP-3", "LAP-2", "LAP-1"]
    assert len(rows_of(web.get("/inventory/serials/export.csv"))) == 4


def test_move_and_stock_lists_export_with_their_filters(web, api):
    laptop, customer = create_product(api, "Laptop"), create_partner(api, "Contoso")
    receipt = receive(api, laptop, ["SN-1", "SN-2"])
    delivery = deliver(api, laptop, ["SN-1"], customer)
    link = export_link(web.get("/inventory/moves?q=Contoso").get_data(as_text=True))
    assert [r["reference"] for r in rows_of(web.get(link))] == [delivery["reference"]]
    assert [r["reference"] for r in rows_of(web.get("/inventory/moves/export.csv?type=receipt"))] == [receipt["reference"]]

    link = export_link(web.get(f"/inventory/stock?product_id={laptop['id']}").get_data(as_text=True))
    assert [(r["product_name"], r["quantity"]) for r in rows_of(web.get(link))] == [("Laptop", "1")]


def test_a_serial_page_exports_its_history(web, api):
    laptop = create_product(api, "Laptop")
    receive(api, laptop, ["SN-1"])
    unit = serial(api, "SN-1")
    page = web.get(f"/inventory/serials/{unit['id']}").get_data(as_text=True)
    link = html.unescape(re.search(r'href="([^"]+history\.csv)"', page).group(1))
    history = rows_of(web.get(link))
    assert [(h["type"], h["dest_location"]) for h in history] == [("receipt", "WH/Stock")]
    assert history[0]["date"] == ok(api.get(f"/serials/{unit['id']}/history"))["items"][0]["date"]


def test_exports_need_a_login(client):
    for path in ("/inventory/serials/export.csv", "/inventory/moves/export.csv", "/inventory/stock/export.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location
