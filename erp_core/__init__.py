"""The ERP host: builds a Flask app, loads the addons it finds, and wires their hooks."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

import pluggy
from flask import Flask, redirect, request, url_for
from flask.json.provider import DefaultJSONProvider
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from . import addons as addon_loader
from . import hookspecs
from .config import load_config
from .database import db, engine_options

ENV_KEYS = {"DATABASE_URL", "ERP_SECRET_KEY", "ERP_ADDONS", "ERP_ADDONS_PATH", "ERP_SERIAL_UNIQUENESS"}
PUBLIC_ENDPOINTS = {"core.login", "static", "core_static"}
ADDON_SUBMODULES = ("models", "hooks")


@dataclass
class ErpState:
    """What the host knows about this app, at ``app.extensions["erp"]``."""

    addons: list
    plugin_manager: pluggy.PluginManager
    permissions: dict[str, set[str]] = field(default_factory=dict)
    api_routes: list = field(default_factory=list)
    web_error_handler: object = None

    @property
    def hook(self):
        return self.plugin_manager.hook


class ErpJSONProvider(DefaultJSONProvider):
    """Amounts and quantities as JSON numbers, times as ISO 8601 with their UTC offset."""

    sort_keys = False

    @staticmethod
    def default(o):
        if isinstance(o, Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        if isinstance(o, datetime):
            return o.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        if isinstance(o, date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


def build_plugin_manager(loaded: list) -> pluggy.PluginManager:
    """One manager per app: the host's specs, then each addon's specs and hooks in load order.
    A hook implementation without a spec (a typo, or an addon not depended on) stops start-up."""
    from . import core_plugin

    pm = pluggy.PluginManager("erp")
    pm.add_hookspecs(hookspecs)
    pm.register(core_plugin, name="core")
    for addon in loaded:
        specs = addon.submodule("hookspecs")
        if specs is not None:
            pm.add_hookspecs(specs)
        modules = {name: addon.submodule(name) for name in ADDON_SUBMODULES}
        if modules["hooks"] is not None:
            pm.register(modules["hooks"], name=addon.name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise addon_loader.AddonError(f"Addon {pm.get_name(exc.plugin)!r} implements a hook nobody declared: {exc}. "
                                      "Check the name, and that the addon depends on the addon owning the hook.") from exc
    return pm


def create_app(settings: dict | None = None) -> Flask:
    """``settings`` may hold environment-style keys (``DATABASE_URL``, ``ERP_ADDONS``...) that win
    over the environment, and Flask config keys (``TESTING``...)."""
    settings = dict(settings or {})
    config = load_config({k: v for k, v in settings.items() if k in ENV_KEYS})
    app = Flask(__name__, instance_path=config["INSTANCE_PATH"], instance_relative_config=True)
    app.config.update(config)
    app.config.update({k: v for k, v in settings.items() if k not in ENV_KEYS})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    app.json = ErpJSONProvider(app)
    db.init_app(app)

    loaded = addon_loader.load(app.config["ERP_ADDONS"], app.config["ERP_ADDONS_PATH"])
    pm = build_plugin_manager(loaded)
    from . import web

    state = ErpState(addons=loaded, plugin_manager=pm, web_error_handler=web.web_error_handler)
    app.extensions["erp"] = state
    for permissions in pm.hook.erp_permissions():
        for action, roles in permissions.items():
            state.permissions.setdefault(action, set()).update(roles)

    _init_web(app)
    from .api import register_api

    # pluggy calls the last registered plugin first; reversed, the core comes first, then addons in load order.
    register_api(app, list(reversed(pm.hook.erp_api_routes())))
    for blueprints in reversed(pm.hook.erp_blueprints()):
        for blueprint in blueprints:
            app.register_blueprint(blueprint)
    return app


def _init_web(app: Flask) -> None:
    from .auth import login_manager, may
    from .web import guide_sections, menu_for

    login_manager.init_app(app)
    CSRFProtect(app)

    @app.before_request
    def _require_login():
        # Everything needs a logged-in user except login and static files (the core's and each
        # addon blueprint's "<name>.static"); the API checks tokens.
        if (request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS or request.endpoint.endswith(".static")
                or request.path.startswith("/api/")):
            return None
        if not current_user.is_authenticated:
            return redirect(url_for("core.login", next=request.full_path.rstrip("?")))
        return None

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        return response

    @app.context_processor
    def _shell():
        user = current_user if current_user.is_authenticated else None
        return {"menu": menu_for(user) if user else [], "may": lambda action: may(user, action),
                "guide_sections": guide_sections}
