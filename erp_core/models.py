"""Master data every addon shares: users and their API tokens, partners, products, sequences."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from .database import UtcDateTime, db, utcnow
from .vocabulary import Vocabulary


class ProductType(Vocabulary):
    STORABLE = "storable", "Storable"
    CONSUMABLE = "consumable", "Consumable"
    SERVICE = "service", "Service"



class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))  # one of the roles the loaded addons declare (erp_roles)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.active


class ApiToken(db.Model):
    """Only a SHA-256 of the token is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    user: Mapped[User] = db.relationship()


class Partner(db.Model):
    __tablename__ = "partners"
    __table_args__ = (Index("ix_partners_name", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint(ProductType.check("type"), name="type"),
        Index("ix_products_name", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    default_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(16), default="storable")

    @property
    def display_name(self) -> str:
        return f"[{self.default_code}] {self.name}" if self.default_code else self.name


class Sequence(db.Model):
    """Gap-free counters (document numbers, move references), one row per code."""

    __tablename__ = "sequences"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
