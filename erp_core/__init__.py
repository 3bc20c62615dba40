"""The ERP host: builds a Flask app, loads the addons it finds, and wires their hooks."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

import pluggy
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import BaseConverter

from . import addons as addon_loader
from . import audit, hookspecs  # noqa: F401 (audit: its model is part of the core's schema)
from .database import MAX_ID, db, engine_options, id_pattern
from .settings import Setting, instance_path, raw_settings, secret_key_file


@dataclass
class ErpState:
    """What the host knows about this app, at ``app.extensions["erp"]``."""

    addons: list
    plugin_manager: pluggy.PluginManager
    settings: list[Setting] = field(default_factory=list)
    roles: dict = field(default_factory=dict)
    permissions: dict[str, set[str]] = field(default_factory=dict)
    api_routes: list = field(default_factory=list)
    schemas: dict = field(default_factory=dict)  # API schemas extended by addons, built once (erp_core.records)
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


class IdConverter(BaseConverter):
    """``<int:...>`` in every route is a record's id: 1 to 2^31-1, spelt out in the pattern itself so
    that anything else matches no route at all (404 for every method, never a 405)."""

    regex = id_pattern(MAX_ID)
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


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
        addon.submodule("models")
        hooks = addon.submodule("hooks")
        if hooks is not None:
            pm.register(hooks, name=addon.name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise addon_loader.AddonError(f"Addon {pm.get_name(exc.plugin)!r} implements a hook nobody declared: {exc}. "
                                      "Check the name, and that the addon depends on the addon owning the hook.") from exc
    return pm


def results_by_plugin(hook_caller, **kwargs) -> list[tuple[str, object]]:
    """(plugin name, result) of every implementation of a hook, in load order (the core first)."""
    return [(impl.plugin_name, impl.function(**{k: kwargs[k] for k in impl.argnames}))
            for impl in hook_caller.get_hookimpls()]


def _declared_settings(pm: pluggy.PluginManager) -> list[Setting]:
    from dataclasses import replace

    settings, seen = [], {}
    for owner, declared in results_by_plugin(pm.hook.erp_settings):
        for setting in declared or []:
            if setting.key in seen:
                raise addon_loader.AddonError(f"The setting {setting.key} is declared by both {seen[setting.key]!r} and {owner!r}; rename one.")
            seen[setting.key] = owner
            settings.append(replace(setting, addon=owner))
    return settings


def _declared_roles(pm: pluggy.PluginManager) -> dict:
    roles, owners = {}, {}
    for owner, declared in results_by_plugin(pm.hook.erp_roles):
        for role in declared or []:
            if role.name in roles:
                raise addon_loader.AddonError(f"The role {role.name!r} is declared by both {owners[role.name]!r} and {owner!r}; rename one.")
            roles[role.name], owners[role.name] = role, owner
    return roles


def _declared_permissions(pm: pluggy.PluginManager, roles: dict) -> dict[str, set[str]]:
    """Every addon may add roles to any action, its own or another's (invoicing lets accountants
    write partners); a role nobody declares is a typo."""
    permissions: dict[str, set[str]] = {}
    for owner, declared in results_by_plugin(pm.hook.erp_permissions):
        for action, allowed in (declared or {}).items():
            unknown = set(allowed) - roles.keys()
            if unknown:
                raise addon_loader.AddonError(f"Addon {owner!r} gives {action!r} to unknown roles {sorted(unknown)}; "
                                              f"declared roles: {', '.join(sorted(roles))}.")
            permissions.setdefault(action, set()).update(allowed)
    return permissions


def create_app(settings: dict | None = None) -> Flask:
    """``settings`` may hold setting keys (``DATABASE_URL``, ``ERP_ADDONS``, any key an addon
    declares...) that win over the environment and erp.env, and Flask config keys (``TESTING``...).
    Building an app writes nothing: the instance folder, its secret key and an SQLite file are
    created when first needed."""
    from . import core_plugin

    overrides = dict(settings or {})
    instance = instance_path()
    raw = raw_settings(instance, overrides)
    core = {s.key: s.value_from(raw, instance) for s in core_plugin.erp_settings()}
    loaded = addon_loader.load(core["ERP_ADDONS"], core["ERP_ADDONS_PATH"])
    pm = build_plugin_manager(loaded)
    declared = _declared_settings(pm)
    values = {s.key: s.value_from(raw, instance) for s in declared}

    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True)
    app.config.update(values)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=values["DATABASE_URL"],
        SECRET_KEY=values["ERP_SECRET_KEY"] or ((instance / "secret_key").exists() and secret_key_file(instance)) or None,
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=values["ERP_SECURE_COOKIES"],
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SECURE=values["ERP_SECURE_COOKIES"], WTF_CSRF_TIME_LIMIT=None,
    )
    app.config.update({k: v for k, v in overrides.items() if k not in values})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    app.json = ErpJSONProvider(app)
    app.url_map.converters["int"] = IdConverter
    db.init_app(app)

    from . import timing, web

    timing.init_app(app)

    roles = _declared_roles(pm)
    state = ErpState(addons=loaded, plugin_manager=pm, settings=declared, roles=roles,
                     permissions=_declared_permissions(pm, roles), web_error_handler=web.web_error_handler)
    app.extensions["erp"] = state
    web.init_app(app)

    from . import cli
    from .api import register_api
    from .core_api import routes as core_routes
    from .master_views import bp as master_bp
    from .user_views import bp as users_bp

    # Pages and endpoints by convention: an addon's views.bp and api.routes, the core's first.
    register_api(app, [core_routes] + [m.routes for m in (a.submodule("api") for a in loaded) if m is not None])
    for blueprint in [web.bp, master_bp, users_bp] + [m.bp for m in (a.submodule("views") for a in loaded) if m is not None]:
        app.register_blueprint(blueprint)
    cli.init_app(app)
    return app
