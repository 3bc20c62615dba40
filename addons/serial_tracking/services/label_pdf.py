"""Unit labels as a PDF: each label shows the product's name, the serial number (or, on a lot's
label, the lot name) as text, and a barcode a scanner reads back:

- a GS1 DataMatrix of AI 01 + 21 (and 17 + 10 when the unit has a lot), or 01 + 10 (+ 17) on a
  lot's label, when the product's barcode is a GTIN, with the data in brackets beside it (the GS1
  "HRI" text);
- otherwise a Code 128 of the serial number (or lot name), with it under the bars;
- or, for a serial Code 128 cannot hold on the label (not ASCII, or too long for the label's
  width even with thin bars), a plain DataMatrix of it.

Sizes follow what scanners and label printers need: DataMatrix modules of 0.5 mm (4 dots of a
203 dpi printer, 6 of a 300 dpi one), Code 128 narrow bars of 0.25 mm, made thinner down to
0.19 mm when the serial is long, with the 10-bar quiet zone on each side. reportlab draws
the page and the Code 128; zxing-cpp (zint inside) encodes the DataMatrix, whose modules are drawn
here as vector squares, so each is exactly its size at any printer resolution.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import zxingcpp
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from erp_core.errors import DomainError

from .gs1 import GS1DataError, gs1_data
from .label_layouts import LabelLayout

MATRIX_MODULE = 0.5 * mm
MATRIX_MODULE_MIN = 0.25 * mm   # a long serial's DataMatrix shrinks to fit the label height, down to this
BAR = 0.25 * mm
BAR_MIN = 0.19 * mm
BARS_MAX_HEIGHT = 15 * mm
TEXT_COLUMN_MIN = 15 * mm       # room kept right of a DataMatrix for the name and the serial
FONT, BOLD = "Helvetica", "Helvetica-Bold"
LEADING = 1.18                  # line height / font size


@dataclass(frozen=True)
class LabelUnit:
    """One unit to label, or one lot (``serial`` None). ``gtin``: the product's barcode when it is a
    GTIN (any length)."""

    product: str
    serial: str | None
    gtin: str | None = None
    lot: str | None = None
    expiry: date | None = None

    @property
    def code(self) -> str:
        """What the label identifies: the serial number, or the lot of a lot's label."""
        return self.serial if self.serial is not None else self.lot


@dataclass(frozen=True)
class Line:
    text: str
    size: float
    font: str = FONT
    max_lines: int = 1


def render_labels(units: list[LabelUnit], layout: LabelLayout, title: str = "Labels") -> bytes:
    """The PDF of one label per unit, in order, placed as ``layout`` says."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(layout.page_width * mm, layout.page_height * mm), invariant=True)
    canvas.setTitle(title)
    canvas.setCreator("ERP unit labels")
    current_page = 0
    for index, unit in enumerate(units):
        page, left, top = layout.place(index)
        if page != current_page:
            canvas.showPage()
            current_page = page
        pad = layout.padding
        box = ((left + pad) * mm, (layout.page_height - top - layout.label_height + pad) * mm,
               (layout.label_width - 2 * pad) * mm, (layout.label_height - 2 * pad) * mm)
        _draw_label(canvas, unit, box, _base_size(layout))
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _base_size(layout: LabelLayout) -> float:
    """The product name's font size: larger labels get larger text, within 6 to 9 points."""
    return min(9.0, max(6.0, layout.label_height / 3.4))


def _draw_label(canvas: Canvas, unit: LabelUnit, box, size: float) -> None:
    x, y, width, height = box
    name = Line(unit.product, size, BOLD, max_lines=2)
    data = _gs1(unit)
    if data is not None:
        key = "(21)" if unit.serial is not None else "(10)"  # what identifies the unit or lot, in bold
        hri = [Line(text, size * 0.85, BOLD if text.startswith(key) else FONT, max_lines=2) for text in data.hri_lines]
        _draw_matrix(canvas, _modules(data.encoder_input, gs1=True), [name, *hri], box, unit.code)
        return
    bar = _bar_width(unit.code, width)
    if bar is not None:
        _draw_code128(canvas, unit.code, bar, name, box, size)
        return
    _draw_matrix(canvas, _modules(unit.code, gs1=False), [name, Line(unit.code, size, BOLD, max_lines=4)], box, unit.code)


def _gs1(unit: LabelUnit):
    if unit.gtin is None:
        return None
    try:
        return gs1_data(unit.gtin, unit.serial, unit.lot, unit.expiry)
    except GS1DataError:
        return None  # a serial GS1 cannot carry (a space, more than 20 characters): labelled as a plain serial


# ---------------------------------------------------------------- Code 128


def _code128(serial: str, bar: float, height: float = 1.0) -> Code128:
    return Code128(serial, barWidth=bar, barHeight=height, quiet=1, lquiet=10 * bar, rquiet=10 * bar)


def _bar_width(serial: str, width: float) -> float | None:
    """The narrow bar width at which the serial's Code 128 (quiet zones included) fits ``width``,
    or None when it does not fit even at the thinnest bars a scanner reads well, or is not ASCII."""
    if not serial.isascii() or not serial.isprintable():
        return None
    bar = BAR * min(1.0, width / _code128(serial, BAR).width)
    return bar if bar >= BAR_MIN else None


def _draw_code128(canvas: Canvas, serial: str, bar: float, name: Line, box, size: float) -> None:
    x, y, width, height = box
    name_lines = _wrap(name, width)
    serial_size = _shrink_to_width(serial, BOLD, size * 1.1, width)
    name_height = len(name_lines) * name.size * LEADING
    gap = 0.8 * mm
    bars_height = min(BARS_MAX_HEIGHT, height - name_height - serial_size * LEADING - 2 * gap)
    block = name_height + gap + bars_height + gap + serial_size * LEADING
    top = y + (height + block) / 2
    _draw_lines(canvas, name_lines, name, x, top, width, centred=True)
    symbol = _code128(serial, bar, bars_height)
    bars_bottom = top - name_height - gap - bars_height
    symbol.drawOn(canvas, x + (width - symbol.width) / 2, bars_bottom)
    canvas.setFont(BOLD, serial_size)
    canvas.drawCentredString(x + width / 2, bars_bottom - gap - serial_size, serial)


# ---------------------------------------------------------------- DataMatrix


def _modules(content: str, gs1: bool) -> list[list[bool]]:
    """The DataMatrix's module grid, top row first (True: dark). zxing-cpp does not check GS1 data:
    ``content`` comes from ``gs1_data``, which has."""
    options = {"gs1": True} if gs1 else {}
    symbol = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.DataMatrix, forceSquare=True, **options)
    image = zxingcpp.write_barcode_to_image(symbol, scale=1, add_quiet_zones=False)
    rows, columns = image.shape
    pixels = memoryview(image).tobytes()
    return [[pixels[row * columns + column] < 128 for column in range(columns)] for row in range(rows)]


def _draw_matrix(canvas: Canvas, modules: list[list[bool]], lines: list[Line], box, serial: str) -> None:
    x, y, width, height = box
    rows, columns = len(modules), len(modules[0])
    module = min(MATRIX_MODULE, (height - 2 * MATRIX_MODULE) / rows, (width - TEXT_COLUMN_MIN) / columns)
    if module < MATRIX_MODULE_MIN:
        raise DomainError("label_too_small", f"The barcode of {serial} does not fit the label; choose a larger ERP_LABEL_SIZE.",
                          [{"serial": serial, "code": "label_too_small", "message": "Its DataMatrix needs a larger label."}])
    side = rows * module
    quiet = max(module, MATRIX_MODULE)
    symbol_top = y + (height + side) / 2
    path = canvas.beginPath()
    for row, dark in enumerate(modules):
        bottom = symbol_top - (row + 1) * module
        column = 0
        while column < columns:  # one rectangle per run of dark modules: a smaller file, no seams inside a run
            if not dark[column]:
                column += 1
                continue
            start = column
            while column < columns and dark[column]:
                column += 1
            path.rect(x + quiet + start * module, bottom, (column - start) * module, module)
    canvas.setFillGray(0)
    canvas.drawPath(path, stroke=0, fill=1)
    text_x = x + quiet + columns * module + quiet + 1 * mm
    text_width = x + width - text_x
    _draw_text_block(canvas, lines, text_x, y, text_width, height)


# ---------------------------------------------------------------- text


def _draw_text_block(canvas: Canvas, lines: list[Line], x: float, y: float, width: float, height: float) -> None:
    """``lines`` one under the other, centred on the box's height; smaller when they do not fit, or
    when a line other than the first (the product's name) would be cut short."""
    for scale in (1.0, 0.9, 0.8, 0.7, 0.6):
        scaled = [Line(line.text, line.size * scale, line.font, line.max_lines) for line in lines]
        wrapped = [(line, _wrap(line, width)) for line in scaled]
        block = sum(len(texts) * line.size * LEADING for line, texts in wrapped)
        if block <= height and not any(texts[-1].endswith("…") for _, texts in wrapped[1:]):
            break
    top = y + (height + min(block, height)) / 2
    for line, texts in wrapped:
        top = _draw_lines(canvas, texts, line, x, top, width)


def _draw_lines(canvas: Canvas, texts: list[str], line: Line, x: float, top: float, width: float, centred: bool = False) -> float:
    """Draws ``texts`` from ``top`` down; answers where the next line starts."""
    canvas.setFont(line.font, line.size)
    for text in texts:
        top -= line.size * LEADING
        baseline = top + (LEADING - 1) * line.size + 0.2 * line.size  # the descenders stay inside the line
        if centred:
            canvas.drawCentredString(x + width / 2, baseline, text)
        else:
            canvas.drawString(x, baseline, text)
    return top


def _fits(text: str, font: str, size: float, width: float) -> bool:
    return stringWidth(text, font, size) <= width


def _shrink_to_width(text: str, font: str, size: float, width: float, smallest: float = 5.0) -> float:
    while size > smallest and not _fits(text, font, size, width):
        size -= 0.25
    return size


def _wrap(line: Line, width: float) -> list[str]:
    """The line's text in at most ``max_lines`` lines of ``width``: broken between words, or inside a
    word too long for one line; what does not fit ends in an ellipsis."""
    lines: list[str] = []
    current = ""
    for word in line.text.split():
        candidate = f"{current} {word}" if current else word
        if _fits(candidate, line.font, line.size, width):
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:  # a word longer than the line is broken where it must be
            if current and not _fits(current + char, line.font, line.size, width):
                lines.append(current)
                current = ""
            current += char
    if current:
        lines.append(current)
    if len(lines) > line.max_lines:
        last = lines[line.max_lines - 1]
        while last and not _fits(last + "…", line.font, line.size, width):
            last = last[:-1]
        lines = lines[:line.max_lines - 1] + [last.rstrip() + "…"]
    return lines
