"""An addon that lives in its own distribution, as a third party writes one: installed with pip, found
through its entry point, its tests run with the host's test kit against the installed host.

pip installs it into a folder of its own (``--target``), never into the shared virtualenv: other
test workers run at the same time and would find its entry point."""
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from erp_core.migrations import core_heads

PYPROJECT = '''
    [build-system]
    requires = ["setuptools>=70.1"]
    build-backend = "setuptools.build_meta"

    [project]
    name = "erp-shelf"
    version = "1.2.0"
    dependencies = ["erp-serial"]

    [project.entry-points."erp_core.addons"]
    shelf = "erp_shelf"

    [tool.setuptools.packages.find]
    include = ["erp_shelf*"]
'''

PACKAGE = {
    "__init__.py": '"""Shelf labels: an addon outside the host\'s repository."""\n',
    "__manifest__.py": '{"name": "shelf", "version": "1.2.0", "summary": "Labels for shelves.", "depends": []}\n',
    "models.py": '''
        from sqlalchemy import String
        from sqlalchemy.orm import Mapped, mapped_column

        from erp_core.database import db


        class ShelfLabel(db.Model):
            __tablename__ = "shelf_labels"

            id: Mapped[int] = mapped_column(primary_key=True)
            text: Mapped[str] = mapped_column(String(80))
    ''',
    "migrations/shelf_0001_labels.py": '''
        from alembic import op
        import sqlalchemy as sa

        revision = "shelf_0001"
        down_revision = None
        branch_labels = ("shelf",)
        depends_on = {core_heads!r}


        def upgrade():
            op.create_table("shelf_labels",
                            sa.Column("id", sa.Integer(), nullable=False),
                            sa.Column("text", sa.String(length=80), nullable=False),
                            sa.PrimaryKeyConstraint("id", name=op.f("pk_shelf_labels")))


        def downgrade():
            op.drop_table("shelf_labels")
    ''',
    "api.py": '''
        from pydantic import BaseModel, Field

        from erp_core.api import ApiModel, ApiRoutes, ListQuery, Page, paginate
        from erp_core.database import db

        from .models import ShelfLabel

        routes = ApiRoutes("shelf")


        class LabelIn(ApiModel):
            text: str = Field(min_length=1, max_length=80)


        class LabelOut(BaseModel):
            id: int
            text: str


        def label_to_dict(label):
            return {"id": label.id, "text": label.text}


        @routes.route("/shelf/labels", summary="List labels", query=ListQuery, response=Page[LabelOut])
        def list_labels(query: ListQuery):
            return paginate(db.select(ShelfLabel).order_by(ShelfLabel.id), label_to_dict, query)


        @routes.route("/shelf/labels", "POST", summary="Add a label", permission="shelf.write", body=LabelIn,
                      response=LabelOut, status=201)
        def create_label(body: LabelIn):
            label = ShelfLabel(text=body.text)
            db.session.add(label)
            db.session.flush()
            return label_to_dict(label)
    ''',
    "views.py": '''
        from flask import Blueprint

        bp = Blueprint("shelf", __name__, url_prefix="/shelf")


        @bp.route("/")
        def index():
            return "<h1>Shelf labels</h1>"
    ''',
    "hooks.py": '''
        from erp_core.hookspecs import hookimpl
        from erp_core.ui import MenuItem


        @hookimpl
        def erp_permissions():
            return {"shelf.write": {"warehouse"}}


        @hookimpl
        def erp_menu_items():
            return [MenuItem("Shelves", "Labels", "shelf.index", order=700)]
    ''',
    "tests/__init__.py": "",
    "tests/test_shelf.py": '''
        from erp_addons.shelf.models import ShelfLabel

        from erp_core.database import db
        from erp_core.testing import assert_error, log_in, ok


        def test_the_addon_comes_from_its_entry_point(app):
            shelf = next(a for a in app.extensions["erp"].addons if a.name == "shelf")
            assert shelf.origin == "entry point shelf" and shelf.version == "1.2.0"
            assert "site" in shelf.path.parts


        def test_a_warehouse_user_adds_a_label(api):
            created = ok(api.as_("warehouse").post("/shelf/labels", json={"text": "A-01"}), 201)
            assert ok(api.get("/shelf/labels")) == {"items": [created], "total": 1}
            assert db.session.scalar(db.select(db.func.count()).select_from(ShelfLabel)) == 1
            assert_error(api.as_("accountant").post("/shelf/labels", json={"text": "B-02"}), 403, "forbidden")


        def test_the_menu_leads_to_the_page(client):
            log_in(client, "warehouse")
            assert 'href="/shelf/">Labels</a>' in client.get("/").get_data(as_text=True)
            assert "Shelf labels" in client.get("/shelf/").get_data(as_text=True)
    ''',
}
ADDON_TESTS = 3


def write_distribution(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT))
    for relative, source in PACKAGE.items():
        path = folder / "erp_shelf" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip().replace("{core_heads!r}", repr(core_heads())))
    return folder


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("ERP_ADDONS_PATH", "ERP_ADDONS") and not k.startswith("PYTEST_")}
    return {**env, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


def test_an_installed_addon_is_found_by_its_entry_point_and_its_tests_pass_against_the_installed_host(tmp_path):
    dist, site = write_distribution(tmp_path / "erp-shelf"), tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                              "--target", str(site), str(dist)], cwd=tmp_path, env=clean_env(), capture_output=True, text=True,
                             timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    installed = site / "erp_shelf"
    assert {"__manifest__.py", "migrations", "tests"} <= {p.name for p in installed.iterdir()}

    # On SQLite only: what is under test is finding and loading an installed addon, and the
    # scaffold's test already runs an addon's own tests on PostgreSQL.
    env = clean_env(PYTHONPATH=os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))
    env.pop("TEST_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(installed / "tests")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(rf"\b{ADDON_TESTS} passed\b", result.stdout), result.stdout
