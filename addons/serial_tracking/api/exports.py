"""CSV exports over HTTP: each list with the filters of its JSON form, and one unit's history;
``text/csv`` with a header row, streamed as it is read."""
from __future__ import annotations

from erp_core.api import without_paging
from erp_core.csvfiles import csv_response

from .. import services
from . import routes
from .moves import MoveQuery
from .serials import SerialQuery
from .stock import StockQuery

SerialFilters, MoveFilters, StockFilters = without_paging(SerialQuery), without_paging(MoveQuery), without_paging(StockQuery)


@routes.route("/serials.csv", summary="The serial numbers GET /serials lists, with the same filters, as a CSV file (streamed)",
              query=SerialFilters, produces="text/csv")
def export_serials(query: SerialFilters):
    return csv_response(services.serials_export(query.product_id, query.status, query.location_id, query.q, query.match))


@routes.route("/serials/<int:serial_id>/history.csv", summary="Every done move of this unit, oldest first, as a CSV file (streamed)",
              produces="text/csv")
def export_serial_history(serial_id: int):
    return csv_response(services.serial_history_export(services.get_serial(serial_id)))


@routes.route("/moves.csv", summary="The stock moves GET /moves lists, with the same filters, as a CSV file: one row per line "
              "of a move (streamed)", query=MoveFilters, produces="text/csv")
def export_moves(query: MoveFilters):
    return csv_response(services.moves_export(query.state, query.type, query.invoice_id))


@routes.route("/stock.csv", summary="Stock on hand as GET /stock lists it, with the same filters, as a CSV file (streamed)",
              query=StockFilters, produces="text/csv")
def export_stock(query: StockFilters):
    return csv_response(services.stock_export(query.product_id, query.location_id))
