"""Rules of stock, one module per concept; callers import them from here.

Serial work is set-based so that its cost in SQL statements does not grow with the number of
units: the names of an assignment travel as one JSON parameter unpacked by the database
(``assignment.names_table``), every rule is one query joining the assigned rows to the serials,
and validation moves every unit with a handful of INSERT ... SELECT and UPDATE ... WHERE id IN
(SELECT ...) statements. No per-serial ORM object is built on that path.
Services never commit; the API request, web action or CLI command commits or rolls back."""
from .assignment import (assign_serials, available_serials_stmt, fill_with_oldest, generate_serials, generated_names,
                         line_serial_count, line_serial_names, move_serial_counts, move_serial_previews, remove_serial)
from .counts import add_counted, apply_count, cancel_count, count_moves, get_count, remove_counted, start_count
from .counts import difference as count_difference
from .delivery_slips import DeliverySlip, delivery_slip
from .exports import moves_export, serial_history_export, serials_export, stock_export
from .imports import ImportReport, import_serials
from .invoices import (cancel_invoice_moves, create_invoice_move, invoice_cancel_refusal, invoice_moves, invoices_moves,
                       recreate_invoice_move, uncovered_quantities)
from .locations import (DEFAULT_LOCATIONS, DEFAULT_STOCK, create_default_locations, create_location, get_location,
                        location_of_usage, locations_below, stock_location)
from .lots import (EXPIRED_OVERRIDE, add_lots, assign_lots, available_lots, create_lot, fill_lots_fefo, get_lot, line_lots, lot_history_stmt,
                   lot_locations, lot_sorting, lots_stmt, remove_lot, suggested_lots)
from .move_search import MOVE_SORTING, move_summaries, search_moves
from .moves import cancel_move, create_move, get_move, get_move_line, move_permission, quantity_problems
from .products import product_tracking, tracked_products, tracking_of, trackings
from .returns import correct, correct_lot, correct_serial, return_move, return_type, scrap_serial
from .serials import (create_serial, customers, get_serial, lookup_serial, name_contains, name_starts, serial_counts, serial_history_stmt,
                      serial_name_problem, serial_order, serials_stmt, SERIAL_SORTING, update_serial, warranty, warranty_of)
from .stock import stock_quantities_stmt, stock_sorting, stock_totals
from .trace import (document_serials_stmt, invoice_trace, partner_serial_counts, partner_serials_stmt, serial_journey,
                    serial_trace)
from .tracking_changes import convert_tracking
from .validation import validate_move

__all__ = [
    "add_counted", "add_lots", "EXPIRED_OVERRIDE", "apply_count", "lot_sorting", "stock_sorting", "stock_totals", "MOVE_SORTING", "move_summaries",
    "customers", "assign_lots", "assign_serials", "available_lots", "available_serials_stmt", "cancel_count",
    "cancel_invoice_moves", "cancel_move", "convert_tracking", "correct", "correct_lot", "correct_serial", "count_difference", "count_moves",
    "create_default_locations", "create_invoice_move", "create_location", "create_lot", "create_move", "create_serial",
    "DEFAULT_LOCATIONS", "DEFAULT_STOCK", "delivery_slip", "DeliverySlip", "document_serials_stmt", "fill_lots_fefo", "fill_with_oldest",
    "generate_serials", "generated_names", "get_count", "get_location", "get_lot", "get_move", "get_move_line", "get_serial",
    "import_serials", "ImportReport", "invoice_cancel_refusal", "invoice_moves", "invoice_trace", "invoices_moves", "line_lots",
    "line_serial_count", "line_serial_names", "location_of_usage", "locations_below", "lookup_serial", "lot_history_stmt", "lot_locations",
    "lots_stmt", "move_permission", "move_serial_counts", "move_serial_previews", "moves_export", "name_contains",
    "name_starts", "partner_serial_counts", "partner_serials_stmt", "product_tracking", "quantity_problems", "recreate_invoice_move", "remove_counted",
    "remove_lot", "remove_serial", "return_move", "return_type", "scrap_serial", "search_moves", "serial_counts", "serial_history_export",
    "serial_history_stmt", "serial_journey", "serial_name_problem", "serial_trace", "serials_export",
    "serial_order", "serials_stmt", "SERIAL_SORTING", "start_count", "stock_export", "stock_location", "stock_quantities_stmt", "suggested_lots", "tracking_of",
    "tracked_products", "trackings", "uncovered_quantities", "update_serial", "validate_move", "warranty", "warranty_of",
]
