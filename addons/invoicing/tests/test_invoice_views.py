"""The invoicing pages without JavaScript: lists, the form and its server-side line editor, actions."""
import re
from datetime import date

import pytest

from erp_core.testing import log_in

from .common import create_bill, create_invoice, create_partner, create_product, line


@pytest.fixture
def web(client):
    log_in(client, "accountant")
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def _values(html: str) -> dict:
    """name → value of the text inputs, and the chosen option of each select, in a page."""
    values = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', options)
        values[name] = (chosen.group(1) or chosen.group(2) or "") if chosen else ""
    return values


def _form(vendor, *lines) -> dict:
    data = {"partner_id": str(vendor["id"]), "invoice_date": "2026-11-20"}
    for index, (product, description, quantity, price, tax) in enumerate(lines):
        data.update({f"lines-{index}-product_id": str(product or ""), f"lines-{index}-description": description,
                     f"lines-{index}-quantity": quantity, f"lines-{index}-unit_price": price, f"lines-{index}-tax_rate": tax})
    return data


def _amount(html: str, name: str) -> str:
    return re.search(rf"data-{name}>(?:<strong>)?([^<]*)", html).group(1)


def test_lists_search_filter_and_page(api, web, vendor, service):
    customer = create_partner(api, "Fabrikam")
    posted = create_bill(api, vendor, [line(service)])
    draft = create_bill(api, vendor, [line(service)], post=False, invoice_date=date(date.today().year - 1, 12, 31).isoformat())
    create_invoice(api, customer, [line(service)])
    html = _text(web.get("/invoicing/bills"))
    assert posted["number"] in html and f"Draft vendor bill #{draft['id']}" in html and "Fabrikam" not in html
    assert "1–2 of 2" in html
    assert posted["number"] not in _text(web.get("/invoicing/bills?state=draft"))
    assert posted["number"] not in _text(web.get(f"/invoicing/bills?date_to={date.today().year - 1}-12-31"))
    assert "No documents match." in _text(web.get("/invoicing/bills?q=fabrikam"))
    assert "Fabrikam" in _text(web.get("/invoicing/invoices?q=fabri"))
    for n in range(50):
        create_bill(api, vendor, [line(service)], post=False)
    html = _text(web.get("/invoicing/bills?state=draft&page=2"))
    assert "51–51 of 51 · page 2 of 2" in html and 'rel="prev"' in html


def test_add_and_remove_lines_without_javascript_keep_what_was_typed(web, vendor, service):
    typed = _form(vendor, (service["id"], "Setup", "2", "10,5", "21"), ("", "Freight", "1", "", ""))
    added = web.post("/invoicing/new/vendor_bill", data={**typed, "add_line": "1"})
    values = _values(_text(added))
    assert added.status_code == 200
    assert (values["lines-0-product_id"], values["lines-0-unit_price"], values["lines-1-description"]) == (str(service["id"]), "10,5", "Freight")
    assert "lines-2-quantity" in values  # the new empty line
    removed = _values(_text(web.post("/invoicing/new/vendor_bill", data={**typed, "remove_line": "0"})))
    assert "lines-0-quantity" not in removed and removed["lines-1-description"] == "Freight"
    assert web.get("/invoicing/bills").get_data(as_text=True).count("Draft vendor bill") == 0  # nothing saved


def test_errors_show_next_to_their_field_and_the_fix_saves(web, vendor, service):
    data = _form(vendor, (service["id"], "", "2", "10,5", "21"), ("", "Freight", "1", "", ""), ("", "", "", "", ""))
    response = web.post("/invoicing/new/vendor_bill", data={**data, "lines-0-tax_rate": "x"})
    html = _text(response)
    assert response.status_code == 422
    row_0, row_1 = re.findall(r"<tr data-line.*?</tr>", html, re.S)[:2]
    assert "Enter a number, such as 12.50." in row_0 and "Enter a unit price." in row_1
    assert _values(html)["lines-1-description"] == "Freight"
    saved = web.post("/invoicing/new/vendor_bill", data={**data, "lines-1-unit_price": "25"})
    assert saved.status_code == 302
    detail = _text(web.get(saved.location))
    assert "Consulting" in detail and "Freight" in detail
    assert (_amount(detail, "untaxed"), _amount(detail, "tax"), _amount(detail, "total")) == ("46.00", "4.41", "50.41")


def test_posting_problems_show_on_the_draft_form(api, web, service):
    draft = create_bill(api, None, [line(service, 0, 10)], post=False)
    response = web.post(f"/invoicing/{draft['id']}/post")
    html = _text(response)
    assert response.status_code == 422
    assert re.search(r'field[^"]*has-error">\s*<label for="partner_id">.*?Choose a partner\.', html, re.S)
    assert "Line 1: the quantity must be more than zero." in re.search(r"<tr data-line.*?</tr>", html, re.S).group(0)
    assert api.get(f"/invoices/{draft['id']}").get_json()["state"] == "draft"


def test_post_cancel_refund_and_delete_from_the_detail_page(api, web, vendor, service):
    draft = create_bill(api, vendor, [line(service, 2, 50, tax_rate=21)], post=False)
    page = _text(web.get(f"/invoicing/{draft['id']}"))
    assert 'data-confirm="Post this vendor bill?' in page and "Delete draft" in page
    posted_page = _text(web.get(web.post(f"/invoicing/{draft['id']}/post").location))
    number = f"BILL/{date.today().year}/0001"
    assert f"Posted as {number}." in posted_page and f"data-number>{number}" in posted_page and _amount(posted_page, "total") == "121.00"
    assert "Create refund" in posted_page and "Delete draft" not in posted_page

    edit = web.get(f"/invoicing/{draft['id']}/edit")
    assert edit.status_code == 302
    assert "only drafts can be changed" in _text(web.get(edit.location))

    refund = web.post(f"/invoicing/{draft['id']}/refund")
    refund_id = int(re.search(r"/invoicing/(\d+)/edit", refund.location).group(1))
    form = _text(web.get(refund.location))
    assert f'value="{number}"' in form and "Draft refund of" in form
    assert api.get(f"/invoices/{refund_id}").get_json()["reversed_invoice_id"] == draft["id"]
    assert web.post(f"/invoicing/{refund_id}/delete").location == "/invoicing/refunds"
    assert api.get(f"/invoices/{refund_id}").status_code == 404

    cancelled = _text(web.get(web.post(f"/invoicing/{draft['id']}/cancel").location))
    assert f"{number} is cancelled." in cancelled and "badge-cancelled" in cancelled


def test_a_refund_form_from_scratch_finds_the_original_by_number(api, web, vendor, service):
    bill = create_bill(api, vendor, [line(service)])
    data = {**_form(vendor, (service["id"], "", "1", "10", "")), "reversed_number": "BILL/1999/0001"}
    response = web.post("/invoicing/new/vendor_refund", data=data)
    assert response.status_code == 422 and "No posted document is numbered BILL/1999/0001." in _text(response)
    saved = web.post("/invoicing/new/vendor_refund", data={**data, "reversed_number": bill["number"]})
    refund = api.get("/invoices?type=vendor_refund").get_json()["items"][0]
    assert saved.status_code == 302 and refund["reversed_invoice_id"] == bill["id"]


def test_roles_without_rights_see_no_buttons_and_are_refused(api, client, vendor, service):
    draft = create_bill(api, vendor, [line(service)], post=False)
    log_in(client, "warehouse")
    page = _text(client.get(f"/invoicing/{draft['id']}"))
    assert "Delete draft" not in page and ">Post<" not in page and "New vendor bill" not in _text(client.get("/invoicing/bills"))
    assert client.post(f"/invoicing/{draft['id']}/post").status_code == 403
    assert client.get("/invoicing/new/vendor_bill").status_code == 403
    assert api.get(f"/invoices/{draft['id']}").get_json()["state"] == "draft"


def test_menu_and_dashboard(api, web, vendor, service):
    create_bill(api, vendor, [line(service)], post=False)
    create_bill(api, vendor, [line(service)])
    html = _text(web.get("/"))
    for label, path in (("Vendor Bills", "/invoicing/bills"), ("Customer Invoices", "/invoicing/invoices"), ("Refunds", "/invoicing/refunds"),
                        ("Partners", "/partners"), ("Products", "/products")):
        assert f'<a href="{path}">{label}</a>' in html
    card = re.search(r"<h2>Invoicing</h2>.*?</section>", html, re.S).group(0)
    assert re.search(r"Vendor bills to post</a></dt><dd>1<", card) and re.search(r"Posted this month</dt><dd>1<", card)


def test_the_guide_has_an_invoicing_chapter(web):
    html = _text(web.get("/help/invoicing"))
    assert "<h1" in html and "Invoicing: bills, invoices and refunds" in html and "Create refund" in html


def test_detail_page_queries_do_not_grow_with_the_lines(api, web, vendor, service, count_statements):
    def statements(lines: int) -> int:
        products = [create_product(api, f"Service {n}", type="service") for n in range(lines)]
        bill = create_bill(api, vendor, [line(p) for p in products])
        with count_statements() as counter:
            assert web.get(f"/invoicing/{bill['id']}").status_code == 200
        return counter.count

    assert statements(2) == statements(12)
