"""Inventory pages: stock movements and their serial assignment, serial numbers, stock quantities,
locations and unit labels. Views parse the request, authorize, call the services and render; the rules live in the
services, so the UI can do exactly what the API can, no more. One module per page family; each adds
its routes to ``bp``."""
from flask import Blueprint

bp = Blueprint("serial_tracking", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/static/serial_tracking", url_prefix="/inventory")

from . import (counts, delivery_slips, exports, imports, invoices, labels, locations, lots, move_lots, move_page, moves,  # noqa: E402,F401
               returns, serials, stock, trace, tracking)  # (they add their routes to bp)
