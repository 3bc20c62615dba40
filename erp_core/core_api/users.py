"""API tokens, and the users an administrator manages."""
from __future__ import annotations

from datetime import datetime

from flask import request
from pydantic import BaseModel, Field

from .. import services
from ..api import ApiModel, ListQuery, Page, paginate, reject_nulls
from ..auth import api_user
from ..models import USERNAME_MAX
from ..services.users import PASSWORD_MAX
from ..text import Text
from . import routes


class TokenRequest(ApiModel):
    username: Text = Field(max_length=USERNAME_MAX)
    password: Text = Field(max_length=PASSWORD_MAX)


class UserOut(BaseModel):
    id: int
    username: str
    role: str


class TokenOut(BaseModel):
    token: str
    user: UserOut


def user_to_dict(user) -> dict:
    return {"id": user.id, "username": user.username, "role": user.role}


@routes.route("/auth/token", "POST", summary="Exchange a user name and password for an API token (it expires after "
              "ERP_TOKEN_DAYS days); ten failed logins for a name, or fifty from an address, in 15 minutes answer 429",
              auth=False, body=TokenRequest, response=TokenOut, status=201, errors=(401, 429))
def create_token(body: TokenRequest):
    user = services.authenticate(body.username, body.password, request.remote_addr)
    return {"token": services.create_token(user), "user": user_to_dict(user)}


class RevokedOut(BaseModel):
    revoked: bool


@routes.route("/auth/token", "DELETE", summary="Revoke the token this request is sent with", response=RevokedOut)
def revoke_token():
    services.revoke_token(request.headers.get("Authorization", "").partition(" ")[2].strip())
    return {"revoked": True}


# ---------------------------------------------------------------- users (admin)


class UserIn(ApiModel):
    username: Text = Field(min_length=1, max_length=USERNAME_MAX, pattern=r"^[A-Za-z0-9._-]+$")
    role: Text = Field(max_length=32)
    password: Text = Field(max_length=PASSWORD_MAX)


class UserPatch(ApiModel):
    role: Text | None = Field(None, max_length=32)
    active: bool | None = None
    password: Text | None = Field(None, max_length=PASSWORD_MAX)


class UserDetail(BaseModel):
    id: int
    username: str
    role: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None


def user_detail(user) -> dict:
    return {"id": user.id, "username": user.username, "role": user.role, "active": user.active,
            "created_at": user.created_at, "last_login_at": user.last_login_at}


@routes.route("/users", summary="List users by name", permission="user.manage", query=ListQuery, response=Page[UserDetail])
def list_users(query: ListQuery):
    return paginate(services.users_stmt(), user_detail, query)


@routes.route("/users", "POST", summary="Create a user (unique name ignoring case, a password of at least 10 characters)",
              permission="user.manage", body=UserIn, response=UserDetail, status=201)
def create_user(body: UserIn):
    return user_detail(services.create_user(body.username, body.role, body.password, api_user()))


@routes.route("/users/<int:user_id>", summary="One user", permission="user.manage", response=UserDetail)
def get_user(user_id: int):
    return user_detail(services.get_user(user_id))


@routes.route("/users/<int:user_id>", "PATCH", summary="Change a user's role, deactivate or reactivate them, or set a new password "
              "(which, like a deactivation, ends their sessions and tokens)", permission="user.manage", body=UserPatch,
              response=UserDetail)
def update_user(user_id: int, body: UserPatch):
    values = body.model_dump(exclude_unset=True)
    reject_nulls(values, ("role", "active", "password"))
    return user_detail(services.update_user(services.get_user(user_id), values, api_user()))
