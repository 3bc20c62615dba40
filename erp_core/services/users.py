"""Users, what lets them in (API tokens and web sessions), and what keeps others out: password
rules, login throttling, and revoking access at once when a user is deactivated or gets a new
password. Every change a user makes to another user is written to the audit trail."""
from __future__ import annotations

import hashlib
import math
import re
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..auth import active_admins, is_admin
from ..database import db, utcnow
from ..errors import DomainError, NotFound, Unauthenticated, raise_if_problems
from ..models import USERNAME_MAX, ApiToken, LoginFailure, User, WebSession
from ..text import text_problem
from ..zones import zone_problem

USERNAME = re.compile(r"[A-Za-z0-9._-]{1,%d}" % USERNAME_MAX)
PASSWORD_MIN, PASSWORD_MAX = 10, 200
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME, MAX_FAILURES_PER_ADDRESS = 10, 50
TOKEN_USE_PRECISION = timedelta(minutes=1)  # last_used_at is written at most this often per token


class TooManyAttempts(DomainError):
    status = 429

    def __init__(self, retry_after: int):
        super().__init__("too_many_attempts", f"Too many failed logins; wait {retry_after} seconds, then try again.",
                         [{"field": "username", "code": "too_many_attempts", "message": f"Try again in {retry_after} seconds."}])
        self.headers = {"Retry-After": str(retry_after)}


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------- the rules of a user


def _password_problems(password: str) -> list[dict]:
    if len(password) < PASSWORD_MIN:
        return [{"field": "password", "code": "weak_password", "message": f"Use a password of at least {PASSWORD_MIN} characters."}]
    if len(password) > PASSWORD_MAX:
        return [{"field": "password", "code": "weak_password", "message": f"Use a password of at most {PASSWORD_MAX} characters."}]
    problem = text_problem(password)
    return [{"field": "password", "code": "weak_password", "message": problem}] if problem else []


def _username_problems(username: str, user_id: int | None = None) -> list[dict]:
    if not USERNAME.fullmatch(username):
        return [{"field": "username", "code": "invalid_username",
                 "message": f"Use 1 to {USERNAME_MAX} letters, digits, dots, underscores or hyphens (no spaces)."}]
    other = db.session.scalar(select(User.username).where(func.lower(User.username) == username.lower(), User.id != user_id))
    if other is not None:
        return [{"field": "username", "code": "duplicate_username", "message": f"The user name {other} is taken (case does not count)."}]
    return []


def _role_problems(role: str) -> list[dict]:
    roles = current_app.extensions["erp"].roles
    if role not in roles:
        return [{"field": "role", "code": "invalid_role",
                 "message": f"Choose one of the roles {', '.join(f'{r.label} ({r.name})' for r in roles.values())}."}]
    return []


def _last_admin_problems(user: User, role: str, active: bool) -> list[dict]:
    """The last active admin can be neither demoted nor deactivated: nobody could manage users."""
    if not (user.active and is_admin(user.role)) or (active and is_admin(role)) or active_admins() > 1:
        return []
    return [{"field": "role" if active else "active", "code": "last_admin",
             "message": f"{user.username} is the last active administrator; make another user an administrator first."}]


# ---------------------------------------------------------------- managing users


def users_stmt():
    return select(User).order_by(func.lower(User.username))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user with id {user_id}.")
    return user


def get_user_by_name(username: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.username) == (username or "").lower()))
    if user is None:
        raise NotFound(f"There is no user named {username!r}.")
    return user


def create_user(username: str, role: str, password: str, user=None) -> User:
    """A new active user; ``user`` is who creates it (None on the command line)."""
    username = (username or "").strip()
    problems = _username_problems(username) + _role_problems(role) + _password_problems(password)
    raise_if_problems(problems, "The user cannot be created: " + " ".join(p["message"] for p in problems) if problems else "")
    created = User(username=username, role=role, active=True)
    created.password_hash = generate_password_hash(password)
    db.session.add(created)
    db.session.flush()
    audit.record("create", "user", created.id, user, username=username, role=role)
    return created


def update_user(target: User, values: dict, user=None) -> User:
    """Change ``role``, ``active``, ``password`` or ``time_zone`` (the keys present in ``values``). A
    deactivation or a new password ends every session and token of ``target`` at once."""
    db.session.refresh(target, with_for_update=True)
    role, active = values.get("role", target.role), values.get("active", target.active)
    problems = _role_problems(role) if "role" in values else []
    if "password" in values:
        problems += _password_problems(values["password"])
    if "time_zone" in values and zone_problem(values["time_zone"]):
        problems.append({"field": "time_zone", "code": "invalid_time_zone", "message": zone_problem(values["time_zone"])})
    problems += _last_admin_problems(target, role, active)
    raise_if_problems(problems, f"{target.username} cannot be changed: " + " ".join(p["message"] for p in problems) if problems else "")
    if role != target.role:
        audit.record("role_change", "user", target.id, user, role=[target.role, role])
        target.role = role
    if active != target.active:
        audit.record("activate" if active else "deactivate", "user", target.id, user)
        target.active = active
    if values.get("time_zone", target.time_zone) != target.time_zone:
        audit.record("time_zone_change", "user", target.id, user, time_zone=[target.time_zone, values["time_zone"]])
        target.time_zone = values["time_zone"]
    if "password" in values:
        target.password_hash = generate_password_hash(values["password"])
        audit.record("password_change", "user", target.id, user)
    if "password" in values or not active:
        _end_access(target)
    db.session.flush()
    return target


def set_password(username: str, password: str, user=None) -> User:
    return update_user(get_user_by_name(username), {"password": password}, user)


def deactivate_user(username: str, user=None) -> User:
    return update_user(get_user_by_name(username), {"active": False}, user)


def revoke_tokens(target: User, user=None) -> int:
    """End every API token of ``target``; returns how many there were."""
    revoked = db.session.execute(delete(ApiToken).where(ApiToken.user_id == target.id)).rowcount
    audit.record("tokens_revoked", "user", target.id, user, count=revoked)
    return revoked


def _end_access(target: User) -> None:
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == target.id))
    db.session.execute(delete(WebSession).where(WebSession.user_id == target.id))


# ---------------------------------------------------------------- logging in


@cache
def _decoy_hash() -> str:
    # Checked against when the user name is unknown, so that refusing it takes as long as refusing
    # a wrong password: the time of an answer tells nothing about which user names exist.
    return generate_password_hash(secrets.token_hex(16))


def _retry_after(failures: list[datetime], limit: int, now: datetime) -> int | None:
    """Seconds until fewer than ``limit`` of these failures (oldest first) are in the window; None
    when there are fewer already."""
    if len(failures) < limit:
        return None
    freed_at = failures[len(failures) - limit] + THROTTLE_WINDOW
    return max(1, math.ceil((freed_at - now).total_seconds()))


def authenticate(username: str, password: str, address: str = "") -> User:
    """The user behind these credentials. A refusal is recorded (and committed, although the login
    fails) so that ten failures for one user name, or fifty from one address, within 15 minutes
    answer 429 until the window passes, even with the right password."""
    now, key, address = utcnow(), (username or "").lower()[:USERNAME_MAX], (address or "")[:64]
    since = now - THROTTLE_WINDOW
    by_name = list(db.session.scalars(select(LoginFailure.at).where(LoginFailure.username == key, LoginFailure.at > since)
                                      .order_by(LoginFailure.at)))
    by_address = list(db.session.scalars(select(LoginFailure.at).where(LoginFailure.address == address, LoginFailure.at > since)
                                         .order_by(LoginFailure.at))) if address else []
    waits = [w for w in (_retry_after(by_name, MAX_FAILURES_PER_USERNAME, now), _retry_after(by_address, MAX_FAILURES_PER_ADDRESS, now))
             if w is not None]
    if waits:
        raise TooManyAttempts(max(waits))
    user = db.session.scalar(select(User).where(func.lower(User.username) == key)) if USERNAME.fullmatch(username or "") else None
    valid = check_password_hash(user.password_hash if user is not None else _decoy_hash(), password or "")
    if user is None or not valid or not user.active:
        db.session.execute(delete(LoginFailure).where(LoginFailure.at <= since))
        db.session.add(LoginFailure(username=key, address=address, at=now))
        db.session.commit()  # the refusal below rolls the request back; the failure must stay counted
        raise Unauthenticated("Wrong user name or password.")
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == key))
    user.last_login_at = now
    return user


# ---------------------------------------------------------------- API tokens


def create_token(user: User) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_hash(token)))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    """The active user of an unexpired token, in one query; its last use is written at most once a minute."""
    now = utcnow()
    found = db.session.execute(select(User, ApiToken.id, ApiToken.last_used_at).join(ApiToken, ApiToken.user_id == User.id).where(
        ApiToken.token_hash == _hash(token), User.active.is_(True),
        ApiToken.created_at > now - timedelta(days=current_app.config["ERP_TOKEN_DAYS"]))).first()
    if found is None:
        return None
    user, token_id, last_used_at = found
    if last_used_at is None or now - last_used_at > TOKEN_USE_PRECISION:
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return user


def revoke_token(token: str) -> None:
    db.session.execute(delete(ApiToken).where(ApiToken.token_hash == _hash(token)))


# ---------------------------------------------------------------- web sessions


def start_session(user: User) -> str:
    """A new web session of ``user``: the token for the session cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    db.session.add(WebSession(user_id=user.id, token_hash=_hash(token)))
    db.session.flush()
    return token


def session_user(token: str | None) -> User | None:
    """The active user of a live web session, in one query."""
    if not token:
        return None
    return db.session.scalar(select(User).join(WebSession, WebSession.user_id == User.id)
                             .where(WebSession.token_hash == _hash(token), User.active.is_(True)))


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(WebSession).where(WebSession.token_hash == _hash(token)))
