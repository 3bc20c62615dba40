"""Rules for the shared master data. Services never commit: the caller (API request, web action,
CLI command) runs each business action in one transaction and commits or rolls back as a whole."""
from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update

from .database import db, dialect_insert
from .errors import NotFound, Unauthenticated, raise_if_problems
from .models import PRODUCT_TYPES, ROLES, ApiToken, Partner, Product, Sequence, User

# ---------------------------------------------------------------- users and tokens


def generate_password() -> str:
    return secrets.token_urlsafe(12)


MIN_PASSWORD_LENGTH = 8


def _password_problems(password: str) -> list[dict]:
    if len(password) >= MIN_PASSWORD_LENGTH:
        return []
    return [{"field": "password", "code": "too_short", "message": f"Use a password of at least {MIN_PASSWORD_LENGTH} characters."}]


def create_user(username: str, role: str, password: str) -> User:
    problems = _password_problems(password)
    if not username.strip():
        problems.append({"field": "username", "code": "required", "message": "Enter a user name."})
    if role not in ROLES:
        problems.append({"field": "role", "code": "invalid_choice", "message": f"Role must be one of {', '.join(ROLES)}."})
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


# ---------------------------------------------------------------- sequences


def next_sequence_value(code: str) -> int:
    """Take the next number of ``code``. The row is locked by the UPDATE until the transaction ends,
    so concurrent takers queue, and a rollback gives the number back: no gaps, no duplicates."""
    db.session.execute(dialect_insert(Sequence.__table__).values(code=code, last_value=0).on_conflict_do_nothing())
    return db.session.execute(
        update(Sequence).where(Sequence.code == code).values(last_value=Sequence.last_value + 1).returning(Sequence.last_value)
    ).scalar_one()


# ---------------------------------------------------------------- partners


def get_or_404(model, record_id: int, label: str):
    record = db.session.get(model, record_id)
    if record is None:
        raise NotFound(f"There is no {label} with id {record_id}.")
    return record


def _check_partner(values: dict) -> None:
    if "name" in values and not (values["name"] or "").strip():
        raise_if_problems([{"field": "name", "code": "required", "message": "Enter the partner's name."}], "The partner cannot be saved.")


def search_partners(q: str | None = None):
    """A select of partners by name, ``q`` being part of the name or email (case-insensitive)."""
    stmt = select(Partner).order_by(Partner.name, Partner.id)
    if q and q.strip():
        stmt = stmt.where(or_(Partner.name.icontains(q.strip(), autoescape=True), Partner.email.icontains(q.strip(), autoescape=True)))
    return stmt


def create_partner(name: str, email: str | None = None) -> Partner:
    _check_partner({"name": name})
    partner = Partner(name=name.strip(), email=(email or None))
    db.session.add(partner)
    db.session.flush()
    return partner


def update_partner(partner: Partner, values: dict) -> Partner:
    _check_partner(values)
    for key, value in values.items():
        setattr(partner, key, value.strip() if isinstance(value, str) else value)
    db.session.flush()
    return partner


# ---------------------------------------------------------------- products


def search_products(q: str | None = None, type: str | None = None):
    """A select of products by name; ``q`` is part of the name, internal reference or barcode."""
    stmt = select(Product).order_by(Product.name, Product.id)
    if q and q.strip():
        columns = (Product.name, Product.default_code, Product.barcode)
        stmt = stmt.where(or_(*(column.icontains(q.strip(), autoescape=True) for column in columns)))
    if type:
        stmt = stmt.where(Product.type == type)
    return stmt


def product_extra_fields():
    """Columns that addons added to Product (``ExtraField``), in load order."""
    return [f for fields in reversed(current_app.extensions["erp"].hook.erp_product_fields()) for f in fields]


def _save_product(product: Product, values: dict[str, Any]) -> Product:
    for key, value in values.items():
        if isinstance(value, str):  # trimmed like partner names; an empty optional text is no value
            value = value.strip() if key == "name" else value.strip() or None
        setattr(product, key, value)
    problems = []
    if not (product.name or "").strip():
        problems.append({"field": "name", "code": "required", "message": "Enter the product's name."})
    if product.type not in PRODUCT_TYPES:
        problems.append({"field": "type", "code": "invalid_choice", "message": f"Type must be one of {', '.join(PRODUCT_TYPES)}."})
    for column in ("default_code", "barcode"):
        value = getattr(product, column)
        if value and db.session.scalar(select(Product.id).where(getattr(Product, column) == value, Product.id != product.id)):
            problems.append({"field": column, "code": "duplicate", "message": f"Another product already has {column.replace('_', ' ')} {value!r}."})
    for found in current_app.extensions["erp"].hook.erp_product_check(product=product):
        problems.extend(found)
    raise_if_problems(problems, "The product cannot be saved: " + "; ".join(p["message"] for p in problems) if problems else "")
    db.session.add(product)
    db.session.flush()
    return product


def create_product(values: dict[str, Any]) -> Product:
    product = Product(type="storable")
    for extra in product_extra_fields():
        setattr(product, extra.name, extra.default)
    return _save_product(product, values)


def update_product(product: Product, values: dict[str, Any]) -> Product:
    return _save_product(product, values)
