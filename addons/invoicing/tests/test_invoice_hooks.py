"""Other addons react to posting and cancelling inside the same transaction: a test addon,
``failing_reactor``, loaded from a folder through ERP_ADDONS_PATH, refuses or crashes on demand
(by partner name) after writing a row, so we can see that nothing of a failed action is kept."""
import textwrap

import pytest
from erp_addons.invoicing.models import Invoice, InvoiceLine
from sqlalchemy import func, select

from erp_core.database import db
from erp_core.models import Partner, Sequence
from erp_core.testing import log_in

from .common import cancel_document, create_bill, create_partner, line

REACTOR_VIEWS = '''
from flask import Blueprint

bp = Blueprint("failing_reactor", __name__, template_folder="templates")
'''

REACTOR_HOOKS = '''
from erp_core.database import db
from erp_core.errors import DomainError
from erp_core.hookspecs import hookimpl
from erp_core.models import Partner
from erp_core.ui import Panel

MARK = "written by the reactor"


def _name(invoice):
    return invoice.partner.name if invoice.partner else ""


@hookimpl
def invoicing_invoice_posted(invoice):
    if _name(invoice).startswith(("Refuse", "Crash")):
        db.session.add(Partner(name=MARK))  # a partial write that must not survive
        db.session.flush()
        if _name(invoice).startswith("Refuse"):
            raise DomainError("reactor_refused", f"The reactor refuses {invoice.number}: the goods are not expected.")
        raise RuntimeError("the reactor crashed")


@hookimpl
def invoicing_invoice_cancel_refusal(invoice):
    return "Its goods were already received; return them first." if _name(invoice).startswith("Keep") else None


@hookimpl
def invoicing_invoice_cancelled(invoice):
    db.session.add(Partner(name=f"saw {invoice.number} {invoice.state}"))


LOADS = []  # the pages of invoices the extension was asked about


def _load_notes(invoices):
    LOADS.append(len(invoices))
    return {invoice.id: {"reactor_note": f"noted {invoice.number}"} for invoice in invoices if _name(invoice).startswith("Noted")}


@hookimpl
def erp_record_extensions():
    from erp_addons.invoicing.models import Invoice
    from erp_core.records import RecordExtension, RecordField

    return [RecordExtension(Invoice, (RecordField("reactor_note", "Reactor note", str | None, None),), load=_load_notes)]


@hookimpl
def erp_detail_panels(record):
    from erp_addons.invoicing.models import Invoice

    if isinstance(record, Invoice):
        return [Panel("Reactor panel", "failing_reactor/panel.html", {"greeting": f"Panel for {record.display_name}"})]
    return []

'''


@pytest.fixture(scope="session")
def reactor_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("extra_addons")
    addon = folder / "failing_reactor"
    (addon / "templates" / "failing_reactor").mkdir(parents=True)
    (addon / "__manifest__.py").write_text(repr({"name": "failing_reactor", "version": "1", "depends": ["invoicing"]}))
    (addon / "__init__.py").write_text("")
    (addon / "hooks.py").write_text(textwrap.dedent(REACTOR_HOOKS))
    (addon / "views.py").write_text(textwrap.dedent(REACTOR_VIEWS))
    (addon / "templates" / "failing_reactor" / "panel.html").write_text("<p class=reactor>{{ panel.context.greeting }}</p>")
    return folder


@pytest.fixture
def app_settings(reactor_folder):
    return {"ERP_ADDONS_PATH": str(reactor_folder)}


def _counts() -> dict:
    db.session.expire_all()
    return {"partners": db.session.scalar(select(func.count()).select_from(Partner)),
            "lines": db.session.scalar(select(func.count()).select_from(InvoiceLine)),
            "sequences": dict(db.session.execute(select(Sequence.code, Sequence.last_value)).all())}


@pytest.mark.parametrize("partner_name,status,code", [("Refuse Ltd", 422, "reactor_refused"), ("Crash Ltd", 500, "internal_error")])
def test_a_failing_reaction_keeps_the_draft_and_consumes_no_number(api, service, partner_name, status, code):
    assert "failing_reactor" in [a["name"] for a in api.get("/addons").get_json()["items"]]
    refused = create_bill(api, create_partner(api, partner_name), [line(service, 2, 10)], post=False)
    before = _counts()
    response = api.as_("accountant").post(f"/invoices/{refused['id']}/post")
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code
    if status == 422:  # the user sees why
        assert error["message"] == "The reactor refuses BILL/{}/0001: the goods are not expected.".format(refused["invoice_date"][:4])
    assert _counts() == before
    assert api.get(f"/invoices/{refused['id']}").get_json() == refused
    invoice = db.session.get(Invoice, refused["id"])
    assert (invoice.state, invoice.number, invoice.posted_at) == ("draft", None, None)
    # The number the failed post took is given back: the next bill gets it.
    accepted = create_bill(api, create_partner(api, "Northwind"), [line(service)])
    assert accepted["number"] == "BILL/{}/0001".format(accepted["invoice_date"][:4])


def test_the_web_page_says_why_posting_failed(app, api, client, service):
    refused = create_bill(api, create_partner(api, "Refuse Ltd"), [line(service)], post=False)
    log_in(client, "accountant")
    response = client.post(f"/invoicing/{refused['id']}/post")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The reactor refuses BILL/" in html
    assert api.get(f"/invoices/{refused['id']}").get_json()["state"] == "draft"


def test_an_addon_can_refuse_a_cancellation(api, service):
    bill = create_bill(api, create_partner(api, "Keep Ltd"), [line(service)])
    before = _counts()
    response = api.as_("accountant").post(f"/invoices/{bill['id']}/cancel")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert (error["code"], error["message"]) == ("invalid_state", "Its goods were already received; return them first.")
    assert error["details"] == [{"code": "cancel_refused", "message": "Its goods were already received; return them first."}]
    assert api.get(f"/invoices/{bill['id']}").get_json()["state"] == "posted"
    assert _counts() == before  # the cancelled hook did not run


def test_cancelled_hook_runs_after_the_state_changed(api, service):
    bill = create_bill(api, create_partner(api, "Acme"), [line(service)])
    assert cancel_document(api, bill)["state"] == "cancelled"
    assert db.session.scalar(select(Partner.id).where(Partner.name == f"saw {bill['number']} cancelled")) is not None


def test_an_addon_adds_a_field_to_invoices_loaded_once_per_page(api, service):
    from erp_addons.failing_reactor.hooks import LOADS

    bill = create_bill(api, create_partner(api, "Noted Ltd"), [line(service)])
    assert bill["reactor_note"] == f"noted {bill['number']}"
    other = create_bill(api, create_partner(api, "Acme"), [line(service)])
    assert other["reactor_note"] is None, "a record the extension leaves out gets the field's default"
    LOADS.clear()
    listed = api.get("/invoices?type=vendor_bill").get_json()["items"]
    assert {i["id"]: i["reactor_note"] for i in listed if i["id"] in (bill["id"], other["id"])} == {
        bill["id"]: f"noted {bill['number']}", other["id"]: None}
    assert LOADS == [len(listed)], "one load for the whole page"
    schema = api.get("/openapi.json").get_json()["components"]["schemas"]["InvoiceOut"]
    assert "reactor_note" in schema["properties"] and "stock_moves" in schema["properties"]


def test_detail_page_shows_panels_from_other_addons(api, client, service):
    bill = create_bill(api, create_partner(api, "Acme"), [line(service)])
    log_in(client, "accountant")
    html = client.get(f"/invoicing/{bill['id']}").get_data(as_text=True)
    assert "<h2>Reactor panel</h2>" in html and f"Panel for {bill['number']}" in html

