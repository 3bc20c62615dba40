"""`erp init` brings any database to the latest schema, keeps what is there, and is idempotent;
and the models agree with the migrations."""
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text

from erp_core import create_app, services
from erp_core.cli import initialise
from erp_core.database import db
from erp_core.migrations import alembic_config, revisions, schema_differences, schema_problem
from erp_core.testing import Api


@pytest.fixture
def empty_app(backend, database_factory):
    """An app on a database without a single table."""
    application = create_app({"DATABASE_URL": database_factory.empty(backend), "TESTING": True})
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def upgrade_to(app, target: str) -> None:
    with db.engine.begin() as connection:
        cfg = alembic_config(app)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, target)


def core_base_revision(app) -> str:
    script = ScriptDirectory.from_config(alembic_config(app))
    return next(rev for rev in map(script.get_revision, script.get_bases()) if "core" in rev.branch_labels).revision


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    existing = set(inspect(db.engine).get_table_names())
    counts = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables if t.name in existing}
    db.session.rollback()  # end the read: on SQLite every transaction holds the write lock
    return counts


def test_init_on_an_empty_database_reaches_the_latest_schema(empty_app):
    assert revisions(empty_app)[0] == set() and schema_problem(empty_app) is not None
    result = empty_app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert schema_problem(empty_app) is None
    assert {"users", "partners", "products"} <= set(inspect(db.engine).get_table_names())


def test_init_upgrades_an_older_schema_and_keeps_its_data(empty_app):
    upgrade_to(empty_app, core_base_revision(empty_app))
    assert revisions(empty_app)[0] == {core_base_revision(empty_app)}
    assert schema_problem(empty_app) is not None
    with db.engine.begin() as connection:  # rows written by the older version, in its own columns
        connection.execute(text("INSERT INTO products (name, type) VALUES ('Old laptop', 'storable')"))
        connection.execute(text("INSERT INTO partners (name, email) VALUES ('Old customer', 'old@example.test')"))

    initialise(empty_app, demo=False)

    assert schema_problem(empty_app) is None
    api = Api(empty_app, "warehouse")
    products = api.get("/products").get_json()["items"]
    assert [p["name"] for p in products] == ["Old laptop"]
    assert products[0]["type"] == "storable"
    if "tracking" in products[0]:  # columns an addon added to Product get their defaults
        assert products[0]["tracking"] == "none"
    assert api.get("/partners").get_json()["items"][0]["email"] == "old@example.test"


def test_init_is_idempotent(empty_app):
    first = empty_app.test_cli_runner().invoke(args=["init", "--demo"])
    assert first.exit_code == 0, first.output
    assert "demo user admin" in first.output
    counts = row_counts()
    second = empty_app.test_cli_runner().invoke(args=["init", "--demo"])
    assert second.exit_code == 0, second.output
    assert "demo user" not in second.output, "passwords are printed once, at first start"
    assert row_counts() == counts
    assert schema_problem(empty_app) is None


def test_demo_users_log_in_with_the_printed_passwords(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["init", "--demo"])
    printed = [line.split() for line in result.output.splitlines() if line.strip().startswith("demo user")]
    assert {fields[2] for fields in printed} == {"admin", "accountant", "warehouse", "manager"}
    roles = set()
    for fields in printed:
        username, role, password = fields[2], fields[4], fields[6]
        assert len(password) >= 12 and password not in (username, role)
        roles.add(services.authenticate(username, password).role)
    assert roles == {"admin", "accountant", "warehouse", "inventory_manager"}
    assert len({fields[6] for fields in printed}) == 4, "every demo user gets a password of its own"


def test_models_and_migrations_agree(app):
    """Fails when a model changed without a migration (run `erp makemigration <addon> -m ...`)."""
    with db.engine.connect() as connection:
        assert schema_differences(connection) == []


def test_run_refuses_a_database_that_init_has_not_prepared(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["run", "--port", "1"])
    assert result.exit_code != 0
    assert "run `erp init` first" in result.output


def test_every_index_the_models_declare_exists_once_migrated(app):
    """A migration that copies a table (SQLite's batch mode) must not lose an index on the way:
    searches and lists depend on them."""
    declared = {index.name for table in db.metadata.sorted_tables for index in table.indexes}
    listing = ("SELECT name FROM sqlite_master WHERE type = 'index'" if db.engine.dialect.name == "sqlite"
               else "SELECT indexname FROM pg_indexes")
    present = set(db.session.scalars(text(listing)))
    assert declared - present == set()
