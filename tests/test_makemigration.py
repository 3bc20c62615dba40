"""The documented workflow of a new addon with tables (docs/addons.md): `erp makemigration ADDON`
starts the addon's migration branch, and `erp init` then creates its tables."""
import textwrap

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from erp_core import create_app
from erp_core.database import db
from erp_core.migrations import alembic_config, schema_differences
from tests.support import write_addon

MODELS = '''
    from sqlalchemy import ForeignKey, String
    from sqlalchemy.orm import Mapped, mapped_column

    from erp_core.database import db


    class Gizmo{suffix}(db.Model):
        __tablename__ = "gizmos_{suffix}"

        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
        product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
'''


@pytest.fixture
def gizmo_app(backend, database_factory, tmp_path, addon_tmp):
    write_addon(tmp_path, f"plain_{addon_tmp}", {"name": "plain", "version": "1.0"})  # an addon without tables
    package = write_addon(tmp_path, f"gizmos_{addon_tmp}", {"name": "gizmos", "version": "1.0", "depends": ["invoicing", "plain"]},
                          models=textwrap.dedent(MODELS).format(suffix=addon_tmp))
    application = create_app({"ERP_ADDONS_PATH": str(tmp_path), "DATABASE_URL": database_factory.empty(backend), "TESTING": True})
    with application.app_context():
        yield application, package
        db.session.remove()
        db.engine.dispose()
    # The model's table is in the process-wide metadata; other tests compare that with their schema.
    db.metadata.remove(db.metadata.tables[f"gizmos_{addon_tmp}"])


def test_makemigration_starts_the_addons_branch_and_init_creates_its_table(gizmo_app, addon_tmp):
    app, package = gizmo_app
    result = app.test_cli_runner().invoke(args=["makemigration", "gizmos", "-m", "gizmo table"])
    assert result.exit_code == 0, result.output
    revisions = list((package / "migrations").glob("gizmos_0001_*.py"))
    assert len(revisions) == 1, list((package / "migrations").iterdir())
    source = revisions[0].read_text()
    assert "branch_labels = ('gizmos',)" in source
    heads = ScriptDirectory.from_config(alembic_config(app)).get_revisions(["core@head", "invoicing@head"])
    assert all(head.revision in source for head in heads), "the branch depends on its dependencies' heads"
    assert f"gizmos_{addon_tmp}" in source

    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert f"gizmos_{addon_tmp}" in inspect(db.engine).get_table_names()
    with db.engine.connect() as connection:
        assert schema_differences(connection) == []


def test_makemigration_of_an_unknown_addon_says_so(gizmo_app):
    app, _ = gizmo_app
    result = app.test_cli_runner().invoke(args=["makemigration", "gizmo", "-m", "typo"])
    assert result.exit_code != 0
    assert "No loaded addon is named 'gizmo'" in str(result.exception) + result.output
