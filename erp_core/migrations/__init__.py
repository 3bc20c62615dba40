"""Schema migrations: one Alembic branch per addon (branch label = addon name), the core's
labelled ``core``. Each addon keeps its revisions in ``<addon>/migrations/``; only the branches
of loaded addons take part, and ``erp init`` upgrades to every head."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

from ..database import db

HERE = Path(__file__).resolve().parent


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave out of model comparisons the indexes a migration creates only where the database can
    have them (a pg_trgm index on PostgreSQL): the model names them in its table's
    ``info["optional_indexes"]``."""
    if type_ == "index" and reflected and compare_to is None:
        table = db.metadata.tables.get(obj.table.name)
        return table is None or name not in table.info.get("optional_indexes", ())
    return True


# How models are compared with a database, by autogenerate (env.py) and by schema_differences.
COMPARE_OPTIONS = {"compare_type": True, "include_object": include_object}


def schema_differences(connection) -> list:
    """What autogenerate would write for this database: empty when models and migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    return compare_metadata(MigrationContext.configure(connection, opts=COMPARE_OPTIONS), db.metadata)


def core_heads() -> list[str]:
    """The core's newest revisions, without an app: an addon's first migration depends on them."""
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("version_locations", str(HERE / "versions"))
    cfg.set_main_option("path_separator", "space")
    return list(ScriptDirectory.from_config(cfg).get_heads())


def alembic_config(app: Flask) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    folders = [HERE / "versions"] + [a.path / "migrations" for a in app.extensions["erp"].addons if (a.path / "migrations").is_dir()]
    cfg.set_main_option("version_locations", " ".join(str(f) for f in folders))
    cfg.set_main_option("path_separator", "space")
    return cfg


def upgrade_database(app: Flask) -> None:
    unknown = unknown_revisions(app)
    if unknown:
        raise SystemExit(_unknown_revisions_message(app, unknown))
    with app.app_context(), db.engine.connect() as connection, _sqlite_foreign_keys_at_the_end(connection), connection.begin():
        cfg = alembic_config(app)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")
        if connection.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise SystemExit(f"The migrations would leave rows referring to missing ones ({broken[:5]}); "
                                 "nothing was changed.")


@contextmanager
def _sqlite_foreign_keys_at_the_end(connection):
    """SQLite alters a table by copying it and dropping the old one, which the rows referring to it
    would refuse: as SQLite's manual says, turn foreign keys off (outside any transaction, on the
    driver's connection) and check them all once before committing (``upgrade_database``)."""
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def revisions(app: Flask) -> tuple[set, set]:
    """(every revision applied to the database, the heads of the loaded addons' migrations).
    The version table holds only the newest revisions; one whose branch another depends on is
    implied, so walk down to everything applied."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(app))
    with app.app_context(), db.engine.connect() as connection:
        pending = list(MigrationContext.configure(connection).get_current_heads())
    applied: set = set()
    while pending:
        revision = script.get_revision(pending.pop())
        if revision.revision not in applied:
            applied.add(revision.revision)
            for earlier in (revision.down_revision, revision.dependencies):
                pending += [r.revision for r in script.get_revisions(earlier or ())]
    return applied, set(script.get_heads())


def unknown_revisions(app: Flask) -> list[str]:
    """Revisions the database holds that no loaded addon ships: the database was made with an
    addon that is not loaded now (or with newer code)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(app))
    known = {rev.revision for rev in script.walk_revisions()}
    with app.app_context(), db.engine.connect() as connection:
        return sorted(set(MigrationContext.configure(connection).get_current_heads()) - known)


def _unknown_revisions_message(app: Flask, unknown: list[str]) -> str:
    # Revision ids are "<branch>_<number>": the branch is the addon's name.
    owners = sorted({rev.rsplit("_", 1)[0] for rev in unknown})
    loaded = ", ".join(a.name for a in app.extensions["erp"].addons) or "none"
    return (f"The database holds migrations of {', '.join(owners)} ({', '.join(unknown)}), which is not loaded here "
            f"(loaded: {loaded}). Load it (ERP_ADDONS, ERP_ADDONS_PATH), or use another database (DATABASE_URL).")


def schema_problem(app: Flask) -> str | None:
    """Why the app cannot serve this database yet, in a sentence; None when its schema is current."""
    unknown = unknown_revisions(app)
    if unknown:
        return _unknown_revisions_message(app, unknown)
    applied, heads = revisions(app)
    if not heads or not heads <= applied:
        return f"The database ({app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}) is empty or older than the code: run `erp init` first."
    return None


def make_revision(app: Flask, branch: str, message: str) -> None:
    """Autogenerate a revision on ``branch`` (an addon name, or ``core``) against a database at
    the latest schema. An addon's first revision starts its branch and depends on the heads of
    the branches it depends on."""
    from alembic.script import ScriptDirectory

    addon = next((a for a in app.extensions["erp"].addons if a.name == branch), None)
    if addon is None and branch != "core":
        raise SystemExit(f"No loaded addon is named {branch!r}: give an addon's name (see `erp addons`) or core.")
    folder = HERE / "versions" if addon is None else addon.path / "migrations"
    # Before the config is built: Alembic only writes into folders among its version locations.
    folder.mkdir(exist_ok=True)
    with app.app_context(), db.engine.begin() as connection:
        cfg = alembic_config(app)
        cfg.attributes["connection"] = connection
        script = ScriptDirectory.from_config(cfg)
        existing = {label for rev in script.walk_revisions() for label in rev.branch_labels}
        number = sum(1 for rev in script.walk_revisions() if branch in rev.branch_labels or rev.revision.startswith(branch + "_")) + 1
        options = {"message": message, "autogenerate": True, "rev_id": f"{branch}_{number:04d}"}
        if branch in existing:
            options["head"] = f"{branch}@head"
        else:
            # Dependencies without tables of their own have no branch to depend on.
            deps = [d for d in ["core"] + (addon.depends if addon else []) if d != branch and d in existing]
            options.update(head="base", branch_label=branch, version_path=str(folder),
                           depends_on=[script.get_revision(f"{d}@head").revision for d in deps] or None)
        command.revision(cfg, **options)
