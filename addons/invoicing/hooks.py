"""How the invoicing addon plugs into the host: its role and permissions, menu, dashboard, demo data."""
from __future__ import annotations

from datetime import datetime, time, timezone

from flask import url_for
from sqlalchemy import func, select

from erp_core.database import db
from erp_core.hookspecs import hookimpl
from erp_core.ui import DashboardCard, MenuItem, Role


@hookimpl
def erp_roles():
    return [Role("accountant", "Accountant", "Records partners, vendor bills, customer invoices and refunds, and posts them.",
                 demo_user="accountant")]


@hookimpl
def erp_permissions():
    accountant = {"accountant"}
    return {"partner.write": accountant, "invoice.write": accountant, "invoice.post": accountant, "invoice.cancel": accountant}


@hookimpl
def erp_menu_items():
    return [
        MenuItem("Invoicing", "Vendor Bills", "invoicing.vendor_bills", order=10),
        MenuItem("Invoicing", "Customer Invoices", "invoicing.customer_invoices", order=20),
        MenuItem("Invoicing", "Refunds", "invoicing.refunds", order=30),
        MenuItem("Invoicing", "Partners", "master.partners", order=40),
        MenuItem("Invoicing", "Products", "master.products", order=50),
    ]


@hookimpl
def erp_dashboard_cards(user):
    """The drafts waiting to be posted, for those who post them and those who oversee every team."""
    from erp_core.auth import may

    from .models import Invoice
    from .services import oldest_drafts, today

    if not (may(user, "invoice.post") or may(user, "dashboard.overview")):
        return []

    drafts = dict(db.session.execute(select(Invoice.type, func.count()).where(Invoice.state == "draft").group_by(Invoice.type)).all())
    month_start = datetime.combine(today().replace(day=1), time(), tzinfo=timezone.utc)
    posted = db.session.scalar(select(func.count()).select_from(Invoice).where(Invoice.state == "posted", Invoice.posted_at >= month_start))
    return [DashboardCard("Invoicing", [
        ("Vendor bills to post", drafts.get("vendor_bill", 0), url_for("invoicing.vendor_bills", state="draft")),
        ("Customer invoices to post", drafts.get("customer_invoice", 0), url_for("invoicing.customer_invoices", state="draft")),
        ("Refunds to post", drafts.get("vendor_refund", 0) + drafts.get("customer_refund", 0), url_for("invoicing.refunds", state="draft")),
        ("Posted this month", posted, None),
    ], order=20, lists=[("Oldest drafts", [(draft.display_name, url_for("invoicing.document", invoice_id=draft.id),
                                             " · ".join(filter(None, (draft.partner.name if draft.partner else None,
                                                                      draft.invoice_date.isoformat()))))
                                            for draft in oldest_drafts()])])]


@hookimpl
def erp_demo_data():
    from .demo import create_demo_data

    create_demo_data()


@hookimpl
def erp_audit_text(record_type, action, details):
    if record_type != "invoice":
        return None
    from erp_core.forms import format_number

    total = f" (total {format_number(details['total'], 2)})" if details.get("total") is not None else ""
    if action == "create":
        return f"Draft created{total}"
    if action == "edit":
        return f"Draft edited: {', '.join(field.replace('_', ' ') for field in details.get('fields', []))}{total}"
    if action == "post":
        return f"Posted as {details.get('number')}"
    return None
