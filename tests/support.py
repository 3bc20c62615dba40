"""Helpers for the core's tests: throwaway addons written to a temporary folder or installed as a
distribution with an entry point, logging in through the web form, and the API's error shape."""
from __future__ import annotations

import re
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from erp_core import services
from erp_core.addons import ENTRY_POINT_GROUP
from erp_core.database import db

PASSWORD = "password-123"


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


@pytest.fixture
def addon_tmp(tmp_path, monkeypatch):
    """A unique package-name suffix; the test's changes to ``sys.path`` and ``sys.modules`` are
    undone afterwards, so throwaway addons never leak into other tests."""
    suffix = uuid.uuid4().hex[:8]
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield suffix
    for name in [m for m in sys.modules if m.endswith(suffix) or f"{suffix}." in m]:
        del sys.modules[name]


# The entry-point addon "gadgets" owns an event (a hook spec); the folder addon "widgets" depends
# on it and implements it. Discovery finds widgets first (folders come before entry points), so
# the load order gadgets → widgets proves that dependencies decide the order.
GADGETS_HOOKSPECS = '''
    from erp_core.hookspecs import hookspec


    @hookspec
    def gadgets_labels():
        """Return labels to show on the gadgets page."""
'''

GADGETS_HOOKS = '''
    import click
    from flask import Blueprint, current_app

    from erp_core.database import db
    from erp_core.hookspecs import hookimpl
    from erp_core.models import Partner
    from erp_core.ui import DashboardCard, MenuItem

    bp = Blueprint("gadgets", __name__, url_prefix="/gadgets")


    @bp.route("/")
    def index():
        labels = [label for found in current_app.extensions["erp"].hook.gadgets_labels() for label in found]
        return "<h1>Gadgets</h1><p>Labels: " + ", ".join(sorted(labels)) + "</p>"


    @hookimpl
    def erp_blueprints():
        return [bp]


    @hookimpl
    def erp_menu_items():
        return [MenuItem("Gadgets", "Gadget list", "gadgets.index", order=900)]


    @hookimpl
    def erp_dashboard_cards(user):
        return [DashboardCard("Gadget card", [("Gadgets for " + user.username, 7, None)], order=900)]


    @click.command("gadgets-partners", help="Count the partners.")
    @click.pass_obj
    def count_partners(app):
        with app.app_context():
            click.echo(f"{db.session.scalar(db.select(db.func.count()).select_from(Partner))} partners")


    @hookimpl
    def erp_cli_commands():
        return [count_partners]
'''

WIDGETS_HOOKS = '''
    from flask import Blueprint

    from erp_core.hookspecs import hookimpl
    from erp_core.ui import DashboardCard, MenuItem

    bp = Blueprint("widgets", __name__, url_prefix="/widgets")


    @bp.route("/")
    def index():
        return "<h1>Widgets</h1>"


    @bp.route("/<int:widget_id>/paint", methods=["POST"])
    def paint(widget_id):
        return "painted"


    @hookimpl
    def erp_blueprints():
        return [bp]


    @bp.route("/settings")
    def settings():
        return "<h1>Widget settings</h1>"


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


@pytest.fixture
def throwaway_addons(tmp_path, addon_tmp, monkeypatch):
    """Settings that load "widgets" from an ERP_ADDONS_PATH folder and "gadgets" from an
    installed distribution's entry point."""
    folder = tmp_path / "extra_addons"
    widgets = write_addon(folder, f"widgets_{addon_tmp}", {"name": "widgets", "version": "2.5", "summary": "Test widgets",
                                                            "depends": ["gadgets"]}, hooks=WIDGETS_HOOKS)
    (widgets / "guide").mkdir()
    (widgets / "guide" / "95-using-widgets.md").write_text("# Using widgets\n\nPaint a widget with **Paint**.\n")
    site = tmp_path / "site"
    write_addon(site, f"gadgets_{addon_tmp}", {"name": "gadgets", "version": "0.3", "summary": "Test gadgets", "depends": []},
                hookspecs=GADGETS_HOOKSPECS, hooks=GADGETS_HOOKS)
    write_distribution(site, f"erp_gadgets_{addon_tmp}", "gadgets", f"gadgets_{addon_tmp}")
    monkeypatch.syspath_prepend(str(site))
    return {"ERP_ADDONS_PATH": str(folder)}


def log_in(client, role: str = "admin") -> str:
    """Create (once) a user of ``role`` and log ``client`` in through the login form."""
    username = f"{role}_web"
    if db.session.scalar(db.select(services.User.id).where(services.User.username == username)) is None:
        services.create_user(username, role, PASSWORD)
        db.session.commit()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return username


def assert_error(response, status: int, code: str) -> dict:
    """The response is the contract's error shape with this status and code; returns the error."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    assert isinstance(error["details"], list), error
    return error


# ---------------------------------------------------------------- every route, without logging in

PUBLIC_ENDPOINTS = {"core.login", "api.core_health", "api.core_openapi", "api.core_create_token"}
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def example_path(rule) -> str:
    """The rule's path with every argument filled in (integers with 1, anything else with "x")."""
    return ARGUMENT.sub(lambda m: "1" if m.group(1) == "int" else "x", rule.rule)


def is_public(endpoint: str) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or endpoint == "static" or endpoint.endswith(".static")


def anonymous_access_problems(app) -> tuple[list[str], int]:
    """Ask every route of ``app`` with every method, without a session or token. API routes
    must answer 401 in the error shape; pages must redirect to the login page. Returns the
    routes that did otherwise, and how many were checked."""
    client = app.test_client()
    problems, checked = [], 0
    for rule in app.url_map.iter_rules():
        if is_public(rule.endpoint):
            continue
        path = example_path(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            checked += 1
            response = client.open(path, method=method)
            if path.startswith("/api/"):
                body = response.get_json(silent=True) or {}
                if response.status_code != 401 or body.get("error", {}).get("code") != "unauthenticated":
                    problems.append(f"{method} {path}: {response.status_code} {body}")
            elif response.status_code != 302 or not response.location.split("?")[0].endswith("/login"):
                problems.append(f"{method} {path}: {response.status_code} {response.location}")
    return problems, checked
