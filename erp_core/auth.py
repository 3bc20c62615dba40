"""Who is asking, and may they. Roles are checked in one place: ``authorize(action)``, called by
the API route wrapper (from each route's declared ``permission``) and by ``requires`` on web views."""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, request, session
from flask_login import LoginManager, current_user
from sqlalchemy import func, select

from .database import db
from .errors import Forbidden, Unauthenticated
from .models import User

login_manager = LoginManager()
login_manager.login_view = "core.login"
login_manager.login_message = "Log in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


SESSION_KEY = "erp_session"  # the web session's token, in Flask's signed session cookie


@login_manager.user_loader
def _load_user(user_id: str):
    """The user of a live server-side session (ended by logging out, a new password or a
    deactivation), matching the id Flask-Login kept."""
    from .services import session_user

    user = session_user(session.get(SESSION_KEY))
    return user if user is not None and str(user.id) == user_id else None


def api_user() -> User:
    """The user of an API request, from its bearer token."""
    if "api_user" not in g:
        from .services import user_for_token

        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if user is None:
            raise Unauthenticated(
                "Send a valid 'Authorization: Bearer <token>' header; get a token from POST /api/v1/auth/token or `erp token create`."
                if header else "This endpoint needs a token: send 'Authorization: Bearer <token>'."
            )
        g.api_user = user
    return g.api_user


def acting_user() -> User | None:
    """The user behind the current request (API token or web session); None in the CLI."""
    if request and request.path.startswith("/api/"):
        return api_user()
    return current_user._get_current_object() if current_user and current_user.is_authenticated else None


ADMIN = "admin"  # the core's role: may do everything


def active_admins() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.role == ADMIN, User.active.is_(True)))


def is_admin(role: str) -> bool:
    return role == ADMIN


def may(user: User | None, action: str) -> bool:
    permissions = current_app.extensions["erp"].permissions
    if action not in permissions:
        raise KeyError(f"Unknown permission {action!r}: declare it in an erp_permissions() hook.")
    return user is not None and (user.role == ADMIN or user.role in permissions[action])


def authorize(action: str, user: User | None = None) -> None:
    user = user or acting_user()
    if not may(user, action):
        state = current_app.extensions["erp"]
        allowed = [state.roles[name].label for name in state.roles if name == ADMIN or name in state.permissions[action]]
        yours = state.roles[user.role].label if user is not None and user.role in state.roles else "none"
        raise Forbidden(f"Your role ({yours}) may not do this; ask someone whose role is {' or '.join(allowed)}.")


def requires(action: str):
    """Web view decorator: the view runs only for roles allowed to perform ``action``."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            authorize(action)
            return view(*args, **kwargs)

        return wrapper

    return decorator
