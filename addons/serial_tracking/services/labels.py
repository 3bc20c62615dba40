"""Unit labels: which units a request prints (the serials of a move and one label per lot of its lot
lines, or serials by id), checked and in order, and their PDF in the layout ``ERP_LABEL_SIZE`` sets (label_pdf.py draws it)."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from erp_core.barcodes import gtin14
from erp_core.database import MAX_ID, db
from erp_core.errors import BadRequest, DomainError
from erp_core.models import Product

from ..models import MoveLineLot, MoveLineSerial, Serial, StockMove, StockMoveLine
from .label_pdf import LabelUnit, render_labels
from .lots import line_lots

MAX_LABELS = 1000  # labels of one PDF: about a second to draw and a megabyte to send


def _label_counts(move: StockMove) -> tuple[int, int]:
    """(labels of serial numbers, labels of lots) of the move, in one query."""
    return tuple(db.session.execute(select(select(func.count()).where(MoveLineSerial.move_id == move.id).scalar_subquery(),
                                           select(func.count()).where(MoveLineLot.move_id == move.id).scalar_subquery())).one())


def move_label_count(move: StockMove) -> int:
    """The labels of the move: one per serial number, one per lot on its lot lines."""
    return sum(_label_counts(move))


def _lot_units(move: StockMove) -> list[LabelUnit]:
    """One label per lot of the move's lot lines, line by line: a lot's label carries no serial."""
    lots = line_lots([line.id for line in move.lines if line.tracking == "lot"])
    return [LabelUnit(line.product.name, None, gtin14(line.product.barcode), lot=entry["name"], expiry=entry["expiry_date"])
            for line in sorted(move.lines, key=lambda line: line.id) for entry in lots.get(line.id, [])]


def move_labels_pdf(move: StockMove, offset: int = 0, limit: int | None = None) -> bytes:
    """One label per serial of the move, line by line, each line's serials in the order they were
    assigned, then one label per lot of its lot lines. Without ``limit`` every label, and a move of
    more than MAX_LABELS is refused with the ranges to ask for; ``offset`` and ``limit`` print one
    range of them."""
    if limit is not None and not 1 <= limit <= MAX_LABELS:
        raise BadRequest(f"limit must be from 1 to {MAX_LABELS}.", [{"field": "query.limit", "code": "invalid_limit",
                                                                    "message": f"At most {MAX_LABELS} labels at once."}])
    serials, lot_labels = _label_counts(move)
    total = serials + lot_labels
    if limit is None and total - offset > MAX_LABELS:
        raise DomainError("too_many_labels", f"{move.reference} has {total:,} serial numbers; print at most {MAX_LABELS:,} "
                          f"labels at once: offset=0&limit={MAX_LABELS}, then offset={MAX_LABELS}&limit={MAX_LABELS}, and so on.",
                          [{"move_id": move.id, "code": "too_many_labels", "message": f"{total:,} serial numbers."}])
    wanted = limit if limit is not None else MAX_LABELS
    rows = db.session.execute(
        select(MoveLineSerial.name, Product.name, Product.barcode)
        .join(StockMoveLine, StockMoveLine.id == MoveLineSerial.line_id).join(Product, Product.id == MoveLineSerial.product_id)
        .where(MoveLineSerial.move_id == move.id).order_by(StockMoveLine.id, MoveLineSerial.id)
        .offset(offset).limit(wanted)).all()
    units = [LabelUnit(product, name, gtin14(barcode)) for name, product, barcode in rows]
    if len(units) < wanted:  # past the serial numbers: the lots' labels
        start = max(0, offset - serials)
        units += _lot_units(move)[start:start + wanted - len(units)]
    if not units:
        lots = " or lots" if any(line.tracking == "lot" for line in move.lines) else ""
        message = (f"{move.reference} has no serial numbers{lots} to label yet: assign them first." if not total
                   else f"{move.reference} has {total:,} labels: none from offset {offset:,}.")
        raise DomainError("no_serials", message, [{"move_id": move.id, "code": "no_serials", "message": message}])
    return render_labels(units, current_app.config["ERP_LABEL_SIZE"], title=f"Labels of {move.reference}")


def parse_serial_ids(text: str) -> list[int]:
    """The ids of ``1,2,3``, each once, in the order given; 400 naming what is not an id, or when
    there are none or more than MAX_LABELS."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise BadRequest("Give the ids of the serial numbers to label: ids=1,2,3.",
                         [{"field": "query.ids", "code": "missing", "message": "No ids."}])
    wrong = [item for item in items if not (item.isascii() and item.isdigit() and 1 <= int(item) <= MAX_ID)]
    if wrong:
        raise BadRequest(f"ids must be whole numbers from 1 to {MAX_ID}, separated by commas; these are not: "
                         f"{', '.join(wrong[:20])}.",
                         [{"field": "query.ids", "code": "invalid_id", "message": f"{item!r} is not an id."} for item in wrong])
    ids = list(dict.fromkeys(int(item) for item in items))
    if len(ids) > MAX_LABELS:
        raise BadRequest(f"At most {MAX_LABELS:,} labels at once; {len(ids):,} ids were given. Send them in several requests.",
                         [{"field": "query.ids", "code": "too_many_labels", "message": f"{len(ids):,} ids."}])
    return ids


def serial_labels_pdf(ids: list[int]) -> bytes:
    """One label per serial, in the order of ``ids``; 404 naming the ids no serial has."""
    serials = {serial.id: serial for serial in db.session.scalars(
        select(Serial).options(joinedload(Serial.product)).where(Serial.id.in_(ids)))}
    missing = [serial_id for serial_id in ids if serial_id not in serials]
    if missing:
        named = ", ".join(str(serial_id) for serial_id in missing[:20])
        if len(missing) > 20:
            named += f" and {len(missing) - 20} more"
        details = [{"id": serial_id, "code": "not_found", "message": "No serial number has this id."} for serial_id in missing]
        raise DomainError("not_found", f"There is no serial number with id {named}; nothing was printed.", details, status=404)
    units = [LabelUnit(serials[i].product.name, serials[i].name, gtin14(serials[i].product.barcode)) for i in ids]
    title = f"Label of {units[0].serial}" if len(units) == 1 else f"Labels of {len(units)} serial numbers"
    return render_labels(units, current_app.config["ERP_LABEL_SIZE"], title=title)


def label_ranges(count: int) -> list[tuple[int, int]]:
    """(offset, limit) of each PDF it takes to print ``count`` labels, MAX_LABELS at a time."""
    return [(start, min(MAX_LABELS, count - start)) for start in range(0, count, MAX_LABELS)]
