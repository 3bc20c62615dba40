"""Where labels go on the page: a roll of labels (one label per page, the page the size of the
label) or a sheet of labels (several per page). ``ERP_LABEL_SIZE`` names one; ``parse_label_size``
reads the setting. Sizes are in millimetres."""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class LabelLayout:
    name: str                 # the setting's value: "50x25mm", "a4-3x8"
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int = 1
    rows: int = 1
    left: float = 0.0         # margin of the sheet to the first column
    top: float = 0.0          # margin of the sheet to the first row
    padding: float = 1.5      # kept clear inside each label's edge

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def place(self, index: int) -> tuple[int, float, float]:
        """(page, x, y) of the ``index``-th label: its page (from 0) and its top-left corner,
        measured from the page's top-left corner."""
        page, slot = divmod(index, self.per_page)
        row, column = divmod(slot, self.columns)
        return page, self.left + column * self.label_width, self.top + row * self.label_height


# Sheets are printed by office printers, which place the paper less exactly than a label printer
# places a roll: their labels keep more clear space inside the edge.
SHEETS = {
    "a4-3x8": LabelLayout("a4-3x8", 210, 297, 70, 36, columns=3, rows=8, top=4.5, padding=3.0),
}
ROLL = re.compile(r"(\d{2,3})x(\d{2,3})mm")
ROLL_WIDTHS, ROLL_HEIGHTS = range(40, 151), range(20, 151)  # smaller labels cannot hold a readable barcode and text

LABEL_SIZE_HELP = ("Size of the unit labels: a roll of WIDTHxHEIGHTmm labels, one per page (50x25mm; 40 to 150 mm wide, 20 "
                   "to 150 mm high), or a4-3x8: A4 sheets of 3 x 8 labels of 70 x 36 mm.")


def parse_label_size(text: str) -> LabelLayout:
    """The layout ``ERP_LABEL_SIZE`` names; ``ValueError`` saying what is allowed otherwise."""
    value = text.strip().lower()
    if value in SHEETS:
        return SHEETS[value]
    roll = ROLL.fullmatch(value)
    if roll and int(roll[1]) in ROLL_WIDTHS and int(roll[2]) in ROLL_HEIGHTS:
        width, height = int(roll[1]), int(roll[2])
        return LabelLayout(value, width, height, width, height)
    raise ValueError(f"must be a roll size from 40x20mm to 150x150mm (width x height, such as 50x25mm) or "
                     f"{' or '.join(SHEETS)}, not {text!r}.")


DEFAULT_LAYOUT = parse_label_size("50x25mm")
