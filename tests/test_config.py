"""Configuration as the README describes it: environment variables, the instance folder's erp.env,
the generated secret key, and the SQLite settings of the embedded default."""
import stat

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from erp_core import create_app
from erp_core.cli import main
from erp_core.database import db

ENV_KEYS = ("DATABASE_URL", "ERP_SECRET_KEY", "ERP_ADDONS", "ERP_ADDONS_PATH", "ERP_SERIAL_UNIQUENESS", "ERP_SECURE_COOKIES")


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """An empty instance folder, and an environment without any ERP setting."""
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    folder = tmp_path / "instance"
    monkeypatch.setenv("ERP_INSTANCE_PATH", str(folder))
    return folder


def test_defaults_live_in_the_instance_folder(instance):
    app = create_app()
    assert app.instance_path == str(instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'erp.sqlite3'}"
    assert app.config["ERP_SERIAL_UNIQUENESS"] == "product"
    assert app.config["ERP_ADDONS"] is None and app.config["ERP_ADDONS_PATH"] == []
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_building_the_app_writes_nothing(instance):
    create_app()
    assert not instance.exists(), "erp --help and other commands that build the app leave no trace"


def test_the_first_erp_init_makes_the_instance_folder_with_its_database_and_key(instance):
    """What `make run` does on a fresh checkout, where instance/ does not exist yet."""
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    assert (instance / "erp.sqlite3").exists() and (instance / "secret_key").exists()


def test_the_secret_key_is_generated_at_the_first_request_kept_private_and_reused(instance):
    app = create_app()
    assert app.config["SECRET_KEY"] is None
    assert app.test_client().get("/login").status_code == 200
    first = app.secret_key
    key_file = instance / "secret_key"
    assert key_file.read_text().strip() == first and len(first) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert create_app().config["SECRET_KEY"] == first, "sessions survive a restart"


def test_erp_secret_key_wins_over_the_generated_one(instance, monkeypatch):
    monkeypatch.setenv("ERP_SECRET_KEY", "shared-between-all-hosts")
    assert create_app().config["SECRET_KEY"] == "shared-between-all-hosts"


def test_erp_env_in_the_instance_folder_adds_settings_and_the_environment_wins(instance, monkeypatch):
    instance.mkdir()
    (instance / "erp.env").write_text(
        "# settings of this installation\n"
        f"DATABASE_URL=sqlite:///{instance / 'other.sqlite3'}\n"
        "ERP_SERIAL_UNIQUENESS='global'\n"
        'ERP_ADDONS="serial_tracking"\n'
        "ERP_SECURE_COOKIES=1\n"
        "ERP_SECRET_KEY=from-the-file\n"
    )
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("other.sqlite3")
    assert app.config["ERP_SERIAL_UNIQUENESS"] == "global"
    assert [a.name for a in app.extensions["erp"].addons] == ["invoicing", "serial_tracking"]
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "from-the-file"

    monkeypatch.setenv("ERP_SERIAL_UNIQUENESS", "product")
    assert create_app().config["ERP_SERIAL_UNIQUENESS"] == "product"


def test_a_wrong_serial_uniqueness_stops_start_up_with_the_allowed_values(instance, monkeypatch):
    monkeypatch.setenv("ERP_SERIAL_UNIQUENESS", "per-warehouse")
    with pytest.raises(SystemExit, match="'product' or 'global'"):
        create_app()


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(app, backend):
    if backend != "sqlite":
        pytest.skip("SQLite settings")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
