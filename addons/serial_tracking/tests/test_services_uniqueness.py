"""Serial names are unique per product by default, across products with
ERP_SERIAL_UNIQUENESS=global; the database constraint enforces it even past the services."""
from __future__ import annotations

import pytest
from erp_addons.serial_tracking.models import Serial
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from erp_core.database import db
from erp_core.testing import assert_error

from .common import (assign, create_partner, create_product, invoice_move, ok, post_invoice, receive, serial, table_counts,
                     validate)


def _insert_serial(name: str, product_id: int, scope: int) -> None:
    db.session.execute(insert(Serial).values(name=name, product_id=product_id, scope=scope, status="out_of_stock"))
    db.session.flush()


def test_per_product_by_default_enforced_by_the_database(api):
    laptop, phone = create_product(api), create_product(api, "Phone")
    receive(api, laptop, ["SN-1"])
    receive(api, phone, ["SN-1"])
    assert serial(api, "SN-1", laptop)["id"] != serial(api, "SN-1", phone)["id"]

    with pytest.raises(IntegrityError):
        _insert_serial("SN-1", laptop["id"], scope=laptop["id"])
    db.session.rollback()
    with pytest.raises(IntegrityError):  # the scope cannot be faked either
        _insert_serial("SN-1", laptop["id"], scope=phone["id"])
    db.session.rollback()
    assert table_counts(Serial) == (2,)


class TestGlobalUniqueness:
    @pytest.fixture
    def app_settings(self):
        return {"ERP_SERIAL_UNIQUENESS": "global"}

    def test_a_name_belongs_to_one_product_only(self, api):
        laptop, phone, customer = create_product(api), create_product(api, "Phone"), create_partner(api)
        receive(api, laptop, ["SN-1", "SN-2"])

        receipt = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(phone, 2)]))
        failure = assert_error(assign(api, receipt, ["SN-1", "SN-3"]), 422, "serial_wrong_product")
        assert [(d["serial"], d["code"]) for d in failure["details"]] == [("SN-1", "serial_wrong_product")]
        delivery = invoice_move(api, post_invoice(api, "customer_invoice", customer, [(phone, 1)]))
        assert_error(assign(api, delivery, ["SN-2"]), 422, "serial_wrong_product")
        assert_error(api.as_("inventory_manager").post("/serials", json={"name": "SN-1", "product_id": phone["id"]}), 422, "duplicate_serial")
        assert serial(api, "SN-1")["product_id"] == laptop["id"]  # never ambiguous

    def test_two_products_in_one_move_cannot_share_a_name(self, api):
        laptop, phone = create_product(api), create_product(api, "Phone")
        move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 1), (phone, 1)]))
        ok(assign(api, move, ["SN-1"], line=0))
        assert_error(assign(api, move, ["SN-1"], line=1), 422, "duplicate_serial")

    def test_checked_again_at_validation(self, api):
        laptop, phone = create_product(api), create_product(api, "Phone")
        first = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 1)]))
        second = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(phone, 1)]))
        ok(assign(api, first, ["SN-1"]))
        ok(assign(api, second, ["SN-1"]))
        ok(validate(api, first))
        assert_error(validate(api, second), 422, "serial_wrong_product")
        assert table_counts(Serial) == (1,)

    def test_enforced_by_the_database(self, api):
        laptop, phone = create_product(api), create_product(api, "Phone")
        receive(api, laptop, ["SN-1"])
        with pytest.raises(IntegrityError):
            _insert_serial("SN-1", phone["id"], scope=0)
        db.session.rollback()
