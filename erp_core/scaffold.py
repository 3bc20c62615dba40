"""``erp addon new NAME``: write a working addon to start from, with one of everything an addon can
have (a model and its first migration, services, a page with a menu entry, API endpoints, hooks,
a guide section and tests). The files are plain text below, filled in with the addon's names."""
from __future__ import annotations

import re
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

FILES = {
    "__init__.py": '''"""{title}: {summary}"""
''',
    "__manifest__.py": '''{{
    "name": "{name}",
    "version": "0.1.0",
    "summary": "{summary}",
    "depends": [],
}}
''',
    "models.py": '''"""The notes of {title}."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.database import UtcDateTime, db, utcnow


class {model}(db.Model):
    __tablename__ = "{name}_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
''',
    "services.py": '''"""Rules of {title}: plain functions that raise DomainError, used by the page, the API and the
command line alike. They never commit: the caller runs each action in one transaction."""
from __future__ import annotations

from sqlalchemy import select

from erp_core.database import db
from erp_core.errors import DomainError

from .models import {model}

TITLE_MAX = 200


def create_note(title: str) -> {model}:
    title = (title or "").strip()
    if not title or len(title) > TITLE_MAX:
        message = f"Give the note a title of 1 to {{TITLE_MAX}} characters."
        raise DomainError("invalid_title", message, [{{"field": "title", "code": "invalid_title", "message": message}}])
    note = {model}(title=title)
    db.session.add(note)
    db.session.flush()
    return note


def notes_stmt():
    return select({model}).order_by({model}.id.desc())
''',
    "views.py": '''"""The page of {title}: its notes, and a form to add one."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from wtforms import StringField
from wtforms.validators import DataRequired

from erp_core.auth import authorize
from erp_core.forms import ErpForm
from erp_core.web import PAGE_SIZE, page_of, perform

from . import services

bp = Blueprint("{name}", __name__, url_prefix="/{slug}", template_folder="templates")


class NoteForm(ErpForm):  # refuses invisible characters and over-long text, like every form of the app
    title = StringField("Title", validators=[DataRequired()])


@bp.route("/", methods=["GET", "POST"])
def index():
    form = NoteForm()
    if form.validate_on_submit():
        authorize("{name}.write")
        note = perform(services.create_note, form.title.data, form=form)
        if note is not None:
            flash(f"Note {{note.title}} added.", "success")
            return redirect(url_for("{name}.index"))
    page, total, notes = page_of(services.notes_stmt())
    return render_template("{name}/index.html", form=form, notes=notes, page=page, total=total, page_size=PAGE_SIZE)
''',
    "templates/{name}/index.html": '''{{% extends "core/base.html" %}}
{{% from "core/macros.html" import page_header, field, pager %}}
{{% block title %}}{title}{{% endblock %}}
{{% block content %}}
{{{{ page_header("{title}") }}}}
{{% if may("{name}.write") %}}
<form method="post" class="card" novalidate>
  {{{{ form.csrf_token }}}}
  {{{{ field(form.title) }}}}
  <button type="submit" class="primary">Add</button>
</form>
{{% endif %}}
<div class="table-wrap"><table>
  <thead><tr><th>Title</th><th>Added</th></tr></thead>
  <tbody>
  {{% for note in notes %}}<tr><td>{{{{ note.title }}}}</td><td>{{{{ note.created_at|local_time }}}}</td></tr>
  {{% else %}}<tr><td colspan="2" class="muted">No notes yet.</td></tr>{{% endfor %}}
  </tbody>
</table></div>
{{{{ pager(page, total, page_size) }}}}
{{% endblock %}}
''',
    "api.py": '''"""``/api/v1/{slug}/notes``: the services of {title} over HTTP."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from erp_core.api import ApiModel, ApiRoutes, ListQuery, Page, paginate

from . import services
from .models import {model}

routes = ApiRoutes("{name}")


class NoteIn(ApiModel):
    title: str = Field(min_length=1, max_length=services.TITLE_MAX)


class NoteOut(BaseModel):
    id: int
    title: str
    created_at: datetime


def note_to_dict(note: {model}) -> dict:
    return {{"id": note.id, "title": note.title, "created_at": note.created_at}}


@routes.route("/{slug}/notes", summary="List the notes, newest first", query=ListQuery, response=Page[NoteOut])
def list_notes(query: ListQuery):
    return paginate(services.notes_stmt(), note_to_dict, query)


@routes.route("/{slug}/notes", "POST", summary="Add a note", permission="{name}.write", body=NoteIn, response=NoteOut, status=201)
def create_note(body: NoteIn):
    return note_to_dict(services.create_note(body.title))
''',
    "hooks.py": '''"""How {title} plugs into the host: its permission and its menu entry."""
from __future__ import annotations

from erp_core.hookspecs import hookimpl
from erp_core.ui import MenuItem


@hookimpl
def erp_permissions():
    return {{"{name}.write": set()}}  # admins only; add the roles that may write notes


@hookimpl
def erp_menu_items():
    return [MenuItem("{title}", "Notes", "{name}.index", order=500)]
''',
    "migrations/{name}_0001_notes.py": '''"""{name} notes

Revision ID: {name}_0001
Revises:
Create Date: written by `erp addon new`
"""
from alembic import op
import sqlalchemy as sa
import erp_core.database


revision = '{name}_0001'
down_revision = None
branch_labels = ('{name}',)
depends_on = {core_head!r}


def upgrade():
    op.create_table('{name}_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_at', erp_core.database.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_{name}_notes'))
    )


def downgrade():
    op.drop_table('{name}_notes')
''',
    "guide/90-{slug}.md": '''# {title}

{summary}

Open **{title} → Notes** in the header. Type a title and press **Add**: the note joins the list,
newest first. Only administrators may add notes.
''',
    "tests/__init__.py": "",
    "tests/test_{name}.py": '''"""{title}: notes through the API and the page. The fixtures (app, api, client) and helpers come
from the host's test kit, erp_core.testing, which loads this addon for its own tests."""
from erp_core.database import db
from erp_core.migrations import schema_differences
from erp_core.testing import assert_error, log_in, ok


def test_a_note_is_added_and_listed_newest_first(api):
    ok(api.post("/{slug}/notes", json={{"title": "First"}}), 201)
    ok(api.post("/{slug}/notes", json={{"title": "Second"}}), 201)
    assert [n["title"] for n in ok(api.get("/{slug}/notes"))["items"]] == ["Second", "First"]


def test_a_note_needs_a_title(api):
    assert_error(api.post("/{slug}/notes", json={{"title": ""}}), 400, "bad_request")
    assert ok(api.get("/{slug}/notes"))["total"] == 0


def test_the_page_lists_the_notes_and_adds_one(client):
    log_in(client, "admin")
    response = client.post("/{slug}/", data={{"title": "From the page"}})
    assert response.status_code == 302
    assert "From the page" in client.get("/{slug}/").get_data(as_text=True)


def test_the_migrations_make_what_the_models_describe(app):
    """Fails when a model changed without its migration: run `erp makemigration {name} -m "what changed"`."""
    with db.engine.connect() as connection:
        assert schema_differences(connection) == []
''',
}


def write_addon(name: str, folder: Path) -> Path:
    """Write the addon ``name`` into ``folder/name``; returns its path. Refuses to overwrite."""
    from .migrations import core_heads  # Alembic only when writing an addon, not for every `erp` command

    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise click.BadParameter("use lower-case letters, digits and underscores, starting with a letter (it is a Python package).",
                                 param_hint="NAME")
    target = folder / name
    if target.exists():
        raise click.ClickException(f"{target} already exists; choose another name or folder.")
    words = name.replace("_", " ")
    values = {"name": name, "slug": name.replace("_", "-"), "title": words.capitalize(), "summary": f"Notes about {words}.",
              "model": "".join(part.capitalize() for part in name.split("_")) + "Note", "core_head": core_heads()}
    for relative, template in FILES.items():
        path = target / relative.format(**values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values))
    return target


@click.group("addon", help="Developers: write addons.")
def addon_group():
    pass


@addon_group.command("new", help="Write a working addon NAME (a model, a page, API endpoints, a migration, a guide section, tests).")
@click.argument("name")
@click.option("--path", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="The folder to write it in; put it on ERP_ADDONS_PATH to load it.")
@with_appcontext
def new_addon(name, folder):
    from .addons import discover

    taken = next((a for a in discover(current_app.config["ERP_ADDONS_PATH"]) if a.name == name), None)
    if taken is not None:  # two addons of one name would stop the next start
        raise click.ClickException(f"An addon named {name} already exists ({taken.path}); choose another name.")
    target = write_addon(name, folder.resolve())
    click.echo(f"Wrote the addon {name} in {target}.")
    click.echo(f"Load it: export ERP_ADDONS_PATH={target.parent}, then `erp init` (creates its table) and `erp run`.")
    click.echo(f"Run its tests: pytest {target / 'tests'}")
