"""``/api/v1`` locations, stock moves and serial assignment, serial numbers and stock on hand: the
serial_tracking services over HTTP (see ../shared/spec/api-v1.md). One module per concept; each
adds its endpoints to ``routes``."""
from erp_core.api import ApiRoutes

routes = ApiRoutes("serial_tracking")

from . import exports, imports, locations, moves, serials, stock  # noqa: E402,F401  (they add their endpoints to routes)
