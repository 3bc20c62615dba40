"""Two accountants posting at the same moment get different, consecutive numbers (PostgreSQL, where
transactions really run side by side; SQLite takes writers one at a time)."""
import threading
from datetime import date
from decimal import Decimal

import pytest
from erp_addons.invoicing import services
from erp_addons.invoicing.models import Invoice
from sqlalchemy import select

from erp_core.database import db
from erp_core.errors import InvalidState
from erp_core.models import Partner, Sequence
from erp_core.services import create_partner

THREADS = 6
DOCUMENTS = 50


def _draft_bill() -> Invoice:
    partner = db.session.scalar(select(Partner).where(Partner.name == "Northwind")) or create_partner("Northwind")
    return services.create_invoice({"type": "vendor_bill", "partner_id": partner.id, "invoice_date": date(2026, 5, 1),
                                    "lines": [{"description": "Paper", "quantity": Decimal(1), "unit_price": Decimal(5)}]})


@pytest.mark.postgres_only
def test_parallel_posts_get_distinct_consecutive_numbers(app):
    ids = [_draft_bill().id for _ in range(DOCUMENTS)]
    db.session.commit()

    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def poster(my_ids):
        with app.app_context():  # its own session and connection
            start.wait()
            for invoice_id in my_ids:
                try:
                    services.post_invoice(db.session.get(Invoice, invoice_id))
                    db.session.commit()
                except BaseException as exc:
                    db.session.rollback()
                    errors.append(exc)
            db.session.remove()

    threads = [threading.Thread(target=poster, args=(ids[n::THREADS],)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    db.session.expire_all()
    numbers = sorted(db.session.scalars(select(Invoice.number).where(Invoice.id.in_(ids))))
    assert numbers == [f"BILL/2026/{n:04d}" for n in range(1, DOCUMENTS + 1)]
    assert db.session.get(Sequence, "invoice.vendor_bill.2026").last_value == DOCUMENTS


@pytest.mark.postgres_only
def test_the_same_draft_posted_twice_at_once_is_posted_once(app):
    invoice_id = _draft_bill().id
    db.session.commit()
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def poster():
        with app.app_context():
            start.wait()
            try:
                services.post_invoice(db.session.get(Invoice, invoice_id))
                db.session.commit()
                outcomes.append("posted")
            except InvalidState:
                db.session.rollback()
                outcomes.append("refused")
            db.session.remove()

    threads = [threading.Thread(target=poster) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["posted", "refused", "refused", "refused"]
    assert db.session.get(Sequence, "invoice.vendor_bill.2026").last_value == 1
