"""``/api/v1`` locations, stock moves and serial assignment, serial numbers, stock on hand and unit labels: the
serial_tracking services over HTTP (see ../shared/spec/api-v1.md). One module per concept; each
adds its endpoints to ``routes``."""
from erp_core.api import ApiRoutes

routes = ApiRoutes("serial_tracking")

from . import (counts, exports, imports, invoices, labels, locations, lots, moves, scan, serials, stock,  # noqa: E402,F401
               trace)  # (they add their endpoints to routes)
