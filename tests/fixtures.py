"""Fixtures shared by the core's and every addon's tests.

Each test gets a fresh database at the latest schema with default data: on SQLite always, and on
PostgreSQL too when TEST_DATABASE_URL is set (one new database per test, cloned from a template
built once per test session and worker)."""
from __future__ import annotations

import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from flask import g
from sqlalchemy import event
from sqlalchemy.engine import make_url

from erp_core import create_app
from erp_core.cli import initialise
from erp_core.database import db

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session", autouse=True)
def _instance_folder(tmp_path_factory):
    """Keep secret keys and default SQLite files out of the working tree."""
    os.environ["ERP_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@contextmanager
def _pg_admin():
    url = make_url(PG_URL)
    with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, password=url.password,
                         dbname=url.database, autocommit=True) as conn:
        yield conn


def _pg_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


class DatabaseFactory:
    """Builds migrated template databases (per settings) once, and hands out fresh copies."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.templates: dict[tuple, str] = {}
        self.created: list[str] = []

    def _build_template(self, backend: str, settings: dict) -> str:
        key = (backend, tuple(sorted(settings.items())))
        if key not in self.templates:
            suffix = uuid.uuid4().hex[:8]
            if backend == "sqlite":
                url = f"sqlite:///{self.folder / f'template-{suffix}.sqlite3'}"
            else:
                url = self._create_pg_database(f"erp_tmpl_{_worker()}_{suffix}")
            app = create_app({**settings, "DATABASE_URL": url, "TESTING": True})
            initialise(app, demo=False)
            with app.app_context():
                db.engine.dispose()
            self.templates[key] = url
        return self.templates[key]

    def fresh(self, backend: str, settings: dict) -> str:
        template = self._build_template(backend, settings)
        suffix = uuid.uuid4().hex[:10]
        if backend == "sqlite":
            path = self.folder / f"test-{suffix}.sqlite3"
            shutil.copyfile(make_url(template).database, path)
            return f"sqlite:///{path}"
        return self._create_pg_database(f"erp_test_{_worker()}_{suffix}", template=make_url(template).database)

    def empty(self, backend: str) -> str:
        """A new database without any table, for tests of ``erp init`` itself."""
        suffix = uuid.uuid4().hex[:10]
        if backend == "sqlite":
            return f"sqlite:///{self.folder / f'empty-{suffix}.sqlite3'}"
        return self._create_pg_database(f"erp_empty_{_worker()}_{suffix}")

    def _create_pg_database(self, name: str, template: str | None = None) -> str:
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.created.append(name)
        return _pg_url(name)

    def drop_all(self):
        if PG_URL:
            with _pg_admin() as conn:
                for name in reversed(self.created):
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory):
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.drop_all()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app_settings():
    """Override in a test module (or parametrize) to build the app with other settings, such as
    ``{"ERP_SERIAL_UNIQUENESS": "global"}`` or ``{"ERP_ADDONS": "invoicing"}``."""
    return {}


def fresh_g_per_request(application) -> None:
    """Requests made while a test holds the app context share that context and so its ``g``: the
    API user and Flask-Login's user of one request would leak into the next (another role, or a
    logged-out client). In production every request has a context of its own; clear ``g`` first."""

    def clear_g():
        g.__dict__.clear()

    application.before_request_funcs.setdefault(None, []).insert(0, clear_g)


@pytest.fixture
def app(backend, app_settings, database_factory):
    url = database_factory.fresh(backend, app_settings)
    application = create_app({**app_settings, "DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": False})
    fresh_g_per_request(application)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """A JSON client that acts as a user of a given role: ``api.as_("warehouse").post(...)``."""

    def __init__(self, app, role: str = "admin"):
        self.app = app
        self.role = role
        self.client = app.test_client()
        self._tokens: dict[str, str] = {}

    def as_(self, role: str) -> "Api":
        other = Api(self.app, role)
        other._tokens = self._tokens
        return other

    def _token(self) -> str:
        from erp_core import services

        if self.role not in self._tokens:
            username = f"{self.role}_user"
            user = db.session.scalar(db.select(services.User).where(services.User.username == username)) \
                or services.create_user(username, self.role, "password-123")
            self._tokens[self.role] = services.create_token(user)
            db.session.commit()
        return self._tokens[self.role]

    def request(self, method: str, path: str, json=None, **kwargs):
        headers = {"Authorization": f"Bearer {self._token()}", **kwargs.pop("headers", {})}
        response = self.client.open("/api/v1" + path, method=method, json=json, headers=headers, **kwargs)
        db.session.expire_all()  # the test reads back what the request committed
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


@pytest.fixture
def api(app):
    return Api(app)


@pytest.fixture
def count_statements(app):
    """``with count_statements() as counter: ...`` then ``counter.count``: SQL statements sent."""

    @contextmanager
    def counting():
        class Counter:
            count = 0
            statements: list[str] = []

        counter = Counter()

        def before(conn, cursor, statement, parameters, context, executemany):
            counter.count += 1
            counter.statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting
