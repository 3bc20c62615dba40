"""Invoices as CSV: GET /invoices.csv with the filters of GET /invoices, and the Export CSV button of
each document list with the filters the page shows; one row per document, amounts as numbers."""
from __future__ import annotations

import csv
import html
import io
import re

from erp_core.testing import assert_error, log_in

from .common import create_document, create_partner, line, ok

HEADER = ["id", "number", "type", "state", "partner_id", "partner", "invoice_date", "reversed_invoice_id", "reversed_invoice",
          "amount_untaxed", "amount_tax", "total", "created_at", "posted_at"]


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv" and response.is_streamed
    text = response.get_data(as_text=True)
    assert next(csv.reader(io.StringIO(text))) == HEADER
    return list(csv.DictReader(io.StringIO(text)))


def test_invoices_csv_honours_the_filters_of_the_list(api):
    acme, globex = create_partner(api, "Acme"), create_partner(api, "=Globex")
    bill = create_document(api, "vendor_bill", acme, [line(None, 2, 10.5, description="Paper", tax_rate=21)])
    invoice = create_document(api, "customer_invoice", globex, [line(None, 1, 100, description="Service")])
    draft = create_document(api, "customer_invoice", acme, [line(None, 1, 5, description="Pens")], post=False)

    rows = rows_of(api.get("/invoices.csv"))
    assert {r["id"] for r in rows} == {str(bill["id"]), str(invoice["id"]), str(draft["id"])}
    by_id = {r["id"]: r for r in rows}
    assert {k: by_id[str(bill["id"])][k] for k in ("number", "type", "state", "partner", "amount_untaxed", "amount_tax", "total")} == {
        "number": bill["number"], "type": "vendor_bill", "state": "posted", "partner": "Acme", "amount_untaxed": "21.00",
        "amount_tax": "4.41", "total": "25.41"}
    assert by_id[str(invoice["id"])]["partner"] == "'=Globex"  # a spreadsheet shows it, never runs it
    assert by_id[str(bill["id"])]["posted_at"].endswith("Z") and by_id[str(draft["id"])]["number"] == ""

    assert [r["id"] for r in rows_of(api.get("/invoices.csv?type=customer_invoice&state=posted"))] == [str(invoice["id"])]
    assert {r["id"] for r in rows_of(api.get(f"/invoices.csv?partner_id={acme['id']}"))} == {str(bill["id"]), str(draft["id"])}
    assert [r["id"] for r in rows_of(api.get("/invoices.csv?q=Glob"))] == [str(invoice["id"])]
    assert_error(api.get("/invoices.csv?state=paid"), 400, "bad_request")
    assert "limit" not in {p["name"] for p in ok(api.get("/openapi.json"))["paths"]["/api/v1/invoices.csv"]["get"]["parameters"]}


def test_each_list_page_exports_its_own_documents(client, api):
    acme = create_partner(api, "Acme")
    bill = create_document(api, "vendor_bill", acme, [line(None, 1, 10, description="Paper")])
    draft_bill = create_document(api, "vendor_bill", acme, [line(None, 1, 10, description="Ink")], post=False)
    create_document(api, "customer_invoice", acme, [line(None, 1, 10, description="Service")])
    log_in(client, "warehouse")
    page = client.get("/invoicing/bills?state=posted&page=1").get_data(as_text=True)
    link = html.unescape(re.search(r'<a class="button" href="([^"]+)" download>Export CSV</a>', page).group(1))
    assert link.startswith("/invoicing/bills/export.csv?") and "page=" not in link
    assert [r["id"] for r in rows_of(client.get(link))] == [str(bill["id"])]
    assert {r["id"] for r in rows_of(client.get("/invoicing/bills/export.csv"))} == {str(bill["id"]), str(draft_bill["id"])}
    assert rows_of(client.get("/invoicing/refunds/export.csv")) == []
