"""Users and their API tokens."""
from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from sqlalchemy import select

from ..database import db
from ..errors import NotFound, Unauthenticated, raise_if_problems
from ..models import ApiToken, User

MIN_PASSWORD_LENGTH = 8


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _password_problems(password: str) -> list[dict]:
    if len(password) >= MIN_PASSWORD_LENGTH:
        return []
    return [{"field": "password", "code": "too_short", "message": f"Use a password of at least {MIN_PASSWORD_LENGTH} characters."}]


def create_user(username: str, role: str, password: str) -> User:
    problems = _password_problems(password)
    roles = current_app.extensions["erp"].roles
    if not username.strip():
        problems.append({"field": "username", "code": "required", "message": "Enter a user name."})
    if role not in roles:
        problems.append({"field": "role", "code": "invalid_choice", "message": f"Role must be one of {', '.join(roles)}."})
    if db.session.scalar(select(User.id).where(User.username == username.strip())):
        problems.append({"field": "username", "code": "duplicate", "message": f"A user named {username!r} already exists."})
    raise_if_problems(problems, "The user cannot be created.")
    user = User(username=username.strip(), role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def get_user_by_name(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"There is no user named {username!r}.")
    return user


def set_password(username: str, password: str) -> User:
    user = get_user_by_name(username)
    raise_if_problems(_password_problems(password), "The password cannot be set.")
    user.set_password(password)
    return user


def authenticate(username: str, password: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(password):
        raise Unauthenticated("Wrong user name or password.")
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token)))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    # One query per API request: the token's user, if the token exists and the user is active.
    return db.session.scalar(select(User).join(ApiToken, ApiToken.user_id == User.id)
                             .where(ApiToken.token_hash == _token_hash(token), User.active.is_(True)))
