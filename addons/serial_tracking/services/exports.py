"""CSV exports of the inventory lists (serial numbers, stock moves, stock on hand) and of one unit's
history. Each takes the filters of its list and reads the same rows; the columns are those of the
JSON answers, with the names a person reads (product, location, partner, document number) next to
the ids. Each is one select of columns, streamed by ``erp_core.csvfiles``."""
from __future__ import annotations

from datetime import datetime, timezone
from itertools import groupby

from erp_addons.invoicing.models import Invoice
from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from erp_core.csvfiles import CsvExport, plain_number
from erp_core.models import Partner, Product, User

from ..models import Location, MoveLineLot, MoveLineSerial, ProductTracking, Serial, StockMove, StockMoveLine
from .move_search import MOVE_SORTING, search_moves
from .products import tracking_column
from .serials import serial_history_stmt, serial_order, serials_stmt, warranty_of
from .stock import stock_quantities_stmt

SERIAL_COLUMNS = ("id", "name", "product_id", "product_code", "product_name", "ref", "status", "location_id", "location",
                  "reserved_by_move_id", "reserved_by", "received_at", "vendor_id", "vendor", "vendor_bill_id", "vendor_bill",
                  "delivered_at", "customer_id", "customer", "customer_invoice_id", "customer_invoice", "warranty_end",
                  "warranty_status")
HISTORY_COLUMNS = ("date", "move_id", "reference", "type", "source_location", "dest_location", "user", "invoice_number")
MOVE_COLUMNS = ("move_id", "reference", "type", "state", "ready", "source_location_id", "source_location", "dest_location_id",
                "dest_location", "partner_id", "partner", "invoice_id", "invoice_number", "created_at", "done_at", "done_by",
                "line_id", "product_id", "product_code", "product_name", "quantity", "tracking", "serials_assigned", "lots_assigned")
STOCK_COLUMNS = ("product_id", "product_code", "product_name", "location_id", "location", "quantity", "reserved_quantity")


def _filename(kind: str) -> str:
    return f"{kind}-{datetime.now(timezone.utc).date().isoformat()}.csv"


def _filtered(stmt, listed):
    """``stmt`` with the filters of the list select ``listed`` (its WHERE clause), so the export
    holds exactly the rows the list shows."""
    return stmt.where(listed.whereclause) if listed.whereclause is not None else stmt


def serials_export(product_id: int | None = None, status: str | None = None, location_id: int | None = None,
                   q: str | None = None, match: str = "contains", customer_id: int | None = None, sort: str | None = None) -> CsvExport:
    """Serial numbers as ``GET /serials`` lists them, in the list page's order (``serial_order``)."""
    vendor, customer = aliased(Partner, name="vendor"), aliased(Partner, name="customer")
    bill, invoice = aliased(Invoice, name="vendor_bill"), aliased(Invoice, name="customer_invoice")
    reservation, reserver = aliased(MoveLineSerial, name="reservation"), aliased(StockMove, name="reserver")
    shown_status = case((reservation.id.is_not(None), "on_hand"), else_=Serial.stock_status)  # Serial.status, joined once
    stmt = (select(Serial.id, Serial.name, Serial.product_id, Product.default_code, Product.name, Serial.ref, shown_status,
                   Serial.location_id, Location.full_name, reservation.move_id, reserver.reference, Serial.received_at,
                   Serial.vendor_id, vendor.name, Serial.vendor_bill_id, bill.number, Serial.delivered_at, Serial.customer_id,
                   customer.name, Serial.customer_invoice_id, invoice.number, Location.usage, ProductTracking.warranty_months)
            .select_from(Serial).join(Product, Product.id == Serial.product_id)
            .outerjoin(ProductTracking, ProductTracking.product_id == Serial.product_id)
            .outerjoin(Location, Location.id == Serial.location_id)
            .outerjoin(reservation, (reservation.serial_id == Serial.id) & reservation.reserved)
            .outerjoin(reserver, reserver.id == reservation.move_id)
            .outerjoin(vendor, vendor.id == Serial.vendor_id).outerjoin(bill, bill.id == Serial.vendor_bill_id)
            .outerjoin(customer, customer.id == Serial.customer_id).outerjoin(invoice, invoice.id == Serial.customer_invoice_id))
    stmt = _filtered(stmt, serials_stmt(product_id, status, location_id, q, match, customer_id)).order_by(*serial_order(sort, q, match))
    today = datetime.now(timezone.utc).date()

    def lines(rows):
        for *values, usage, months in rows:
            yield (*values, *warranty_of(values[16], months, usage, today))  # values[16]: delivered_at

    return CsvExport(_filename("serials"), SERIAL_COLUMNS, stmt, lines)


def serial_history_export(serial: Serial) -> CsvExport:
    """Every done move of one unit, oldest first, as ``GET /serials/{id}/history`` lists them."""
    return CsvExport(f"serial-{serial.id}-history.csv", HISTORY_COLUMNS, serial_history_stmt(serial))


def moves_export(state: str | None = None, type: str | None = None, invoice_id: int | None = None, q: str | None = None,
                 sort: str | None = None) -> CsvExport:
    """Stock moves as their list shows them (newest first, or by ``sort``), one line of the file per line of a move:
    its product and quantity, and how many serial numbers it holds (the numbers themselves are in
    the serial and history exports and on the move's page) or what quantity its lots add up to."""
    source, dest, done_by = aliased(Location, name="source"), aliased(Location, name="dest"), aliased(User, name="done_by")
    assigned = (select(func.count()).select_from(MoveLineSerial).where(MoveLineSerial.line_id == StockMoveLine.id)
                .correlate(StockMoveLine).scalar_subquery())
    in_lots = (select(func.coalesce(func.sum(MoveLineLot.quantity), 0)).where(MoveLineLot.line_id == StockMoveLine.id)
               .correlate(StockMoveLine).scalar_subquery())
    stmt = (select(StockMove.id, StockMove.reference, StockMove.type, StockMove.state, StockMove.source_location_id, source.full_name,
                   StockMove.dest_location_id, dest.full_name, StockMove.partner_id, Partner.name, StockMove.invoice_id, Invoice.number,
                   StockMove.created_at, StockMove.done_at, done_by.username, StockMoveLine.id, StockMoveLine.product_id,
                   Product.default_code, Product.name, StockMoveLine.quantity, tracking_column(), assigned, in_lots)
            .select_from(StockMove).join(StockMoveLine, StockMoveLine.move_id == StockMove.id)
            .join(source, source.id == StockMove.source_location_id).join(dest, dest.id == StockMove.dest_location_id)
            .join(Product, Product.id == StockMoveLine.product_id)
            .outerjoin(ProductTracking, ProductTracking.product_id == StockMoveLine.product_id)
            .outerjoin(Partner, Partner.id == StockMove.partner_id).outerjoin(Invoice, Invoice.id == StockMove.invoice_id)
            .outerjoin(done_by, done_by.id == StockMove.done_by_id))
    stmt = _filtered(stmt, search_moves(state, type, invoice_id, q)).order_by(*MOVE_SORTING.order(sort), StockMoveLine.id)

    def lines(rows):
        # The rows of one move come together: "ready" (every serial- or lot-tracked line has all
        # its serials or lot quantities) is known once its last line is read.
        for _, move_rows in groupby(rows, key=lambda row: row[0]):
            move_rows = list(move_rows)
            ready = all(quantity == {"serial": serials, "lot": lots}.get(tracking, quantity)
                        for *_, quantity, tracking, serials, lots in move_rows)
            for *row, quantity, tracking, serials, lots in move_rows:
                yield (*row[:4], ready, *row[4:], plain_number(quantity), tracking, serials, plain_number(lots))

    return CsvExport(_filename("stock-moves"), MOVE_COLUMNS, stmt, lines)


def stock_export(product_id: int | None = None, location_id: int | None = None, sort: str | None = None) -> CsvExport:
    """Stock on hand per product and internal location, as ``GET /stock`` lists it (in the list
    page's order)."""
    listed = stock_quantities_stmt(product_id, location_id, sort)
    rows = listed.selected_columns
    stmt = (listed.with_only_columns(rows.product_id, Product.default_code, Product.name, rows.location_id, Location.full_name,
                                     rows.quantity, rows.reserved_quantity)
            .join(Product, Product.id == rows.product_id).join(Location, Location.id == rows.location_id))

    def lines(found):
        for *values, quantity, reserved in found:
            yield (*values, plain_number(quantity), plain_number(reserved))

    return CsvExport(_filename("stock"), STOCK_COLUMNS, stmt, lines)
