"""The host's own features, registered as an ordinary plugin: the core eats its own hooks."""
from __future__ import annotations

from .hookspecs import hookimpl


@hookimpl
def erp_permissions():
    return {
        "user.manage": set(),  # admin only
        "partner.write": {"accountant"},
        "product.write": {"inventory_manager"},
    }


@hookimpl
def erp_api_routes():
    from .core_api import routes

    return routes


@hookimpl
def erp_blueprints():
    from .master_views import bp as master_bp
    from .web import bp

    return [bp, master_bp]
