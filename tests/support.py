"""Helpers for the core's tests: throwaway addons written to a temporary folder or installed as a
distribution with an entry point."""
from __future__ import annotations

import textwrap
from pathlib import Path

from erp_core.addons import ENTRY_POINT_GROUP


def write_addon(folder: Path, package: str, manifest: dict, **modules: str) -> Path:
    """An addon package ``folder/package`` with ``__manifest__.py`` and the given modules
    (``hooks="..."``, ``hookspecs="..."``), their source dedented."""
    package_dir = folder / package
    package_dir.mkdir(parents=True)
    (package_dir / "__init__.py").write_text("")
    (package_dir / "__manifest__.py").write_text(repr(manifest) + "\n")
    for name, source in modules.items():
        (package_dir / f"{name}.py").write_text(textwrap.dedent(source))
    return package_dir


def write_distribution(site: Path, dist_name: str, entry_name: str, package: str) -> None:
    """Make ``site`` look like site-packages holding an installed distribution whose entry point
    in the ``erp_core.addons`` group names ``package`` (already written into ``site``)."""
    info = site / f"{dist_name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{entry_name} = {package}\n")


# The entry-point addon "gadgets" owns an event (a hook spec); the folder addon "widgets" depends
# on it and implements it. Discovery finds widgets first (folders come before entry points), so
# the load order gadgets → widgets proves that dependencies decide the order.
GADGETS_HOOKSPECS = '''
    from erp_core.hookspecs import hookspec


    @hookspec
    def gadgets_labels():
        """Return labels to show on the gadgets page."""
'''

GADGETS_VIEWS = '''
    from flask import Blueprint, current_app

    bp = Blueprint("gadgets", __name__, url_prefix="/gadgets")


    @bp.route("/")
    def index():
        labels = [label for found in current_app.extensions["erp"].hook.gadgets_labels() for label in found]
        return "<h1>Gadgets</h1><p>Labels: " + ", ".join(sorted(labels)) + "</p>"
'''

GADGETS_HOOKS = '''
    import click
    from flask.cli import with_appcontext

    from erp_core.cli import command_transaction
    from erp_core.database import db
    from erp_core.hookspecs import hookimpl
    from erp_core.models import Partner
    from erp_core.ui import DashboardCard, MenuItem


    @hookimpl
    def erp_menu_items():
        return [MenuItem("Gadgets", "Gadget list", "gadgets.index", order=900)]


    @hookimpl
    def erp_dashboard_cards(user):
        return [DashboardCard("Gadget card", [("Gadgets for " + user.username, 7, None)], order=900)]


    @click.command("gadgets-partners", help="Count the partners.")
    @with_appcontext
    def count_partners():
        with command_transaction():
            click.echo(f"{db.session.scalar(db.select(db.func.count()).select_from(Partner))} partners")


    @hookimpl
    def erp_cli_commands():
        return [count_partners]
'''

WIDGETS_VIEWS = '''
    from flask import Blueprint

    bp = Blueprint("widgets", __name__, url_prefix="/widgets")


    @bp.route("/")
    def index():
        return "<h1>Widgets</h1>"


    @bp.route("/<int:widget_id>/paint", methods=["POST"])
    def paint(widget_id):
        return "painted"


    @bp.route("/settings")
    def settings():
        return "<h1>Widget settings</h1>"
'''

WIDGETS_HOOKS = '''
    from erp_core.hookspecs import hookimpl
    from erp_core.ui import DashboardCard, MenuItem


    @hookimpl
    def erp_menu_items():
        return [MenuItem("Widgets", "All widgets", "widgets.index", order=910),
                MenuItem("Widgets", "Widget settings", "widgets.settings", order=911, group="Configuration",
                         permission="partner.write")]


    @hookimpl
    def erp_dashboard_cards(user):
        return [DashboardCard("Widget card", [("Widgets in stock", 3, "/widgets/")], order=910)]


    @hookimpl
    def gadgets_labels():
        return ["made by widgets"]
'''
