"""The pytest plugin of the test kit (see ``erp_core.testing``): fixtures, markers and the test
databases. Each test gets a fresh database at the latest schema with default data: on SQLite
always, and on PostgreSQL too when ``TEST_DATABASE_URL`` is set (one new database per test,
cloned from a template built once per test session and worker)."""
from __future__ import annotations

import os
import shutil
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import event
from sqlalchemy.engine import make_url

from .databases import create_pg_database, drop_pg_databases
from .helpers import PASSWORD, Api
from .processes import free_port

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
CHROMIUM = os.environ.get("ERP_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the UI in headless chromium")
    config.addinivalue_line("markers", "postgres_only: runs on PostgreSQL only (skipped without TEST_DATABASE_URL)")


@pytest.fixture(scope="session", autouse=True)
def _instance_folder(tmp_path_factory):
    """Keep secret keys and default SQLite files out of the working tree."""
    os.environ["ERP_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))


# ---------------------------------------------------------------- databases


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


class DatabaseFactory:
    """Builds migrated template databases (per settings) once, and hands out fresh copies."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.templates: dict[tuple, str] = {}
        self.created: list[str] = []

    def _build_template(self, backend: str, settings: dict) -> str:
        from .. import create_app
        from ..cli import initialise
        from ..database import db

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
        url = create_pg_database(PG_URL, name, template)
        self.created.append(name)
        return url

    def drop_all(self):
        if PG_URL:
            drop_pg_databases(PG_URL, list(reversed(self.created)))


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory):
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.drop_all()


@pytest.fixture(params=BACKENDS)
def backend(request):
    if request.param != "postgresql" and request.node.get_closest_marker("postgres_only"):
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL")
    return request.param


@pytest.fixture
def app_settings():
    """Override in a test module (or parametrize) to build the app with other settings, such as
    ``{"ERP_SERIAL_UNIQUENESS": "global"}`` or ``{"ERP_ADDONS": "invoicing"}``."""
    return {}


def _addon_under_test(test_path: Path) -> dict:
    """An addon's own tests load that addon even when it is not installed or on ERP_ADDONS_PATH:
    the folder holding the addon joins ERP_ADDONS_PATH for them."""
    from ..addons import discover

    folder = next((p for p in test_path.parents if (p / "__manifest__.py").exists()), None)
    if folder is None:
        return {}
    known = {a.path for a in discover([p for p in os.environ.get("ERP_ADDONS_PATH", "").split(os.pathsep) if p])}
    return {} if folder.resolve() in known else {"ERP_ADDONS_PATH": str(folder.parent)}


def settings_for(request, app_settings) -> dict:
    return {**_addon_under_test(Path(str(request.path))), **app_settings}


def fresh_g_per_request(application) -> None:
    """Requests made while a test holds the app context share that context and so its ``g``: the
    API user and Flask-Login's user of one request would leak into the next (another role, or a
    logged-out client). In production every request has a context of its own; clear ``g`` first."""

    def clear_g():
        g.__dict__.clear()

    application.before_request_funcs.setdefault(None, []).insert(0, clear_g)


@pytest.fixture
def app(request, backend, app_settings, database_factory):
    from .. import create_app
    from ..database import db

    settings = settings_for(request, app_settings)
    url = database_factory.fresh(backend, settings)
    application = create_app({**settings, "DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": False})
    fresh_g_per_request(application)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(app):
    return Api(app)


@pytest.fixture
def count_statements(app):
    """``with count_statements() as counter: ...`` then ``counter.count``: SQL statements sent."""
    from ..database import db

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


# ---------------------------------------------------------------- the browser


class LiveServer:
    """The app served on a free local port, in a thread."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def create_user(self, username: str, role: str, password: str = PASSWORD):
        from .. import services
        from ..database import db

        with self.app.app_context():
            services.create_user(username, role, password)
            db.session.commit()
        return username, password

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def live_server(request, database_factory, app_settings):
    """Browser tests run on SQLite only: the UI does not depend on the database."""
    from .. import create_app
    from ..database import db

    settings = settings_for(request, app_settings)
    app = create_app({**settings, "DATABASE_URL": database_factory.fresh("sqlite", settings)})
    fresh_g_per_request(app)  # for data the test makes with ``Api(live_server.app)`` inside an app context
    server = LiveServer(app)
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def _chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(_chromium):
    context = _chromium.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def login(page, live_server):
    """``login("accountant")`` creates a user of that role and logs in through the login form."""

    def log_in(role: str):
        username, password = live_server.create_user(f"{role}_ui", role)
        page.goto(live_server.url + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(live_server.url + "/")
        return page

    return log_in
