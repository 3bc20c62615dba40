"""Master data every addon shares: users with their API tokens, web sessions and failed logins;
partners, products, sequences."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from .database import UtcDateTime, db, utcnow
from .vocabulary import Vocabulary

# Lengths of the shared master data, the same for the API, the web forms and the services.
NAME_MAX = 200    # partner and product names
EMAIL_MAX = 200
CODE_MAX = 64     # internal references and barcodes
USERNAME_MAX = 64
ZONE_MAX = 64     # IANA time zone names (the longest is 32 characters)


class ProductType(Vocabulary):
    STORABLE = "storable", "Storable"
    CONSUMABLE = "consumable", "Consumable"
    SERVICE = "service", "Service"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    # Unique ignoring case: "Bob" and "bob" are one user (usernames are ASCII letters, digits, . _ -).
    __table_args__ = (Index("uq_users_username_lower", func.lower("username"), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))  # one of the roles the loaded addons declare (erp_roles)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    time_zone: Mapped[str] = mapped_column(String(ZONE_MAX), default="UTC", server_default="UTC")  # an IANA name (erp_core.zones)

    @property
    def is_active(self) -> bool:
        return self.active


class ApiToken(db.Model):
    """Only a SHA-256 of the token is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)  # expires ERP_TOKEN_DAYS later
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    user: Mapped[User] = db.relationship()


class WebSession(db.Model):
    """A logged-in browser. The signed cookie holds its token (only a SHA-256 is stored), so logging
    out, a new password or a deactivation ends it on the server: a copied cookie stops working."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LoginFailure(db.Model):
    """A refused login, kept for the throttling window: counted per user name and per client address
    in the database, so every worker and host sees the same counts."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_at", "username", "at"), Index("ix_login_failures_address_at", "address", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX))  # lower case
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Partner(db.Model):
    __tablename__ = "partners"
    __table_args__ = (Index("ix_partners_name", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint(ProductType.check("type"), name="type"),
        Index("ix_products_name", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    default_code: Mapped[str | None] = mapped_column(String(CODE_MAX), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(CODE_MAX), unique=True)
    type: Mapped[str] = mapped_column(String(16), default="storable")

    @property
    def display_name(self) -> str:
        return f"[{self.default_code}] {self.name}" if self.default_code else self.name


class Sequence(db.Model):
    """Gap-free counters (document numbers, move references), one row per code."""

    __tablename__ = "sequences"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
