"""Unit labels as the API and the inventory pages serve them: which requests are refused and why,
the print buttons of the move page and the serial list, and the ERP_LABEL_SIZE setting.
(test_labels_pdf.py reads the labels back.)"""
from __future__ import annotations

import re

import pytest
from erp_addons.serial_tracking.services.label_layouts import parse_label_size

from erp_core import create_app
from erp_core.database import MAX_ID
from erp_core.openapi import openapi_document
from erp_core.settings import SettingError
from erp_core.testing import assert_error, log_in, ok

from .common import assign, create_partner, create_product, invoice_move, post_invoice, receive
from .test_lots import put_lots


@pytest.fixture
def product(api):
    return create_product(api, "Router")


@pytest.fixture
def receipt(api, product):
    """A pending receipt of 3 routers, R-1 to R-3 assigned."""
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(product, 3)]))
    ok(assign(api, move, ["R-1", "R-2", "R-3"]))
    return move


def pdf_pages(response) -> int:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    assert response.headers["Cache-Control"] == "no-store"
    return len(re.findall(rb"/Type\s*/Page\b", response.data))


def serial_ids(api, product) -> dict[str, int]:
    return {s["name"]: s["id"] for s in ok(api.get(f"/serials?product_id={product['id']}"))["items"]}


# ---------------------------------------------------------------- the API


def test_a_move_with_serials_prints_one_label_per_serial_for_every_role(api, receipt):
    for role in ("warehouse", "accountant", "inventory_manager"):
        assert pdf_pages(api.as_(role).get(f"/moves/{receipt['id']}/labels.pdf")) == 3  # 50x25mm: one label per page


def test_a_move_s_lots_get_a_label_each_after_its_serials_in_every_range(api, product):
    syrup = create_product(api, "Syrup", tracking="lot")
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(product, 2), (syrup, 5)]))
    ok(assign(api, move, ["R-1", "R-2"]))
    ok(put_lots(api, move, [("L-1", 2, None), ("L-2", 3, None)], line=1))
    assert [pdf_pages(api.get(f"/moves/{move['id']}/labels.pdf?offset={offset}")) for offset in (0, 1, 3)] == [4, 3, 1]
    error = assert_error(api.get(f"/moves/{move['id']}/labels.pdf?offset=4"), 422, "no_serials")
    assert "has 4 labels: none from offset 4" in error["message"]


def test_a_range_of_a_move_s_labels(api, receipt):
    assert pdf_pages(api.get(f"/moves/{receipt['id']}/labels.pdf?offset=1&limit=1")) == 1
    assert pdf_pages(api.get(f"/moves/{receipt['id']}/labels.pdf?offset=1")) == 2
    assert_error(api.get(f"/moves/{receipt['id']}/labels.pdf?limit=1001"), 400, "bad_request")
    assert_error(api.get(f"/moves/{receipt['id']}/labels.pdf?offset=-1"), 400, "bad_request")
    error = assert_error(api.get(f"/moves/{receipt['id']}/labels.pdf?offset=3"), 422, "no_serials")
    assert "none from offset 3" in error["message"]


def test_a_move_without_serials_is_422_and_an_unknown_move_404(api, product):
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(product, 2)]))
    error = assert_error(api.get(f"/moves/{move['id']}/labels.pdf"), 422, "no_serials")
    assert error["details"] == [{"move_id": move["id"], "code": "no_serials", "message": error["message"]}]
    assert "assign them first" in error["message"]
    assert_error(api.get("/moves/999999/labels.pdf"), 404, "not_found")
    assert_error(api.get(f"/moves/{MAX_ID + 1}/labels.pdf"), 404, "not_found")
    assert_error(api.client.get(f"/api/v1/moves/{move['id']}/labels.pdf"), 401, "unauthenticated")


def test_more_than_1000_serials_are_printed_in_ranges(api, product):
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(product, 1001)]))
    ok(api.as_("warehouse").post(f"/moves/{move['id']}/lines/{move['lines'][0]['id']}/serials/generate",
                                 json={"first": "BULK-0001", "count": 1001}))
    error = assert_error(api.get(f"/moves/{move['id']}/labels.pdf"), 422, "too_many_labels")
    assert "1,001 serial numbers" in error["message"] and "offset=1000&limit=1000" in error["message"]
    assert pdf_pages(api.get(f"/moves/{move['id']}/labels.pdf?offset=1000")) == 1


def test_serial_labels_by_id(api, product):
    receive(api, product, ["R-1", "R-2"])
    ids = serial_ids(api, product)
    assert pdf_pages(api.as_("warehouse").get(f"/serials/labels.pdf?ids={ids['R-2']}, {ids['R-1']},{ids['R-2']}")) == 2


@pytest.mark.parametrize("ids", ["", ",", "0", "-1", "abc", f"{MAX_ID + 1}", "1,x,2", "１"])
def test_ids_that_name_no_record_are_400(api, ids):
    error = assert_error(api.get(f"/serials/labels.pdf?ids={ids}"), 400, "bad_request")
    assert error["details"] and all(d["field"].startswith("query.ids") for d in error["details"])


def test_ids_are_required_and_at_most_1000(api):
    assert_error(api.get("/serials/labels.pdf"), 400, "bad_request")
    error = assert_error(api.get("/serials/labels.pdf?ids=" + ",".join(str(n) for n in range(1, 1002))), 400, "bad_request")
    assert "At most 1,000 labels" in error["message"]


def test_unknown_ids_are_404_naming_each(api, product):
    receive(api, product, ["R-1"])
    known = serial_ids(api, product)["R-1"]
    error = assert_error(api.get(f"/serials/labels.pdf?ids={known},999998,999999"), 404, "not_found")
    assert "999998, 999999" in error["message"]
    assert [d["id"] for d in error["details"]] == [999998, 999999]


def test_openapi_describes_the_labels_as_pdf(app):
    paths = openapi_document(app)["paths"]
    for path in ("/api/v1/moves/{move_id}/labels.pdf", "/api/v1/serials/labels.pdf"):
        answer = paths[path]["get"]["responses"]["200"]
        assert list(answer["content"]) == ["application/pdf"]
    parameters = {p["name"]: p for p in paths["/api/v1/serials/labels.pdf"]["get"]["parameters"]}
    assert parameters["ids"]["required"] is True


# ---------------------------------------------------------------- the pages


def test_the_move_page_links_its_labels_and_the_link_opens_the_pdf(api, client, receipt):
    log_in(client, "warehouse")
    html = client.get(f"/inventory/moves/{receipt['id']}").get_data(as_text=True)
    link = re.search(r'<a class="button" href="([^"]+)" target="_blank"[^>]*>Print labels</a>', html)
    assert link and link.group(1) == f"/inventory/moves/{receipt['id']}/labels.pdf"
    assert pdf_pages(client.get(link.group(1))) == 3


def test_no_print_button_without_serials_or_on_a_cancelled_move(api, client, product, receipt):
    log_in(client, "warehouse")
    empty = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(product, 1)]))
    assert "Print labels" not in client.get(f"/inventory/moves/{empty['id']}").get_data(as_text=True)
    ok(api.as_("warehouse").post(f"/moves/{receipt['id']}/cancel"))
    assert "Print labels" not in client.get(f"/inventory/moves/{receipt['id']}").get_data(as_text=True)


def test_a_move_of_more_than_1000_serials_offers_one_pdf_per_thousand(api, client, product):
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(product, 1001)]))
    ok(api.as_("warehouse").post(f"/moves/{move['id']}/lines/{move['lines'][0]['id']}/serials/generate",
                                 json={"first": "BULK-0001", "count": 1001}))
    log_in(client, "warehouse")
    html = client.get(f"/inventory/moves/{move['id']}").get_data(as_text=True)
    menu = re.search(r'<details class="label-batches">.*?</details>', html, re.S).group(0)
    assert re.findall(r">(Labels [^<]+)<", menu) == ["Labels 1–1,000", "Labels 1,001–1,001"]
    assert f"/inventory/moves/{move['id']}/labels.pdf?offset=1000&amp;limit=1" in menu


def test_a_web_request_the_rules_refuse_goes_back_with_the_reason(api, client, product):
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(product, 1)]))
    log_in(client, "warehouse")
    response = client.get(f"/inventory/moves/{move['id']}/labels.pdf", headers={"Referer": f"/inventory/moves/{move['id']}"},
                          follow_redirects=True)
    assert "has no serial numbers to label yet" in response.get_data(as_text=True)


def test_the_serial_list_prints_the_ticked_serials_or_the_whole_page(api, client, product):
    receive(api, product, ["R-1", "R-2", "R-3"])
    ids = serial_ids(api, product)
    log_in(client, "warehouse")
    html = client.get(f"/inventory/serials?product_id={product['id']}").get_data(as_text=True)
    form = re.search(r'<form method="get" action="([^"]+)" id="serial-labels" target="_blank"[^>]*>.*?</form>', html, re.S)
    assert form and form.group(1) == "/inventory/serials/labels.pdf"
    page = re.search(r'name="page" value="([^"]+)"', form.group(0)).group(1)
    assert sorted(int(i) for i in page.split(",")) == sorted(ids.values())
    ticks = re.findall(r'<input type="checkbox" name="ids" value="(\d+)" form="serial-labels"', html)
    assert sorted(int(i) for i in ticks) == sorted(ids.values())
    assert pdf_pages(client.get(f"/inventory/serials/labels.pdf?page={page}")) == 3
    assert pdf_pages(client.get(f"/inventory/serials/labels.pdf?page={page}&ids={ids['R-1']}&ids={ids['R-3']}")) == 2


def test_an_empty_serial_list_has_no_print_button_and_no_ids_go_back_to_the_list(client):
    log_in(client, "warehouse")
    assert 'id="serial-labels"' not in client.get("/inventory/serials?q=nothing-like-this").get_data(as_text=True)
    html = client.get("/inventory/serials/labels.pdf", follow_redirects=True).get_data(as_text=True)
    assert "Tick the serial numbers to print labels for" in html and "<h1>Serial Numbers</h1>" in html


# ---------------------------------------------------------------- the setting


@pytest.mark.parametrize("text, page, per_page", [("50x25mm", (50, 25), 1), (" 62X29mm ", (62, 29), 1), ("a4-3x8", (210, 297), 24),
                                                  ("A4-3x8", (210, 297), 24), ("40x20mm", (40, 20), 1), ("150x150mm", (150, 150), 1)])
def test_label_sizes(text, page, per_page):
    layout = parse_label_size(text)
    assert (layout.page_width, layout.page_height, layout.per_page) == (*page, per_page)


@pytest.mark.parametrize("text", ["", "50x25", "50x25cm", "30x20mm", "50x10mm", "151x50mm", "a4", "a4-3x7", "letter-3x10", "50 x 25 mm"])
def test_other_label_sizes_are_refused_saying_what_is_allowed(text):
    with pytest.raises(ValueError, match="must be a roll size from 40x20mm to 150x150mm .* or a4-3x8"):
        parse_label_size(text)


def test_a_wrong_label_size_stops_start_up_and_a_good_one_is_used(monkeypatch):
    monkeypatch.delenv("ERP_LABEL_SIZE", raising=False)
    with pytest.raises(SettingError, match="ERP_LABEL_SIZE: must be a roll size"):
        create_app({"DATABASE_URL": "sqlite://", "ERP_LABEL_SIZE": "A5"})
    assert create_app({"DATABASE_URL": "sqlite://", "ERP_LABEL_SIZE": "a4-3x8"}).config["ERP_LABEL_SIZE"].per_page == 24
    assert create_app({"DATABASE_URL": "sqlite://"}).config["ERP_LABEL_SIZE"].name == "50x25mm"
