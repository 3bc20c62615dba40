"""The invoice endpoints of the contract (../shared/spec/api-v1.md), happy paths and every error."""
from datetime import date, timedelta

import pytest

from erp_core.database import db
from erp_core.models import Sequence

from .common import create_bill, create_document, create_invoice, create_partner, create_product, create_refund, line

THIS_YEAR = date.today().year
# Dates near today (an invoice date more than a year away is refused); "today" moves, the tests with it.
A_MONTH_AGO, TWO_MONTHS_AGO = (date.today() - timedelta(days=30)).isoformat(), (date.today() - timedelta(days=60)).isoformat()
LAST_YEAR_END = date(THIS_YEAR - 1, 12, 31).isoformat()


def test_create_answers_the_draft_with_amounts_rounded_to_cents(api, vendor, service):
    response = api.as_("accountant").post("/invoices", json={
        "type": "vendor_bill", "partner_id": vendor["id"], "invoice_date": A_MONTH_AGO,
        "lines": [line(service, 3, 0.335, tax_rate=21), line(None, 1, 10, description="Freight", tax_rate=10), line(service, 2, 5)],
    })
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body == {
        "id": body["id"], "type": "vendor_bill", "state": "draft", "number": None, "partner_id": vendor["id"],
        "invoice_date": A_MONTH_AGO, "reversed_invoice_id": None,
        "lines": [
            {"id": body["lines"][0]["id"], "product_id": service["id"], "description": "Consulting", "quantity": 3,
             "unit_price": 0.335, "tax_rate": 21, "subtotal": 1.01},  # 1.005 rounds half up
            {"id": body["lines"][1]["id"], "product_id": None, "description": "Freight", "quantity": 1,
             "unit_price": 10, "tax_rate": 10, "subtotal": 10},
            {"id": body["lines"][2]["id"], "product_id": service["id"], "description": "Consulting", "quantity": 2,
             "unit_price": 5, "tax_rate": None, "subtotal": 10},
        ],
        "amount_untaxed": 21.01, "amount_tax": 1.21, "total": 22.22,  # 0.2121 + 1.00 of tax, rounded once
        "stock_moves": [],
    }
    assert api.get(f"/invoices/{body['id']}").get_json() == body


def test_tax_is_rounded_once_for_the_whole_document(api, customer, service):
    doc = create_invoice(api, customer, [line(service, 1, 0.05, tax_rate=10)] * 3, post=False)
    assert (doc["amount_untaxed"], doc["amount_tax"], doc["total"]) == (0.15, 0.02, 0.17)


def test_invoice_date_defaults_to_today(api, vendor, service):
    assert create_bill(api, vendor, [line(service)], post=False)["invoice_date"] == date.today().isoformat()


def test_posting_numbers_per_type_and_year(api, vendor, customer, service):
    accountant = api.as_("accountant")
    first = create_bill(accountant, vendor, [line(service)])
    second = create_bill(accountant, vendor, [line(service)])
    older = create_bill(accountant, vendor, [line(service)], invoice_date=LAST_YEAR_END)
    invoice = create_invoice(accountant, customer, [line(service)])
    assert (first["state"], first["number"], second["number"]) == ("posted", f"BILL/{THIS_YEAR}/0001", f"BILL/{THIS_YEAR}/0002")
    assert older["number"] == f"BILL/{THIS_YEAR - 1}/0001"
    assert invoice["number"] == f"INV/{THIS_YEAR}/0001"
    vendor_refund = create_refund(accountant, first, post=True)
    customer_refund = create_refund(accountant, invoice, post=True)
    assert (vendor_refund["number"], customer_refund["number"]) == (f"RBILL/{THIS_YEAR}/0001", f"RINV/{THIS_YEAR}/0001")


def test_list_filters_and_pages(api, vendor, customer, service):
    bills = [create_bill(api, vendor, [line(service)], post=i < 2) for i in range(3)]
    create_invoice(api, customer, [line(service)], invoice_date=LAST_YEAR_END)
    everything = api.get("/invoices").get_json()
    assert everything["total"] == 4 and len(everything["items"]) == 4
    posted_bills = api.get("/invoices?type=vendor_bill&state=posted").get_json()
    assert posted_bills["total"] == 2 and {i["id"] for i in posted_bills["items"]} == {bills[0]["id"], bills[1]["id"]}
    assert api.get("/invoices?type=vendor_bill&state=").get_json()["total"] == 3
    page = api.get("/invoices?type=vendor_bill&limit=2&offset=2").get_json()
    assert page["total"] == 3 and len(page["items"]) == 1
    assert api.get("/invoices?q=fabri").get_json()["total"] == 1
    assert api.get(f"/invoices?q=BILL/{THIS_YEAR}/0002").get_json()["items"][0]["id"] == bills[1]["id"]
    assert api.get(f"/invoices?date_to={LAST_YEAR_END}").get_json()["total"] == 1
    bad = api.get("/invoices?state=paid")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_request"


def test_patch_changes_a_draft_and_replaces_its_lines(api, vendor, customer, service):
    draft = create_bill(api, vendor, [line(service, 1, 10), line(service, 2, 10)], post=False)
    response = api.as_("accountant").patch(f"/invoices/{draft['id']}", json={"invoice_date": TWO_MONTHS_AGO, "lines": [line(service, 4, 2.5)]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["invoice_date"] == TWO_MONTHS_AGO and body["partner_id"] == vendor["id"]
    assert [(l["quantity"], l["subtotal"]) for l in body["lines"]] == [(4, 10)]
    assert body["total"] == 10
    assert api.patch(f"/invoices/{draft['id']}", json={"partner_id": customer["id"]}).get_json()["lines"] == body["lines"]


def test_posted_documents_cannot_be_changed_or_deleted(api, vendor, service):
    posted = create_bill(api, vendor, [line(service)])
    for response in (api.patch(f"/invoices/{posted['id']}", json={"lines": []}), api.delete(f"/invoices/{posted['id']}"),
                     api.post(f"/invoices/{posted['id']}/post")):
        assert response.status_code == 409, response.get_json()
        assert response.get_json()["error"]["code"] == "invalid_state"
        assert "posted" in response.get_json()["error"]["message"]
    assert api.get(f"/invoices/{posted['id']}").get_json() == posted


def test_delete_a_draft(api, vendor, service):
    draft = create_bill(api, vendor, [line(service)], post=False)
    response = api.as_("accountant").delete(f"/invoices/{draft['id']}")
    assert response.status_code == 200 and response.get_json()["id"] == draft["id"]
    assert api.get(f"/invoices/{draft['id']}").status_code == 404


def test_posting_lists_every_problem_at_once_and_changes_nothing(api, vendor, service):
    draft = create_bill(api, None, [line(service, 0, 10), line(None, 1, -5, tax_rate=-1), line(service, -1, 1)], post=False)
    response = api.post(f"/invoices/{draft['id']}/post")
    assert response.status_code == 422
    error = response.get_json()["error"]
    ids = [l["id"] for l in draft["lines"]]
    assert [(d["field"], d["code"], d.get("line_id")) for d in error["details"]] == [
        ("partner_id", "partner_required", None),
        ("lines.0.quantity", "quantity_not_positive", ids[0]),
        ("lines.1.description", "description_required", ids[1]),
        ("lines.1.unit_price", "negative_price", ids[1]),
        ("lines.1.tax_rate", "invalid_tax_rate", ids[1]),
        ("lines.2.quantity", "quantity_not_positive", ids[2]),
    ]
    assert error["code"] == "partner_required" and "6 problems" in error["message"]
    assert api.get(f"/invoices/{draft['id']}").get_json() == draft
    assert db.session.get(Sequence, f"invoice.vendor_bill.{THIS_YEAR}") is None

    empty = create_bill(api, vendor, [], post=False)
    response = api.post(f"/invoices/{empty['id']}/post")
    assert response.status_code == 422 and [d["code"] for d in response.get_json()["error"]["details"]] == ["no_lines"]


def test_cancel_a_posted_document(api, vendor, service):
    posted = create_bill(api, vendor, [line(service)])
    response = api.as_("accountant").post(f"/invoices/{posted['id']}/cancel")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "cancelled" and response.get_json()["number"] == posted["number"]
    again = api.post(f"/invoices/{posted['id']}/cancel")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_state"


def test_only_posted_documents_can_be_cancelled(api, vendor, service):
    draft = create_bill(api, vendor, [line(service)], post=False)
    response = api.post(f"/invoices/{draft['id']}/cancel")
    assert response.status_code == 409 and "Delete the draft" in response.get_json()["error"]["message"]
    assert api.get(f"/invoices/{draft['id']}").get_json()["state"] == "draft"


def test_refund_copies_the_lines_into_an_editable_draft(api, vendor, service):
    bill = create_bill(api, vendor, [line(service, 2, 50, tax_rate=21), line(None, 1, 15, description="Freight")])
    response = api.as_("accountant").post(f"/invoices/{bill['id']}/refund")
    assert response.status_code == 201, response.get_json()
    refund = response.get_json()
    assert (refund["type"], refund["state"], refund["number"]) == ("vendor_refund", "draft", None)
    assert (refund["partner_id"], refund["reversed_invoice_id"]) == (vendor["id"], bill["id"])
    keys = ("product_id", "description", "quantity", "unit_price", "tax_rate", "subtotal")
    assert [[l[k] for k in keys] for l in refund["lines"]] == [[l[k] for k in keys] for l in bill["lines"]]
    assert refund["total"] == bill["total"]
    # A partial refund: one of the two units, no freight.
    partial = create_refund(api, bill, lines=[line(service, 1, 50, tax_rate=21)], post=True)
    assert (partial["state"], partial["total"], partial["reversed_invoice_id"]) == ("posted", 60.5, bill["id"])


def test_refund_needs_a_posted_bill_or_invoice(api, vendor, service):
    draft = create_bill(api, vendor, [line(service)], post=False)
    assert api.post(f"/invoices/{draft['id']}/refund").status_code == 409
    refund = create_refund(api, create_bill(api, vendor, [line(service)]), post=True)
    response = api.post(f"/invoices/{refund['id']}/refund")
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "not_refundable"


def test_refund_from_scratch_links_to_a_matching_posted_document(api, vendor, customer, service):
    bill = create_bill(api, vendor, [line(service)])
    refund = create_document(api, "vendor_refund", vendor, [line(service)], post=True, reversed_invoice_id=bill["id"])
    assert refund["reversed_invoice_id"] == bill["id"] and refund["number"].startswith("RBILL/")
    assert create_document(api, "customer_refund", customer, [line(service)])["reversed_invoice_id"] is None
    wrong = [
        ({"type": "customer_refund", "partner_id": vendor["id"], "reversed_invoice_id": bill["id"]}, "refund_type_mismatch"),
        ({"type": "vendor_refund", "partner_id": customer["id"], "reversed_invoice_id": bill["id"]}, "refund_partner_mismatch"),
        ({"type": "vendor_refund", "partner_id": vendor["id"], "reversed_invoice_id": 99999}, "unknown_invoice"),
    ]
    for body, code in wrong:
        response = api.post("/invoices", json={**body, "lines": []})
        assert response.status_code == 422, body
        assert response.get_json()["error"]["details"] == [{"field": "reversed_invoice_id", "code": code, "message": response.get_json()["error"]["details"][0]["message"]}]


def test_unknown_references_are_422_with_every_field(api, service):
    response = api.post("/invoices", json={"type": "vendor_bill", "partner_id": 9999,
                                           "lines": [line(service), line(8888), line(7777)]})
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert [(d["field"], d["code"]) for d in details] == [
        ("partner_id", "unknown_partner"), ("lines.1.product_id", "unknown_product"), ("lines.2.product_id", "unknown_product")]
    assert api.get("/invoices").get_json()["total"] == 0


def test_values_the_columns_cannot_hold_are_refused(api, vendor):
    response = api.post("/invoices", json={"type": "vendor_bill", "partner_id": vendor["id"], "lines": [
        line(None, 1.0001, 1, description="x"), line(None, 1, 1.00001, description="x"), line(None, 1e15, 1, description="x")]})
    assert response.status_code == 422
    assert [(d["field"], d["code"]) for d in response.get_json()["error"]["details"]] == [
        ("lines.0.quantity", "too_precise"), ("lines.1.unit_price", "too_precise"), ("lines.2.quantity", "invalid_quantity")]
    huge = {"type": "vendor_bill", "partner_id": vendor["id"], "lines": [line(None, 9e11, 9e10, description="y")] * 2}
    response = api.post("/invoices", json=huge)
    assert response.status_code == 422
    assert [(d["field"], d["code"]) for d in response.get_json()["error"]["details"]] == [
        ("lines.0", "invalid_amount"), ("lines.1", "invalid_amount")]
    response = api.post("/invoices", json={**huge, "lines": [line(None, 9e9, 9e2, description="z")] * 2})  # each fits, not the sum
    assert [(d["field"], d["code"]) for d in response.get_json()["error"]["details"]] == [("lines", "invalid_amount")]
    assert api.get("/invoices").get_json()["total"] == 0


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1E400"])
def test_nan_and_infinity_are_422_like_any_number_too_large(api, vendor, number):
    # Python's json writes float("nan") as NaN: the contract answers it invalid_quantity / invalid_amount.
    body = ('{"type": "vendor_bill", "partner_id": %d, "lines": [{"description": "x", "quantity": %s, "unit_price": 1},'
            ' {"description": "y", "quantity": 1, "unit_price": %s, "tax_rate": %s}]}') % (vendor["id"], number, number, number)
    response = api.post("/invoices", data=body, content_type="application/json")
    assert response.status_code == 422, response.get_json()
    assert [(d["field"], d["code"]) for d in response.get_json()["error"]["details"]] == [
        ("lines.0.quantity", "invalid_quantity"), ("lines.1.unit_price", "invalid_amount"), ("lines.1.tax_rate", "invalid_amount")]
    assert api.get("/invoices").get_json()["total"] == 0


@pytest.mark.parametrize("raw", [
    '{"type": "vendor_bill", "partner_id": 1, "lines": [',                                   # malformed JSON
    '[1, 2]',                                                                                 # not an object
    '{"type": "vendor_bill", "partner_id": 1}',                                               # lines missing
    '{"type": "invoice", "partner_id": 1, "lines": []}',                                      # unknown type
    '{"type": "vendor_bill", "partner_id": "1", "lines": []}',                                # id as text
    '{"type": "vendor_bill", "partner_id": 1, "lines": [{"quantity": "2", "unit_price": 1}]}',  # quantity as text
    '{"type": "vendor_bill", "partner_id": 1, "lines": [{"quantity": true, "unit_price": 1}]}',
    '{"type": "vendor_bill", "partner_id": 1, "invoice_date": "31/12/2026", "lines": []}',
])
def test_malformed_bodies_are_400(api, raw):
    response = api.post("/invoices", data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["code"] == "bad_request"
    assert api.get("/invoices").get_json()["total"] == 0


def test_patch_type_errors_are_400(api, vendor, service):
    draft = create_bill(api, vendor, [line(service)], post=False)
    for body in ({"invoice_date": None}, {"lines": None}, {"lines": [{"quantity": "1", "unit_price": 1}]}, {"partner_id": 1.5}):
        response = api.patch(f"/invoices/{draft['id']}", json=body)
        assert response.status_code == 400, body
    assert api.get(f"/invoices/{draft['id']}").get_json() == draft


def test_tokens_are_required(client, api, vendor, service):
    draft = create_bill(api, vendor, [line(service)], post=False)
    assert client.get("/api/v1/invoices").status_code == 401
    response = client.post(f"/api/v1/invoices/{draft['id']}/post", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthenticated"


def test_roles(api, vendor, service):
    draft = create_bill(api, vendor, [line(service)], post=False)
    warehouse = api.as_("warehouse")
    assert warehouse.get(f"/invoices/{draft['id']}").status_code == 200  # every role reads
    for response in (warehouse.post(f"/invoices/{draft['id']}/post"), warehouse.patch(f"/invoices/{draft['id']}", json={"lines": []}),
                     warehouse.delete(f"/invoices/{draft['id']}"), api.as_("inventory_manager").post("/invoices", json={
                         "type": "vendor_bill", "partner_id": vendor["id"], "lines": []})):
        assert response.status_code == 403, response.get_json()
        assert response.get_json()["error"]["code"] == "forbidden"
    posted = create_bill(api.as_("accountant"), vendor, [line(service)])
    assert warehouse.post(f"/invoices/{posted['id']}/cancel").status_code == 403
    assert warehouse.post(f"/invoices/{posted['id']}/refund").status_code == 403
    assert api.get(f"/invoices/{draft['id']}").get_json()["state"] == "draft"


@pytest.mark.parametrize("method,path", [("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/post"), ("POST", "/cancel"), ("POST", "/refund")])
def test_unknown_invoice_is_404(api, method, path):
    response = api.request(method, f"/invoices/424242{path}", json={} if method == "PATCH" else None)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_openapi_documents_the_invoice_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/invoices/{invoice_id}"]) == {"get", "patch", "delete"}
    for action in ("post", "cancel", "refund"):
        assert "post" in paths[f"/api/v1/invoices/{{invoice_id}}/{action}"]
    assert "Roles: accountant, admin" in paths["/api/v1/invoices/{invoice_id}/post"]["post"]["description"]


def test_listing_invoices_costs_the_same_queries_for_few_or_many(api, count_statements):
    vendor = create_partner(api, "Vendor")
    storable = create_product(api, "Monitor")
    api.get("/invoices")  # warm up: token and user loading are not what is measured

    def statements_for_list(bills: int) -> int:
        for _ in range(bills):
            create_bill(api, vendor, [line(storable, 1, 100)])
        with count_statements() as counter:
            listed = api.get("/invoices?limit=1000").get_json()
        assert all(len(item["stock_moves"]) == 1 for item in listed["items"])  # a receipt each, shown in the list
        return counter.count

    assert statements_for_list(2) == statements_for_list(6)
