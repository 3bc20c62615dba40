"""Hooks the host offers to every addon. Each addon that owns an event declares its own specs in
its ``hookspecs`` module; implementations live in an addon's ``hooks`` module.
Every spec here has a reference section in docs/addons.md (a test checks it)."""
from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("erp")
hookimpl = pluggy.HookimplMarker("erp")


@hookspec
def erp_blueprints():
    """Return a list of Flask blueprints holding the addon's web pages."""


@hookspec
def erp_api_routes():
    """Return an ``ApiRoutes`` collection whose endpoints are served under ``/api/v1``."""


@hookspec
def erp_menu_items():
    """Return ``MenuItem`` entries for the header's application menu."""


@hookspec
def erp_dashboard_cards(user):
    """Return ``DashboardCard`` objects for the home page of ``user``."""


@hookspec
def erp_detail_panels(record):
    """Return ``Panel`` objects to show on the detail page of ``record`` (any model instance)."""


@hookspec
def erp_permissions():
    """Return ``{action: {role, ...}}``: which roles may perform each action the addon guards."""


@hookspec
def erp_cli_commands():
    """Return click commands to add to the ``erp`` command line."""


@hookspec
def erp_init_data():
    """Create the addon's default data (idempotent); called by ``erp init`` in its transaction."""


@hookspec
def erp_demo_data():
    """Create demonstration data (idempotent); called by ``erp init --demo`` after default data."""


@hookspec
def erp_product_fields():
    """Return ``ExtraField`` descriptions of columns the addon added to Product, for the API and form."""


@hookspec
def erp_product_check(product):
    """Return a list of problems (``{"field", "code", "message"}``) with ``product`` before it is saved."""
