"""Hooks the host offers to every addon. Each addon that owns an event declares its own specs in
its ``hookspecs`` module; implementations live in an addon's ``hooks`` module.
Every spec here has a reference section in docs/addons.md (a test checks it).

Pages and API endpoints need no hook: the host registers an addon's ``views.bp`` blueprint and
its ``api.routes`` collection when the addon ships those modules."""
from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("erp")
hookimpl = pluggy.HookimplMarker("erp")


@hookspec
def erp_roles():
    """Return ``Role`` objects: the roles the addon brings (users get exactly one role)."""


@hookspec
def erp_permissions():
    """Return ``{action: {role, ...}}``: which roles may perform each action the addon guards."""


@hookspec
def erp_settings():
    """Return ``Setting`` objects: the settings the addon reads from the environment or erp.env."""


@hookspec
def erp_menu_items():
    """Return ``MenuItem`` entries for the header's application menu."""


@hookspec
def erp_dashboard_cards(user):
    """Return ``DashboardCard`` objects for the home page of ``user``."""


@hookspec
def erp_detail_panels(record):
    """Return ``Panel`` objects to show on the detail page of ``record`` (any model instance)."""


@hookspec(firstresult=True)
def erp_audit_text(record_type, action, details):
    """Return an audit entry of the addon's records in words for Activity panels ("Posted as
    INV/2026/0001"), or None to leave it to other addons and the plain wording."""


@hookspec
def erp_record_extensions():
    """Return ``RecordExtension`` objects: fields the addon adds to another's records (API output,
    forms and detail pages), loaded for a page of records at once and saved with the record."""


@hookspec
def erp_cli_commands():
    """Return click commands to add to the ``erp`` command line."""


@hookspec
def erp_init_data():
    """Create the addon's default data (idempotent); called by ``erp init`` in its transaction."""


@hookspec
def erp_demo_data():
    """Create demonstration data (idempotent); called by ``erp init --demo`` after default data."""
