"""``erp init --demo``: partners, products of every type and one posted vendor bill, created once."""
from erp_addons.invoicing.demo import CUSTOMERS, PRODUCTS, VENDORS
from erp_addons.invoicing.models import Invoice
from sqlalchemy import func, select

from erp_core.cli import initialise
from erp_core.database import db
from erp_core.models import Partner, Product


def test_demo_data_is_created_once(app):
    initialise(app, demo=True)
    initialise(app, demo=True)
    db.session.expire_all()
    names = set(db.session.scalars(select(Partner.name)))
    assert {name for name, _ in VENDORS + CUSTOMERS} <= names
    types = dict(db.session.execute(select(Product.default_code, Product.type)).all())
    assert {code: kind for _, code, kind in PRODUCTS}.items() <= types.items()
    assert {"storable", "consumable", "service"} <= set(types.values())
    bills = db.session.scalars(select(Invoice).where(Invoice.type == "vendor_bill")).all()
    demo_bill = next(b for b in bills if b.partner.name == VENDORS[0][0])
    assert (demo_bill.state, demo_bill.number[:5]) == ("posted", "BILL/")
    assert db.session.scalar(select(func.count()).select_from(Invoice).where(Invoice.partner_id == demo_bill.partner_id)) == 1
    assert demo_bill.total == demo_bill.amount_untaxed + demo_bill.amount_tax > 0
