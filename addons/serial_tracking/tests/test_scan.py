"""POST /moves/{id}/scan: exactly what a scanner typed. A plain serial goes to the only line that
lacks serials, a product barcode names its line, GS1 data picks the line by GTIN and carries the
serial, lot and expiry date; everything else answers the assignment's codes and assigns nothing."""
from erp_core.testing import assert_error, ok

from .common import create_partner, create_product, invoice_move, post_invoice, receive

GS = "\x1d"
GTIN = "09506000134352"      # the GS1 example GTIN-14; the product stores its GTIN-13 form
EAN = "4006381333931"        # a valid EAN-13


def barcoded(api, barcode: str | None, tracking: str = "serial", name: str | None = None) -> dict:
    product = create_product(api, name, tracking=tracking)
    if barcode:
        product = ok(api.as_("inventory_manager").patch(f"/products/{product['id']}", json={"barcode": barcode}))
    return product


def receipt(api, *lines) -> dict:
    return invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), list(lines)))


def scan(api, move, code, line_id=None, role="warehouse"):
    return api.as_(role).post(f"/moves/{move['id']}/scan", json={"code": code, **({"line_id": line_id} if line_id else {})})


def serials_of(api, move) -> list[list[str]]:
    return [line["serials"] for line in ok(api.get(f"/moves/{move['id']}"))["lines"]]


def test_a_plain_serial_goes_to_the_only_line_lacking_serials_else_the_scan_is_ambiguous(api):
    laptop, dock = barcoded(api, None), barcoded(api, None)
    move = receipt(api, (laptop, 1), (dock, 2))
    error = assert_error(scan(api, move, "SN-1"), 422, "scan_ambiguous")
    assert laptop["name"] in error["message"] and dock["name"] in error["message"]
    assert ok(scan(api, move, "SN-1", line_id=move["lines"][0]["id"])) == {
        "line_id": move["lines"][0]["id"], "product_id": laptop["id"], "serial": "SN-1", "assigned": True}
    # the laptop's line is full: the only line lacking serials now takes a plain scan
    assert ok(scan(api, move, "  SN-2 "))["line_id"] == move["lines"][1]["id"]
    assert_error(scan(api, move, "SN-2"), 422, "duplicate_serial")
    assert serials_of(api, move) == [["SN-1"], ["SN-2"]]


def test_a_product_barcode_names_its_line_and_assigns_nothing_and_a_foreign_gtin_is_refused(api):
    laptop, dock = barcoded(api, EAN), barcoded(api, GTIN[1:])
    move = receipt(api, (laptop, 1), (dock, 1))
    assert ok(scan(api, move, EAN)) == {"line_id": move["lines"][0]["id"], "product_id": laptop["id"], "assigned": False}
    assert ok(scan(api, move, "]E0" + GTIN[1:]))["line_id"] == move["lines"][1]["id"], "EAN-13 with its symbology identifier"
    other = barcoded(api, "96385074")  # a valid EAN-8 of a product that is not on the move
    assert_error(scan(api, move, "(01)00000096385074(21)X1"), 422, "product_not_on_move")
    assert_error(scan(api, move, "(01)05901234123457(21)X1"), 422, "scan_unknown_product")
    assert other["barcode"] == "96385074" and serials_of(api, move) == [[], []]


def test_gs1_data_in_every_form_picks_the_line_by_gtin_and_assigns_its_serial(api):
    laptop, dock = barcoded(api, None), barcoded(api, GTIN[1:])
    move = receipt(api, (laptop, 1), (dock, 4))
    dock_line = move["lines"][1]["id"]
    codes = [f"]d201{GTIN}21DM-1{GS}10LOT-A",                        # DataMatrix, FNC1 as GS, lot after the serial
             f"01{GTIN}21DM-2",                                       # an element string without identifier
             f"(01){GTIN}(21)DM-3",                                   # the bracketed form
             f"https://id.example.com/01/{GTIN}/21/DM-4"]             # a Digital Link URI
    answers = [ok(scan(api, move, code)) for code in codes]
    assert [(a["line_id"], a["serial"], a["assigned"]) for a in answers] == [(dock_line, f"DM-{i}", True) for i in (1, 2, 3, 4)]
    assert answers[0]["lot"] == "LOT-A"
    assert_error(scan(api, move, f"(01){GTIN}(21)DM-5"), 422, "too_many_serials")
    assert serials_of(api, move) == [[], ["DM-1", "DM-2", "DM-3", "DM-4"]]


def test_broken_gs1_is_refused_and_text_that_is_not_gs1_is_a_plain_serial(api):
    dock = barcoded(api, GTIN[1:])
    move = receipt(api, (dock, 2))
    error = assert_error(scan(api, move, f"(01){GTIN[:-1]}3(21)X"), 422, "invalid_gs1")
    assert "check digit" in error["message"]
    assert_error(scan(api, move, f"]d201{GTIN}17991"), 422, "invalid_gs1")  # AI 17 takes six digits
    assert ok(scan(api, move, "10D9T"))["serial"] == "10D9T", "biip alone would read this as lot D9T"
    assert serials_of(api, move) == [["10D9T"]]


def test_a_gs1_lot_scan_adds_one_unit_of_that_lot_with_its_expiry(api):
    syrup = barcoded(api, GTIN[1:], tracking="lot")
    move = receipt(api, (syrup, 3))
    first = ok(scan(api, move, f"]d201{GTIN}17271231{GS}10B-7"))
    assert (first["lot"], first["expiry_date"], first["assigned"]) == ("B-7", "2027-12-31", True)
    ok(scan(api, move, f"(01){GTIN}(10)B-7"))
    lots = ok(api.get(f"/moves/{move['id']}"))["lines"][0]["lots"]
    assert [(lot["name"], lot["quantity"], lot["expiry_date"]) for lot in lots] == [("B-7", 2, "2027-12-31")]


def test_scanning_needs_the_right_to_assign_and_a_pending_move(api):
    laptop = barcoded(api, None)
    move = receipt(api, (laptop, 1))
    assert_error(scan(api, move, "SN-9", role="accountant"), 403, "forbidden")
    ok(scan(api, move, "SN-9"))
    ok(api.as_("warehouse").post(f"/moves/{move['id']}/validate"))
    assert_error(scan(api, move, "SN-10"), 409, "invalid_state")
    assert_error(scan(api, move, ""), 400, "bad_request")
    assert_error(api.as_("warehouse").post("/moves/999999/scan", json={"code": "X"}), 404, "not_found")


def test_a_serial_number_stored_in_capitals_is_answered_as_stored_and_its_lower_case_twin_is_the_same_unit(api):
    laptop = barcoded(api, None)
    ok(api.as_("inventory_manager").patch(f"/products/{laptop['id']}", json={"serial_uppercase": True}))
    move = receipt(api, (laptop, 2))
    assert ok(scan(api, move, "lt-a001"))["serial"] == "LT-A001"
    error = assert_error(scan(api, move, "LT-A001"), 422, "duplicate_serial")
    assert "LT-A001 is given twice" in error["details"][0]["message"]
    assert serials_of(api, move) == [["LT-A001"]]


def test_another_products_unit_scanned_on_a_delivery_is_named_for_what_it_is(api):
    monitor, dock = barcoded(api, None, name="27-inch monitor"), barcoded(api, None)
    receive(api, monitor, ["MON-0009"])
    receive(api, dock, ["DK-1"])
    delivery = invoice_move(api, post_invoice(api, "customer_invoice", create_partner(api), [(dock, 1)]))
    error = assert_error(scan(api, delivery, "MON-0009"), 422, "serial_not_at_location")
    assert error["details"][0]["message"] == ("MON-0009 is a 27-inch monitor, not this product: "
                                              "scan the serial number of a unit of this one.")
    assert_error(scan(api, delivery, "DK-404"), 422, "serial_not_at_location")  # no product has it: check the number
    assert serials_of(api, delivery) == [[]]
