"""The Export buttons of the inventory lists: each streams the CSV of its list with the filters the
page shows now (the API's exports, for people), and a unit's history from its page."""
from __future__ import annotations

from erp_core.csvfiles import csv_response

from .. import services
from . import bp
from .moves import move_filters
from .serials import serial_filters
from .stock import stock_filters


@bp.route("/serials/export.csv")
def serials_csv():
    return csv_response(services.serials_export(**serial_filters()))


@bp.route("/serials/<int:serial_id>/history.csv")
def serial_history_csv(serial_id: int):
    return csv_response(services.serial_history_export(services.get_serial(serial_id)))


@bp.route("/moves/export.csv")
def moves_csv():
    return csv_response(services.moves_export(**move_filters()))


@bp.route("/stock/export.csv")
def stock_csv():
    return csv_response(services.stock_export(**stock_filters()))
