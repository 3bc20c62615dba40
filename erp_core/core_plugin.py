"""The host's own features, registered as an ordinary plugin: the core eats its own hooks."""
from __future__ import annotations

from .hookspecs import hookimpl
from .settings import Setting, comma_list, flag, path_list, positive_int, url_without_password
from .ui import MenuItem, Role


@hookimpl
def erp_settings():
    return [
        Setting("DATABASE_URL", lambda instance: f"sqlite:///{instance / 'erp.sqlite3'}",
                "The database: an SQLite file by default; postgresql+psycopg://user:password@host:5432/erp for PostgreSQL.",
                display=url_without_password),
        Setting("ERP_SECRET_KEY", None, "Signs sessions and CSRF tokens; the same on every host. Generated into "
                "<instance>/secret_key when not set.", secret=True),
        Setting("ERP_ADDONS", None, "Comma-separated addons to load (their dependencies come too); every addon found when not set.",
                parse=comma_list),
        Setting("ERP_ADDONS_PATH", [], "Extra folders to look for addons in, separated by ':'.", parse=path_list),
        Setting("ERP_SECURE_COOKIES", False, "1 when users reach the app over HTTPS: cookies are sent over HTTPS only, "
                "and browsers are told to use HTTPS (HSTS).", parse=flag),
        Setting("ERP_TOKEN_DAYS", 90, "API tokens expire this many days after they were issued.", parse=positive_int),
    ]


@hookimpl
def erp_roles():
    return [Role("admin", "Administrator", "Does everything, including managing users.", demo_user="admin")]


@hookimpl
def erp_permissions():
    # The admin role may do everything; addons add their roles to these actions.
    # dashboard.overview: the dashboard shows every team's work (and the charts), not only one's own.
    return {"user.manage": set(), "partner.write": set(), "product.write": set(), "audit.read": set(), "dashboard.overview": set()}


@hookimpl
def erp_menu_items():
    return [MenuItem("Settings", "Users", "users.users", order=900, permission="user.manage")]


@hookimpl
def erp_audit_text(record_type, action, details):
    if record_type != "user":
        return None
    from .user_views import role_label

    if action == "create":
        return f"Created with role {role_label(details.get('role', ''))}"
    if action == "role_change" and len(details.get("role") or []) == 2:
        before, after = details["role"]
        return f"Role changed from {role_label(before)} to {role_label(after)}"
    if action == "time_zone_change" and len(details.get("time_zone") or []) == 2:
        return "Time zone changed from {} to {}".format(*details["time_zone"])
    if action == "tokens_revoked":
        count = details.get("count", 0)
        return f"{count} API token{'' if count == 1 else 's'} revoked"
    return {"deactivate": "Deactivated", "activate": "Reactivated", "password_change": "Password changed"}.get(action)
