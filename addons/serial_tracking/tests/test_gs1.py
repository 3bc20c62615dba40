"""What a scanner's text means (services/gs1.py ``interpret``), for every form the contract names:
element strings with and without symbology identifiers and GS separators, the bracketed form,
Digital Link URIs, product barcodes, plain serials; and the GS1 data built for labels. Pure
functions: no app, no database."""
from __future__ import annotations

from datetime import date

import pytest
from erp_addons.serial_tracking.services.gs1 import GS, GS1DataError, gs1_data, gtin14, gtin_spellings, interpret

GTIN = "09506000134352"
WRONG = "09506000134353"  # the same GTIN with a wrong check digit (2 expected)


def kind_serial(scan):
    return scan.kind, scan.serial


# ---------------------------------------------------------------- element strings


@pytest.mark.parametrize("identifier", ["]d2", "]C1", "]Q3"])
def test_element_string_with_identifier_and_gs(identifier):
    scan = interpret(f"{identifier}01{GTIN}21ABC123{GS}10LOT-7{GS}17270331")
    assert (scan.kind, scan.symbology, scan.gtin, scan.serial, scan.lot) == ("gs1", identifier, GTIN, "ABC123", "LOT-7")
    assert scan.expiry == date(2027, 3, 31)
    assert scan.hri == f"(01){GTIN}(21)ABC123(10)LOT-7(17)270331"


def test_element_string_without_identifier():
    assert (interpret(f"01{GTIN}21ABC123").gtin, interpret(f"01{GTIN}21ABC123").serial) == (GTIN, "ABC123")
    scan = interpret(f"01{GTIN}17270331" f"10LOT-7{GS}21ABC123")
    assert (scan.kind, scan.lot, scan.serial, scan.expiry, scan.symbology) == ("gs1", "LOT-7", "ABC123", date(2027, 3, 31), None)


def test_a_leading_fnc1_and_trailing_white_space_are_ignored():
    assert interpret(f"{GS}01{GTIN}21ABC123{GS}\r\n").serial == "ABC123"


def test_another_separator_when_the_scanners_send_one():
    scan = interpret(f"01{GTIN}21ABC123~10L1", separators=(GS, "~"))
    assert (scan.kind, scan.serial, scan.lot) == ("gs1", "ABC123", "L1")


def test_ai_02_is_the_content_gtin():
    scan = interpret(f"]C102{GTIN}3712{GS}10L1")
    assert (scan.kind, scan.content_gtin, scan.gtin, scan.lot) == ("gs1", GTIN, None, "L1")


def test_day_00_of_an_expiry_is_the_last_day_of_the_month():
    assert interpret(f"]d201{GTIN}17270200").expiry == date(2027, 2, 28)


def test_a_lost_gs_cannot_be_noticed_the_serial_takes_what_follows():
    # The limit the module documents: without the GS, AI 21 runs on (up to 20 characters).
    scan = interpret(f"]d201{GTIN}21D9T10LOT-7")
    assert (scan.kind, scan.serial, scan.lot) == ("gs1", "D9T10LOT-7", None)


# ---------------------------------------------------------------- bracketed form and Digital Link


def test_bracketed_form():
    scan = interpret(f"(01){GTIN}(21)ABC123")
    assert (scan.kind, scan.gtin, scan.serial, scan.symbology) == ("gs1", GTIN, "ABC123", None)


def test_bracketed_form_with_lot_expiry_and_spaces():
    scan = interpret(f"(01) {GTIN} (17) 270331 (10) L-7 (21) ABC123")
    assert (scan.serial, scan.lot, scan.expiry) == ("ABC123", "L-7", date(2027, 3, 31))


def test_bracketed_form_that_would_lose_data_is_invalid():
    scan = interpret(f"(01){GTIN}(21)A(B)C")  # biip alone would answer serial "A"
    assert scan.kind == "invalid_gs1" and "ambiguous" in scan.error


def test_digital_link_with_serial():
    scan = interpret(f"https://id.example.com/01/{GTIN}/21/ABC123")
    assert (scan.kind, scan.gtin, scan.serial) == ("gs1", GTIN, "ABC123")


def test_digital_link_with_lot_and_expiry_in_the_query():
    scan = interpret(f"https://id.example.com/01/{GTIN}/10/LOT-7?17=270331")
    assert (scan.kind, scan.gtin, scan.lot, scan.expiry, scan.serial) == ("gs1", GTIN, "LOT-7", date(2027, 3, 31), None)


def test_digital_link_with_lot_and_serial():
    scan = interpret(f"]Q3https://id.example.com/01/{GTIN}/10/LOT-7/21/ABC123")
    assert (scan.symbology, scan.lot, scan.serial) == ("]Q3", "LOT-7", "ABC123")


def test_digital_link_in_a_plain_qr_code():
    # Digital Link URIs are usually printed in plain QR codes (]Q1), not GS1 QR codes.
    scan = interpret(f"]Q1https://id.example.com/01/{GTIN}/21/ABC123")
    assert (scan.kind, scan.serial, scan.symbology) == ("gs1", "ABC123", "]Q1")


def test_digital_link_with_the_keys_in_the_wrong_order_is_invalid():
    scan = interpret(f"https://id.example.com/01/{GTIN}/21/ABC123/10/LOT-7")
    assert scan.kind == "invalid_gs1" and scan.error.startswith("Not a valid GS1 Digital Link URI")


def test_a_web_address_that_is_no_digital_link_is_invalid_not_a_serial():
    assert interpret("https://example.com/about").kind == "invalid_gs1"


# ---------------------------------------------------------------- product barcodes


@pytest.mark.parametrize("raw, gtin", [("5901234123457", "05901234123457"),   # EAN-13
                                       ("96385074", "00000096385074"),         # EAN-8 (biip also reads it as AI 96)
                                       ("036000291452", "00036000291452"),     # UPC-A
                                       (GTIN, GTIN),                           # GTIN-14
                                       ("]E05901234123457", "05901234123457"),
                                       ("]C05901234123457", "05901234123457")])
def test_product_barcodes_are_gtin_14(raw, gtin):
    scan = interpret(raw)
    assert (scan.kind, scan.gtin, scan.serial) == ("gtin", gtin, None)


@pytest.mark.parametrize("raw", ["5901234123458", "96385075", "036000291453", "12345678"])
def test_digits_with_a_wrong_check_digit_are_a_serial(raw):
    assert kind_serial(interpret(raw)) == ("serial", raw)


def test_an_ean_symbol_with_a_wrong_check_digit_is_invalid():
    scan = interpret("]E05901234123458")
    assert scan.kind == "invalid_gs1" and "should end in 7, not 8" in scan.error


# ---------------------------------------------------------------- wrong check digits and broken GS1


@pytest.mark.parametrize("raw", [f"]d201{WRONG}21ABC123", f"]C101{WRONG}21X{GS}10L", f"01{WRONG}21ABC123", f"(01){WRONG}(21)ABC123",
                                 f"https://id.example.com/01/{WRONG}/21/ABC123", f"]C102{WRONG}3712"])
def test_a_wrong_check_digit_in_gs1_data_is_invalid_and_says_so(raw):
    scan = interpret(raw)
    assert scan.kind == "invalid_gs1" and scan.serial is None and scan.gtin is None
    assert f"{WRONG} has a wrong check digit: it should end in 2, not 3" in scan.error


@pytest.mark.parametrize("raw", [f"]d201{GTIN}21X{GS}17271399",   # no 13th month
                                 "]d2ABC",                        # no AI at all
                                 f"01{GTIN}21X{GS}99",             # a GS, then an AI without data
                                 "]C1",                           # an identifier and nothing else
                                 "(99)x(01)123"])
def test_malformed_gs1_is_invalid(raw):
    scan = interpret(raw)
    assert scan.kind == "invalid_gs1" and scan.error


@pytest.mark.parametrize("raw, words", [
    (f"]d201{GTIN}17991", "(17) Expiration date (YYMMDD) must be 6 digits, not “991”."),
    (f"]d201{GTIN}21X{GS}17271399", "(17) Expiration date (YYMMDD) cannot be “271399”."),
    (f"(01){GTIN}(21)ABCDEFGHIJKLMNOPQRSTU", "(21) Serial number must be 1 to 20 letters, digits or"),
    ("(01)950600013435(21)X", "(01) Global Trade Item Number (GTIN) must be 14 digits, not “950600013435”.")])
def test_malformed_gs1_is_explained_in_words_not_with_patterns(raw, words):
    error = interpret(raw).error
    assert words in error and "pattern" not in error and "^" not in error


# ---------------------------------------------------------------- plain serials


@pytest.mark.parametrize("raw", ["10D9T", "SN-2026-0001", "ABC123", "LT-A001", "12345", "0112345", "(A)1", "]abc", "210",
                                 "1727033110ABC", f"01{GTIN}99"])
def test_what_is_not_gs1_is_a_plain_serial(raw):
    assert kind_serial(interpret(raw)) == ("serial", raw)


def test_10d9t_stays_a_serial_although_it_parses_as_ai_10():
    scan = interpret("10D9T")
    assert (scan.kind, scan.serial, scan.lot, scan.error) == ("serial", "10D9T", None, None)


def test_a_serial_is_trimmed_and_keeps_the_identifier_it_came_with():
    assert kind_serial(interpret("  SN-2026-0001 \n")) == ("serial", "SN-2026-0001")
    scan = interpret("]C0SN-2026-0001")
    assert (scan.kind, scan.serial, scan.symbology) == ("serial", "SN-2026-0001", "]C0")


def test_a_plain_code_128_never_holds_an_element_string():
    # ]C0 says "no FNC1": digits that would read as 01 + GTIN + 21 are a serial.
    assert kind_serial(interpret(f"]C001{GTIN}211234")) == ("serial", f"01{GTIN}211234")


# ---------------------------------------------------------------- GS1 data for labels


def test_label_data_for_gtin_and_serial():
    data = gs1_data("9506000134352", "ABC123")
    assert data.element_string == f"01{GTIN}21ABC123"
    assert data.hri == f"(01){GTIN}(21)ABC123" and data.hri_lines == (f"(01) {GTIN}", "(21) ABC123")
    assert data.encoder_input == f"[01]{GTIN}[21]ABC123"


def test_label_data_with_lot_and_expiry_needs_one_separator():
    data = gs1_data(GTIN, "A(B)C-7", lot="LOT-7", expiry=date(2027, 3, 31))
    assert data.element_string == f"01{GTIN}17270331" f"10LOT-7{GS}21A(B)C-7"
    assert data.hri == f"(01){GTIN}(17)270331(10)LOT-7(21)A(B)C-7"
    scan = interpret("]d2" + data.element_string)
    assert (scan.gtin, scan.serial, scan.lot, scan.expiry) == (GTIN, "A(B)C-7", "LOT-7", date(2027, 3, 31))


@pytest.mark.parametrize("gtin, serial, lot, message", [
    (WRONG, "ABC", None, "valid check digit"),
    ("SKU-1", "ABC", None, "valid check digit"),
    (GTIN, "has space", None, "serial number 'has space' cannot be GS1 data (AI 21)"),
    (GTIN, "S" * 21, None, "1 to 20"),
    (GTIN, "Ünïcode", None, "AI 21"),
    (GTIN, "", None, "AI 21"),
    (GTIN, "ABC", "lot#1", "lot 'lot#1' cannot be GS1 data (AI 10)"),
])
def test_label_data_refuses_what_gs1_cannot_carry(gtin, serial, lot, message):
    with pytest.raises(GS1DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        gs1_data(gtin, serial, lot=lot)


def test_an_expiry_a_scanner_would_read_in_another_century_is_refused():
    with pytest.raises(GS1DataError, match="49 years"):
        gs1_data(GTIN, "ABC", expiry=date(2099, 1, 1))


def test_product_barcodes_become_gtin_14_for_lookups():
    assert [gtin14(code) for code in ("96385074", "036000291452", "5901234123457", GTIN, "5901234123458", "SKU-1")] == [
        "00000096385074", "00036000291452", "05901234123457", GTIN, None, None]
    assert "5901234123457" in gtin_spellings("05901234123457")
