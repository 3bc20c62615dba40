"""What a scanner typed on a pending move, understood and acted on in one place for the API and
the move page: a product barcode says which line it is, a serial number (plain or inside GS1 data)
is assigned, a GS1 lot adds one unit of that lot. Assignment applies its usual rules and codes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from erp_core.database import db
from erp_core.errors import DomainError
from erp_core.models import Product

from ..models import StockMove, StockMoveLine
from . import gs1
from .assignment import assign_serials
from .lots import add_lots
from .moves import check_line
from .serial_rules import serial_for
from .validation import assigned_quantities


@dataclass(frozen=True)
class ScanResult:
    line: StockMoveLine
    reading: gs1.Scan
    serial: str | None = None
    lot: str | None = None
    expiry_date: date | None = None
    assigned: bool = False

    def to_dict(self) -> dict:
        found = {"line_id": self.line.id, "product_id": self.line.product_id, "assigned": self.assigned}
        return found | {key: value for key, value in (("serial", self.serial), ("lot", self.lot), ("expiry_date", self.expiry_date)) if value}

    def understood_as(self) -> list[str]:
        """What the scan was read as, in words for the person scanning: "GTIN 09506000134352 → Laptop 14",
        "serial ABC123", "lot L-7, expires 2027-03-31"."""
        words = []
        product = self.line.product.name
        gtin = self.reading.gtin or self.reading.content_gtin
        if gtin:
            words.append(f"GTIN {gtin} → {product}")
        elif not self.assigned:  # a product barcode that is not a GTIN
            words.append(f"barcode {self.reading.serial} → {product}")
        if self.serial:
            turned = self.serial != self.reading.serial  # the product keeps its serial numbers in capitals
            words.append(f"serial {self.serial}" + (f" (scanned as {self.reading.serial})" if turned else ""))
        if self.lot:
            words.append(f"lot {self.lot}" + (f", expires {self.expiry_date.isoformat()}" if self.expiry_date else ""))
        return words


def _refuse(code: str, message: str) -> DomainError:
    return DomainError(code, message, [{"field": "code", "code": code, "message": message}])


def _line_of_gtin(move: StockMove, gtin: str) -> StockMoveLine:
    """The line of the product whose barcode is ``gtin`` (in any of its lengths); of several lines of
    that product, the first that still lacks units."""
    spellings = gs1.gtin_spellings(gtin)
    lines = [line for line in move.lines if line.product.barcode in spellings]
    if not lines:
        product = db.session.scalar(select(Product).where(Product.barcode.in_(spellings)))
        if product is None:
            raise _refuse("scan_unknown_product", f"No product has the barcode {gtin}: check the product's barcode field.")
        raise _refuse("product_not_on_move", f"{product.display_name} is not on {move.reference}: set this unit aside.")
    return (_lacking(move, lines) or lines)[0]


def _line_of_barcode(move: StockMove, code: str) -> StockMoveLine | None:
    """The line of a product whose (non-GTIN) barcode is ``code``, if any."""
    return next((line for line in move.lines if line.product.barcode and line.product.barcode == code), None)


def _lacking(move: StockMove, lines: list[StockMoveLine]) -> list[StockMoveLine]:
    """The serial- or lot-tracked lines among ``lines`` (of ``move``) that still lack units, exactly
    (a lot line of 2.5 holding 2.5 is full)."""
    held = assigned_quantities(move)
    return [line for line in lines if line.tracking in ("serial", "lot") and held.get(line.id, 0) < line.quantity]


def _line_for_serial(move: StockMove) -> StockMoveLine:
    """The only serial-tracked line still lacking serial numbers (or the only serial-tracked line)."""
    serial_lines = [line for line in move.lines if line.tracking == "serial"]
    if len(serial_lines) == 1:  # full or not (assignment says when it is full): no need to count
        return serial_lines[0]
    lacking = _lacking(move, serial_lines)
    if len(lacking) == 1:
        return lacking[0]
    if not serial_lines:
        raise _refuse("scan_ambiguous", f"No line of {move.reference} takes serial numbers: scan a product barcode or GS1 code with a lot.")
    products = ", ".join(line.product.display_name for line in lacking or serial_lines)
    raise _refuse("scan_ambiguous", f"Which line is this serial number for? Lines lacking serial numbers: {products}. "
                                    "Scan the product's barcode first, or scan on the line itself.")


def _assign_serial(move: StockMove, line: StockMoveLine, raw: str, user) -> str:
    """Assign one scanned serial number to ``line``; the name as stored (in capitals when the product asks)."""
    assign_serials(move, line, [raw], replace=False, user=user)
    return serial_for(raw, bool(line.product_tracking and line.product_tracking.serial_uppercase))


def scan(move: StockMove, code: str, line: StockMoveLine | None = None, user=None) -> ScanResult:
    """Act on ``code``, what a scanner typed, on ``move``. ``line``: the line the user is scanning on
    (the page remembers the one a product barcode chose), where a plain serial goes."""
    if line is not None:
        check_line(move, line)
    reading = gs1.interpret(code)
    if reading.kind == "invalid_gs1":
        raise _refuse("invalid_gs1", f"This GS1 code cannot be read: {reading.error}")
    if reading.kind == "gtin":
        return ScanResult(_line_of_gtin(move, reading.gtin), reading)
    if reading.kind == "serial":
        barcode_line = _line_of_barcode(move, reading.serial)
        if barcode_line is not None:
            return ScanResult(barcode_line, reading)
        line = line or _line_for_serial(move)
        if line.tracking == "lot":
            add_lots(move, line, [{"name": reading.serial, "quantity": 1}], user)  # a scan is one unit
            return ScanResult(line, reading, lot=reading.serial, assigned=True)
        return ScanResult(line, reading, serial=_assign_serial(move, line, reading.serial, user), assigned=True)
    gtin = reading.gtin or reading.content_gtin
    line = _line_of_gtin(move, gtin) if gtin else line or _line_for_serial(move)
    found = {"serial": reading.serial, "lot": reading.lot, "expiry_date": reading.expiry}
    if reading.serial and line.tracking != "lot":
        return ScanResult(line, reading, assigned=True, **found | {"serial": _assign_serial(move, line, reading.serial, user)})
    if reading.lot and line.tracking == "lot":
        add_lots(move, line, [{"name": reading.lot, "quantity": 1, "expiry_date": reading.expiry}], user)
        return ScanResult(line, reading, assigned=True, **found)
    return ScanResult(line, reading, **found)
