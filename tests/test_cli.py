"""The `erp` command line as a user meets it: its help builds the app without writing anything,
`erp settings` shows what every setting is and who declared it, start-up stops on a wrong setting
or a database of other addons with a sentence instead of a traceback, and `erp run` serves where
and how it is told (also through `make run`)."""
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from erp_core import create_app
from erp_core.cli import main
from erp_core.database import db
from tests.support import write_addon

ROOT = Path(__file__).resolve().parent.parent
CORE_COMMANDS = ("init", "user", "token", "run", "addons", "settings", "roles", "addon", "makemigration")
SETTING_KEYS = ("DATABASE_URL", "ERP_SECRET_KEY", "ERP_ADDONS", "ERP_ADDONS_PATH", "ERP_SECURE_COOKIES", "ERP_TOKEN_DAYS",
                "ERP_SERIAL_UNIQUENESS")

TALLY_HOOKS = '''
    import click

    from erp_core.hookspecs import hookimpl


    @click.command("tally", help="Count what the tally addon counts.")
    def tally():
        click.echo("0")


    @hookimpl
    def erp_cli_commands():
        return [tally]
'''


def erp_script() -> str:
    beside_python = Path(sys.executable).parent / "erp"
    return str(beside_python) if beside_python.exists() else shutil.which("erp")


@pytest.fixture
def no_erp_settings(monkeypatch):
    """An environment without any setting, so each test says the ones it means."""
    for key in SETTING_KEYS:
        monkeypatch.delenv(key, raising=False)


# ---------------------------------------------------------------- erp --help


def test_erp_help_lists_the_core_and_addon_commands_and_writes_nothing(tmp_path):
    instance = tmp_path / "not-yet"
    extra = tmp_path / "extra_addons"
    write_addon(extra, "tally", {"name": "tally", "version": "1.0"}, hooks=TALLY_HOOKS)
    env = {k: v for k, v in os.environ.items() if k not in SETTING_KEYS}
    env.update(ERP_INSTANCE_PATH=str(instance), ERP_ADDONS_PATH=str(extra))
    result = subprocess.run([erp_script(), "--help"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    commands = {line.split()[0] for line in result.stdout.split("Commands:", 1)[1].splitlines() if line.strip()}
    assert set(CORE_COMMANDS) | {"tally"} <= commands
    assert "Traceback" not in result.stderr
    assert not instance.exists(), "building the app for --help must not create the instance folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["extra_addons"]


# ---------------------------------------------------------------- erp settings


def settings_output(**settings) -> dict[str, str]:
    app = create_app({"TESTING": True, **settings})
    result = app.test_cli_runner().invoke(args=["settings"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Instance folder: ")
    return {line.split()[0]: line for line in lines[1:]}


def test_erp_settings_shows_every_declared_setting_its_value_and_who_declared_it(no_erp_settings):
    shown = settings_output(DATABASE_URL="postgresql+psycopg://erp:s3cret-pw@db.internal:5432/erp",
                            ERP_SECRET_KEY="hush-hush-key", ERP_SERIAL_UNIQUENESS="global", ERP_TOKEN_DAYS="30")
    app = create_app({"DATABASE_URL": "sqlite://"})
    assert set(shown) == {s.key for s in app.extensions["erp"].settings} and set(SETTING_KEYS) <= set(shown)
    assert "postgresql+psycopg://erp:***@db.internal:5432/erp" in shown["DATABASE_URL"]
    assert "[core]" in shown["DATABASE_URL"]
    assert "(set)" in shown["ERP_SECRET_KEY"] and "(not set)" not in shown["ERP_SECRET_KEY"]
    assert "global" in shown["ERP_SERIAL_UNIQUENESS"] and "[serial_tracking]" in shown["ERP_SERIAL_UNIQUENESS"]
    assert " 30 " in shown["ERP_TOKEN_DAYS"] and "[core]" in shown["ERP_TOKEN_DAYS"]
    assert "(not set)" in shown["ERP_ADDONS"]
    everything = "\n".join(shown.values())
    assert "s3cret-pw" not in everything and "hush-hush-key" not in everything


def test_erp_settings_shows_defaults_and_an_unset_secret(no_erp_settings):
    shown = settings_output(DATABASE_URL="sqlite:////srv/erp/erp.sqlite3")
    assert "(not set)" in shown["ERP_SECRET_KEY"]
    assert " 90 " in shown["ERP_TOKEN_DAYS"]
    assert " product " in shown["ERP_SERIAL_UNIQUENESS"]
    assert "sqlite:////srv/erp/erp.sqlite3" in shown["DATABASE_URL"]


@pytest.mark.parametrize("key, value, allowed", [
    ("ERP_SERIAL_UNIQUENESS", "per-warehouse", "must be 'product' or 'global', not 'per-warehouse'"),
    ("ERP_SECURE_COOKIES", "yes", "must be 0 or 1, not 'yes'"),
    ("ERP_TOKEN_DAYS", "0", "must be a whole number of at least 1, not '0'"),
])
def test_a_wrong_setting_stops_start_up_naming_the_key_and_the_allowed_values(no_erp_settings, key, value, allowed):
    result = CliRunner().invoke(main, ["settings"], env={key: value})
    assert result.exit_code == 1
    assert f"{key}: {allowed}" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- a database of other addons


@pytest.fixture
def invoicing_app_on_a_full_database(backend, database_factory):
    """An app loading invoicing alone, on a database that `erp init` made with every addon."""
    app = create_app({"DATABASE_URL": database_factory.fresh(backend, {}), "ERP_ADDONS": "invoicing", "TESTING": True})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("command", [["init"], ["run", "--port", "1"]])
def test_start_up_names_the_addon_whose_migrations_the_database_holds(invoicing_app_on_a_full_database, command):
    result = invoicing_app_on_a_full_database.test_cli_runner().invoke(args=command)
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception  # a message, not an error from Alembic
    assert "The database holds migrations of serial_tracking" in result.output
    assert "(loaded: invoicing)" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- ERP_ADDONS_PATH


def test_an_addons_path_folder_that_is_missing_or_holds_no_addon_is_worth_a_warning(tmp_path, caplog):
    missing, empty, useful = tmp_path / "typo", tmp_path / "empty", tmp_path / "addons"
    empty.mkdir()
    write_addon(useful, "tally", {"name": "tally", "version": "1.0"})
    with caplog.at_level(logging.WARNING, logger="erp_core.addons"):
        app = create_app({"DATABASE_URL": "sqlite://", "ERP_ADDONS_PATH": os.pathsep.join(map(str, (missing, empty, useful)))})
    assert "tally" in [a.name for a in app.extensions["erp"].addons]
    warnings = [r.getMessage() for r in caplog.records if r.name == "erp_core.addons" and r.levelno == logging.WARNING]
    assert warnings == [f"ERP_ADDONS_PATH: {missing} does not exist.",
                        f"ERP_ADDONS_PATH: {empty} holds no addon (no sub-folder with a __manifest__.py)."]


# ---------------------------------------------------------------- erp run


@pytest.fixture
def served(monkeypatch):
    """What `erp run` asked werkzeug's development server for, instead of serving."""
    calls = []
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


@pytest.mark.parametrize("flags, debug", [(["--debug"], True), ([], False)])
def test_erp_run_reloads_and_shows_tracebacks_only_with_debug(app, served, flags, debug):
    result = app.test_cli_runner().invoke(args=["run", "--host", "0.0.0.0", "--port", "5001", *flags])
    assert result.exit_code == 0, result.output
    [(args, kwargs)] = served
    assert args[:3] == ("0.0.0.0", 5001, app)
    assert kwargs["use_reloader"] is debug and kwargs["use_debugger"] is debug
    assert app.debug is debug


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("variables, where", [([], "--host 127.0.0.1 --port 5000"),
                                              (["PORT=5001"], "--host 127.0.0.1 --port 5001"),
                                              (["HOST=0.0.0.0", "PORT=8080"], "--host 0.0.0.0 --port 8080")])
def test_make_run_serves_where_host_and_port_say(variables, where):
    env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT")}
    result = subprocess.run(["make", "-n", "run", *variables], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"/erp run {where}" in result.stdout
