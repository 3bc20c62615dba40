"""Unit labels read back as a scanner would: the PDF is rendered to images with pypdfium2 at 300 dpi,
each label is cut out where its layout puts it, and zxing-cpp decodes the barcode, whose text,
prefixed with its symbology identifier as a scanner sends it, goes through our GS1 interpreter.
On both label sizes: a roll of 50x25mm labels and A4 sheets of 3 x 8."""
from __future__ import annotations

from datetime import date

import pypdfium2
import pytest
import zxingcpp
from erp_addons.serial_tracking.services.gs1 import interpret
from erp_addons.serial_tracking.services.label_layouts import parse_label_size
from erp_addons.serial_tracking.services.label_pdf import LabelUnit, render_labels

from .common import assign, create_partner, create_product, invoice_move, post_invoice

SIZES = ["50x25mm", "a4-3x8"]
DPI = 300
GTIN = "09506000134352"


@pytest.fixture(params=SIZES)
def app_settings(request):
    return {"ERP_LABEL_SIZE": request.param}


def read_labels(pdf: bytes, size: str, count: int) -> list[tuple[list, str]]:
    """For each of ``count`` labels: the barcodes decoded inside its box, and the page's text."""
    layout = parse_label_size(size)
    document = pypdfium2.PdfDocument(pdf)
    try:
        assert len(document) == -(-count // layout.per_page)
        pages = []
        for page in document:
            pages.append((page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L"), page.get_textpage().get_text_bounded()))
        labels = []
        for index in range(count):
            number, left, top = layout.place(index)
            image, text = pages[number]
            box = tuple(round(v * DPI / 25.4) for v in (left, top, left + layout.label_width, top + layout.label_height))
            found = zxingcpp.read_barcodes(image.crop(box), formats=[zxingcpp.BarcodeFormat.DataMatrix, zxingcpp.BarcodeFormat.Code128],
                                           text_mode=zxingcpp.TextMode.Plain)
            labels.append((found, text))
        return labels
    finally:
        document.close()


def scanned(barcode) -> str:
    """What a scanner set up to send symbology identifiers types for this barcode."""
    return barcode.symbology_identifier + barcode.text


def pending_receipt(api, lines: list[tuple[dict, list[str]]]) -> dict:
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(product, len(names)) for product, names in lines]))
    for index, (_, names) in enumerate(lines):
        assert assign(api, move, names, line=index).status_code == 200
    return move


def test_every_serial_of_a_20_unit_move_reads_back_in_line_order(api, app_settings):
    pump, valve = create_product(api, "Pump housing"), create_product(api, "Valve body DN50")
    names = [[f"SN-2026-{n:04d}" for n in range(1, 13)], [f"V{n}-10D9T" for n in range(8)]]
    move = pending_receipt(api, [(pump, names[0]), (valve, names[1])])
    response = api.get(f"/moves/{move['id']}/labels.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="{move["reference"].replace("/", "-")}-labels.pdf"'
    labels = read_labels(response.data, app_settings["ERP_LABEL_SIZE"], 20)
    expected = [("Pump housing", name) for name in names[0]] + [("Valve body DN50", name) for name in names[1]]
    for (found, text), (product, serial) in zip(labels, expected, strict=True):
        assert [(b.format, b.symbology_identifier, b.content_type) for b in found] == [
            (zxingcpp.BarcodeFormat.Code128, "]C0", zxingcpp.ContentType.Text)], serial
        assert found[0].text == serial
        scan = interpret(scanned(found[0]))
        assert (scan.kind, scan.serial) == ("serial", serial)
        assert serial in text and product in text  # the serial and the product's name as text too


def test_a_product_with_a_gtin_gets_gs1_datamatrix_labels_that_read_back_as_gtin_and_serial(api, app_settings):
    sterile = create_product(api, "Infusion set, sterile")
    ok_patch = api.as_("inventory_manager").patch(f"/products/{sterile['id']}", json={"barcode": "9506000134352"})  # a GTIN-13
    assert ok_patch.status_code == 200
    plain = create_product(api, "Laptop")
    move = pending_receipt(api, [(plain, ["LT-A001"]), (sterile, ["ABC123", "A(B)C-7"])])
    response = api.get(f"/moves/{move['id']}/labels.pdf")
    labels = read_labels(response.data, app_settings["ERP_LABEL_SIZE"], 3)
    assert [b.text for b in labels[0][0]] == ["LT-A001"]
    for (found, text), serial in zip(labels[1:], ["ABC123", "A(B)C-7"], strict=True):
        [barcode] = found
        assert (barcode.format, barcode.symbology_identifier, barcode.content_type) == (
            zxingcpp.BarcodeFormat.DataMatrix, "]d2", zxingcpp.ContentType.GS1)
        assert barcode.text == f"01{GTIN}21{serial}"
        scan = interpret(scanned(barcode))
        assert (scan.kind, scan.gtin, scan.serial, scan.lot) == ("gs1", GTIN, serial, None)
        assert f"(01) {GTIN}" in text and f"(21) {serial}" in text and "Infusion set, sterile" in text


def test_serial_labels_by_id_read_back_in_the_order_asked(api, app_settings):
    product = create_product(api, "Router")
    move = pending_receipt(api, [(product, ["R-1", "R-2", "R-3"])])
    assert api.as_("warehouse").post(f"/moves/{move['id']}/validate").status_code == 200
    ids = {s["name"]: s["id"] for s in api.get(f"/serials?product_id={product['id']}").get_json()["items"]}
    response = api.get(f"/serials/labels.pdf?ids={ids['R-3']},{ids['R-1']},{ids['R-3']}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    labels = read_labels(response.data, app_settings["ERP_LABEL_SIZE"], 2)  # R-3 asked twice: one label
    assert [[b.text for b in found] for found, _ in labels] == [["R-3"], ["R-1"]]


# ---------------------------------------------------------------- the drawing alone


@pytest.mark.parametrize("size", SIZES)
def test_lot_and_expiry_go_into_the_gs1_data(size):
    units = [LabelUnit("Saline 0.9 %", "SN-7", gtin="9506000134352", lot="LOT-2026-A", expiry=date(2027, 3, 31)),
             LabelUnit("Saline 0.9 %", "SN-8", gtin="9506000134352", lot="L" * 20, expiry=date(2030, 12, 31))]
    labels = read_labels(render_labels(units, parse_label_size(size)), size, 2)
    for (found, text), unit in zip(labels, units, strict=True):
        scan = interpret(scanned(found[0]))
        assert (scan.kind, scan.gtin, scan.serial, scan.lot, scan.expiry) == ("gs1", GTIN, unit.serial, unit.lot, unit.expiry)
        assert f"(10) {unit.lot}" in text.replace("\r\n", " ")


@pytest.mark.parametrize("size", SIZES)
def test_serials_code_128_cannot_hold_get_a_plain_datamatrix(size):
    units = [LabelUnit("Sensor", "Ñandú-序列-0001"),                                 # not ASCII
             LabelUnit("Sensor", "SERIAL-NUMBER-THAT-IS-VERY-LONG-0000000001"),    # too long for thin bars
             LabelUnit("Sensor", "has space 1", gtin="9506000134352"),             # GS1 cannot carry a space: plain Code 128
             LabelUnit("Sensor", "S" * 64, gtin="9506000134352")]                  # nor 64 characters
    labels = read_labels(render_labels(units, parse_label_size(size)), size, 4)
    read = [(found[0].format, found[0].symbology_identifier, found[0].text) for found, _ in labels]
    assert read == [(zxingcpp.BarcodeFormat.DataMatrix, "]d1", units[0].serial), (zxingcpp.BarcodeFormat.DataMatrix, "]d1", units[1].serial),
                    (zxingcpp.BarcodeFormat.Code128, "]C0", units[2].serial), (zxingcpp.BarcodeFormat.DataMatrix, "]d1", units[3].serial)]
    assert all(interpret(scanned(found[0])).serial == unit.serial for (found, _), unit in zip(labels, units))


def test_a_full_a4_sheet_then_a_second_page():
    units = [LabelUnit("Pump", f"P-{n}") for n in range(25)]
    labels = read_labels(render_labels(units, parse_label_size("a4-3x8")), "a4-3x8", 25)
    assert [found[0].text for found, _ in labels] == [f"P-{n}" for n in range(25)]


def test_a_move_s_lot_lines_get_one_label_per_lot_after_its_serials(api, app_settings):
    """Issue 11: a lot's label carries AI 01 + 10 (+ 17 when the lot expires) when the product has a
    GTIN, else a Code 128 of the lot name; it comes after the move's serial numbers."""
    from .test_lots import put_lots

    saline = create_product(api, "Saline 0.9 %", tracking="lot")
    assert api.as_("inventory_manager").patch(f"/products/{saline['id']}", json={"barcode": "9506000134352"}).status_code == 200
    gauze = create_product(api, "Gauze pads", tracking="lot")
    laptop = create_product(api, "Laptop")
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(saline, 5), (laptop, 1), (gauze, 3)]))
    assert put_lots(api, move, [("LOT-2026-A", 3, date(2027, 3, 31)), ("LOT-B", 2, None)]).status_code == 200
    assert assign(api, move, ["LT-1"], line=1).status_code == 200
    assert put_lots(api, move, [("G-10D9T", 3, None)], line=2).status_code == 200

    response = api.get(f"/moves/{move['id']}/labels.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    labels = read_labels(response.data, app_settings["ERP_LABEL_SIZE"], 4)
    reads = [interpret(scanned(found[0])) for found, _ in labels]
    assert [(scan.kind, scan.gtin, scan.serial, scan.lot, scan.expiry) for scan in reads] == [
        ("serial", None, "LT-1", None, None),
        ("gs1", GTIN, None, "LOT-2026-A", date(2027, 3, 31)),
        ("gs1", GTIN, None, "LOT-B", None),
        ("serial", None, "G-10D9T", None, None)]  # a Code 128 of the lot name: "10D9T" stays a name
    assert labels[3][0][0].format == zxingcpp.BarcodeFormat.Code128
    assert "(10) LOT-2026-A" in labels[1][1] and "Saline 0.9 %" in labels[1][1] and "Gauze pads" in labels[3][1]

    # a range across the serials and the lots
    ranged = api.get(f"/moves/{move['id']}/labels.pdf?offset=2&limit=1")
    [(found, _)] = read_labels(ranged.data, app_settings["ERP_LABEL_SIZE"], 1)
    assert interpret(scanned(found[0])).lot == "LOT-B"
