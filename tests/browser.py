"""Browser-test fixtures: the app served on a local port, driven by Playwright in Debian's chromium.

Browser tests are marked ``browser`` and run on SQLite only (the UI does not depend on the backend)."""
from __future__ import annotations

import socket
import threading

import pytest
from werkzeug.serving import make_server

from erp_core import create_app
from erp_core.database import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


class LiveServer:
    def __init__(self, app):
        self.app = app
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def create_user(self, username: str, role: str, password: str = "password-123"):
        from erp_core import services

        with self.app.app_context():
            services.create_user(username, role, password)
            db.session.commit()
        return username, password

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def live_server(database_factory, app_settings):
    url = database_factory.fresh("sqlite", app_settings)
    app = create_app({**app_settings, "DATABASE_URL": url})
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
