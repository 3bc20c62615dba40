"""Product barcodes: a barcode that looks like a GTIN (8, 12, 13 or 14 digits) must carry a valid GS1
check digit, through the API and the product form, on both databases; other barcodes are internal
codes. ``erp_core.barcodes`` is the rule, tested here on its own first."""
import re

import pytest

from erp_core import barcodes
from erp_core.testing import assert_error, log_in, ok


# ---------------------------------------------------------------- the check digit


@pytest.mark.parametrize("code", ["96385074", "036000291452", "4006381333931", "5901234123457", "09506000134352", "00000000000000"])
def test_valid_gtins_of_every_length(code):
    assert barcodes.is_gtin(code) and barcodes.check_digit_problem(code) is None
    assert barcodes.check_digit(code[:-1]) == int(code[-1])


@pytest.mark.parametrize("code, expected", [("96385075", 4), ("036000291453", 2), ("5901234123458", 7), ("09506000134353", 2)])
def test_a_wrong_check_digit_is_named_with_the_right_one(code, expected):
    problem = barcodes.check_digit_problem(code)
    assert f"should be {expected}, not {code[-1]}" in problem and f"{code[:-1]}{expected}" in problem
    assert not barcodes.is_gtin(code) and barcodes.gtin14(code) is None


@pytest.mark.parametrize("code", ["SKU-1", "111", "123456", "1234567890", "123456789012345", "５９０１２３４１２３４５７", "", None])
def test_other_codes_are_internal_codes_without_a_check_digit(code):
    assert barcodes.check_digit_problem(code) is None and not barcodes.is_gtin(code)


@pytest.mark.parametrize("code, gtin14", [("96385074", "00000096385074"), ("036000291452", "00036000291452"),
                                          ("4006381333931", "04006381333931"), ("09506000134352", "09506000134352")])
def test_gtins_are_normalised_to_14_digits(code, gtin14):
    assert barcodes.gtin14(code) == gtin14
    assert code in barcodes.gtin_spellings(gtin14) and gtin14 in barcodes.gtin_spellings(code)


def test_spellings_only_drop_leading_zeros():
    assert barcodes.gtin_spellings("09506000134352") == ["09506000134352", "9506000134352"]
    assert barcodes.gtin_spellings("00000096385074") == ["00000096385074", "0000096385074", "000096385074", "96385074"]


# ---------------------------------------------------------------- the product rule, through the API


@pytest.fixture
def manager(api):
    return api.as_("inventory_manager")


@pytest.mark.parametrize("code", ["96385074", "036000291452", "4006381333931", "09506000134352", "INT-0042", "12345"])
def test_valid_gtins_and_internal_codes_are_saved(manager, code):
    assert ok(manager.post("/products", json={"name": "Thing", "barcode": code}), 201)["barcode"] == code


@pytest.mark.parametrize("code", ["96385075", "036000291453", "4006381333932", "09506000134353"])
def test_a_wrong_check_digit_is_422_invalid_barcode_naming_the_field_and_the_digit(manager, code):
    error = assert_error(manager.post("/products", json={"name": "Thing", "barcode": code}), 422, "invalid_barcode")
    assert [(d["field"], d["code"]) for d in error["details"]] == [("barcode", "invalid_barcode")]
    assert "check digit is wrong" in error["details"][0]["message"] and "should be" in error["message"]
    assert ok(manager.get("/products?q=Thing"))["total"] == 0


def test_patch_checks_a_new_barcode_too(manager):
    product = ok(manager.post("/products", json={"name": "Dock"}), 201)
    assert_error(manager.patch(f"/products/{product['id']}", json={"barcode": "5901234123458"}), 422, "invalid_barcode")
    assert ok(manager.patch(f"/products/{product['id']}", json={"barcode": "5901234123457"}))["barcode"] == "5901234123457"


def test_a_bad_barcode_saved_before_the_rule_does_not_block_other_changes(app, manager):
    from erp_core.database import db
    from erp_core.models import Product

    product = ok(manager.post("/products", json={"name": "Old"}), 201)
    db.session.get(Product, product["id"]).barcode = "5901234123458"  # as an older release let it be saved
    db.session.commit()
    assert ok(manager.patch(f"/products/{product['id']}", json={"name": "Old, renamed"}))["barcode"] == "5901234123458"
    assert_error(manager.patch(f"/products/{product['id']}", json={"barcode": "5901234123459"}), 422, "invalid_barcode")


def test_one_gtin_in_two_lengths_is_a_duplicate(manager):
    ok(manager.post("/products", json={"name": "Cable", "barcode": "4006381333931"}), 201)
    error = assert_error(manager.post("/products", json={"name": "Same cable", "barcode": "04006381333931"}), 422, "duplicate_barcode")
    assert "'4006381333931'" in error["details"][0]["message"]


# ---------------------------------------------------------------- the product form


def test_the_form_shows_the_check_digit_error_next_to_the_barcode_field(client):
    log_in(client, "inventory_manager")
    response = client.post("/products/new", data={"name": "Scanner", "barcode": "5901234123458", "type": "storable",
                                                  "tracking": "none", "warranty_months": "0"})
    html = response.get_data(as_text=True)
    field = re.search(r'<div class="field\s+has-error">\s*<label for="barcode".*?</div>\s*</div>', html, re.S)
    assert field and "the last digit should be 7, not 8" in field.group(0)
    assert 'value="5901234123458"' in field.group(0)  # the typed value stays, to be corrected
