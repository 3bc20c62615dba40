"""The host's own endpoints, one module per concept: health, OpenAPI, addons and the audit trail;
tokens and users; partners; products. Each adds its endpoints to ``routes``."""
from ..api import ApiRoutes

routes = ApiRoutes("core")

from . import system, users, partners, products  # noqa: E402,F401,I001  (they add their endpoints to routes, in this order)
