"""Settings → Users: the pages an administrator manages users with (the web side of the users API).
Every change goes through the users service, which holds the rules (unique names, password
length, the last active admin) and ends a user's sessions and tokens when it must."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from sqlalchemy import func, select
from wtforms import PasswordField, SelectField, StringField

from . import services
from .activity import record_activity
from .auth import acting_user, may, requires
from .database import db, utcnow
from .forms import ErpForm
from .models import ApiToken
from .services.users import PASSWORD_MIN
from .web import PAGE_SIZE, TimeZoneForm, page_of, perform

bp = Blueprint("users", __name__, url_prefix="/settings/users")
PERMISSION = "user.manage"


# ---------------------------------------------------------------- forms


def _roles() -> dict:
    return current_app.extensions["erp"].roles


def role_label(name: str) -> str:
    role = _roles().get(name)
    return role.label if role is not None else f"{name} (not declared by any loaded addon)"


def _role_choices(current: str | None = None) -> list[tuple[str, str]]:
    choices = [(name, role.label) for name, role in _roles().items()]
    if current is not None and current not in _roles():  # kept as it is unless the admin picks another role
        choices.append((current, role_label(current)))
    return choices


PASSWORD_HELP = f"At least {PASSWORD_MIN} characters."


class NewUserForm(ErpForm):
    username = StringField("User name", description="Letters, digits, dots, underscores and hyphens; case does not make "
                                                    "two names different.", render_kw={"autocomplete": "off"})
    role = SelectField("Role")
    password = PasswordField("Password", description=PASSWORD_HELP, render_kw={"autocomplete": "new-password"})


class RoleForm(ErpForm):
    role = SelectField("Role")


class PasswordForm(ErpForm):
    password = PasswordField("New password", description=f"{PASSWORD_HELP} Leave it empty to generate one, shown to you once.",
                             render_kw={"autocomplete": "new-password"})


# ---------------------------------------------------------------- pages


@bp.route("/")
@requires(PERMISSION)
def users():
    page, total, rows = page_of(services.users_stmt())
    return render_template("core/users.html", users=rows, page=page, total=total, page_size=PAGE_SIZE, role_label=role_label)


@bp.route("/new", methods=["GET", "POST"])
@requires(PERMISSION)
def new_user():
    form = NewUserForm()
    form.role.choices = [("", "Choose a role")] + _role_choices()  # no default: a new user is never an admin by mistake
    if form.validate_on_submit():
        created = perform(services.create_user, form.username.data, form.role.data, form.password.data or "", acting_user(), form=form)
        if created is not None:
            flash(f"User {created.username} created with role {role_label(created.role)}.", "success")
            return redirect(url_for("users.user", user_id=created.id))
    status = 422 if form.is_submitted() else 200
    return render_template("core/user_new.html", form=form), status


@bp.route("/<int:user_id>")
@requires(PERMISSION)
def user(user_id: int):
    return _user_page(services.get_user(user_id))


def _user_page(target, role_form: RoleForm | None = None, password_form: PasswordForm | None = None, status: int = 200,
               new_password: str | None = None, zone_form: TimeZoneForm | None = None):
    """One user's page; a form given holds what was sent and the problems the service found in it."""
    if role_form is None:
        role_form = RoleForm(formdata=None, data={"role": target.role})
    role_form.role.choices = _role_choices(target.role)
    password_form = password_form or PasswordForm(formdata=None)
    zone_form = zone_form or TimeZoneForm(formdata=None, data={"time_zone": target.time_zone})
    tokens, expired = _token_counts(target)
    return render_template("core/user.html", target=target, role_form=role_form, password_form=password_form, zone_form=zone_form,
                           tokens=tokens, expired_tokens=expired, activity=record_activity("user", target.id),
                           role_label=role_label, is_me=target.id == acting_user().id, new_password=new_password), status


def _token_counts(target) -> tuple[int, int]:
    """(API tokens of ``target``, how many of them have expired)."""
    cutoff = utcnow() - timedelta(days=current_app.config["ERP_TOKEN_DAYS"])
    mine = select(func.count()).select_from(ApiToken).where(ApiToken.user_id == target.id)
    return db.session.scalar(mine), db.session.scalar(mine.where(ApiToken.created_at <= cutoff))


# ---------------------------------------------------------------- actions


@bp.route("/<int:user_id>/role", methods=["POST"])
@requires(PERMISSION)
def change_role(user_id: int):
    target = services.get_user(user_id)
    form = RoleForm()
    form.role.choices = _role_choices(target.role)
    if form.validate_on_submit():
        changed = perform(services.update_user, target, {"role": form.role.data}, acting_user(), form=form)
        if changed is not None:
            flash(f"{changed.username} now has the role {role_label(changed.role)}.", "success")
            if not may(acting_user(), PERMISSION):  # an admin who gave themselves another role may no longer see this page
                return redirect(url_for("core.dashboard"))
            return redirect(url_for("users.user", user_id=user_id))
    return _user_page(target, role_form=form, status=422)


@bp.route("/<int:user_id>/password", methods=["POST"])
@requires(PERMISSION)
def reset_password(user_id: int):
    target = services.get_user(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        generated = not form.password.data
        password = services.generate_password() if generated else form.password.data
        changed = perform(services.update_user, target, {"password": password}, acting_user(), form=form)
        if changed is not None:
            ended = "Their sessions and API tokens have ended."
            if generated:
                # Shown in this answer only, never through a flash: flashes travel in the session
                # cookie, which is signed, not encrypted.
                return _user_page(target, new_password=password)
            else:
                flash(f"Password of {changed.username} changed. {ended}", "success")
            return redirect(url_for("users.user", user_id=user_id))
    return _user_page(target, password_form=form, status=422)


@bp.route("/<int:user_id>/time_zone", methods=["POST"])
@requires(PERMISSION)
def change_time_zone(user_id: int):
    target = services.get_user(user_id)
    form = TimeZoneForm()
    if form.validate_on_submit():
        changed = perform(services.update_user, target, {"time_zone": form.time_zone.data}, acting_user(), form=form)
        if changed is not None:
            flash(f"{changed.username} now sees times in {changed.time_zone}.", "success")
            return redirect(url_for("users.user", user_id=user_id))
    return _user_page(target, zone_form=form, status=422)


def _set_active(user_id: int, active: bool):
    target = services.get_user(user_id)
    changed = perform(services.update_user, target, {"active": active}, acting_user())
    if changed is not None:
        flash(f"{changed.username} is active again; they log in with their password." if active else
              f"{changed.username} is deactivated: they are logged out and their API tokens no longer work.", "success")
    return redirect(url_for("users.user", user_id=user_id))


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@requires(PERMISSION)
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.route("/<int:user_id>/reactivate", methods=["POST"])
@requires(PERMISSION)
def reactivate(user_id: int):
    return _set_active(user_id, True)


@bp.route("/<int:user_id>/tokens/revoke", methods=["POST"])
@requires(PERMISSION)
def revoke_tokens(user_id: int):
    target = services.get_user(user_id)
    revoked = perform(services.revoke_tokens, target, acting_user())
    if revoked is not None:
        flash(f"{revoked} API token{'' if revoked == 1 else 's'} of {target.username} revoked.", "success")
    return redirect(url_for("users.user", user_id=user_id))
