"""Helpers for tests: acting as a user of a role through the API or the web form, and reading answers."""
from __future__ import annotations

import html
import re

from ..database import db

PASSWORD = "password-123"


def _user_of_role(role: str, username: str):
    from .. import services

    user = db.session.scalar(db.select(services.User).where(services.User.username == username))
    if user is None:
        user = services.create_user(username, role, PASSWORD)
        db.session.commit()
    return user


class Api:
    """A JSON client that acts as a user of a given role: ``api.as_("warehouse").post(...)``; paths
    are relative to /api/v1. After each request the test's session forgets what it read, so the
    test reads back what the request committed."""

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
        from .. import services

        if self.role not in self._tokens:
            self._tokens[self.role] = services.create_token(_user_of_role(self.role, f"{self.role}_user"))
            db.session.commit()
        return self._tokens[self.role]

    def request(self, method: str, path: str, json=None, **kwargs):
        headers = {"Authorization": f"Bearer {self._token()}", **kwargs.pop("headers", {})}
        response = self.client.open("/api/v1" + path, method=method, json=json, headers=headers, **kwargs)
        db.session.expire_all()
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


def log_in(client, role: str = "admin") -> str:
    """Log the Flask test ``client`` in through the login form as ``<role>_web`` (created once);
    returns the user name."""
    username = f"{role}_web"
    _user_of_role(role, username)
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return username


def ok(response, status: int = 200) -> dict:
    """The JSON body of a response that has ``status``."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.get_data(as_text=True)[:2000]}"
    return response.get_json()


def assert_error(response, status: int, code: str) -> dict:
    """The response is the contract's error shape with this status and code; returns the error."""
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message", "details"} <= set(error) <= {"code", "message", "details", "details_omitted"}, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    assert isinstance(error["details"], list), error
    return error


# ---------------------------------------------------------------- every route, without logging in

PUBLIC_ENDPOINTS = {"core.login", "api.core_health", "api.core_openapi", "api.core_create_token"}
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def example_path(rule) -> str:
    """The rule's path with every argument filled in (integers with 1, anything else with "x")."""
    return ARGUMENT.sub(lambda m: "1" if m.group(1) == "int" else "x", rule.rule)


def is_public(endpoint: str) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or endpoint == "static" or endpoint.endswith(".static")


def anonymous_access_problems(app) -> tuple[list[str], int]:
    """Ask every route of ``app`` with every method, without a session or token. API routes
    must answer 401 in the error shape; pages must redirect to the login page. Returns the
    routes that did otherwise, and how many were checked."""
    client = app.test_client()
    problems, checked = [], 0
    for rule in app.url_map.iter_rules():
        if is_public(rule.endpoint):
            continue
        path = example_path(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            checked += 1
            response = client.open(path, method=method)
            if path.startswith("/api/"):
                body = response.get_json(silent=True) or {}
                if response.status_code != 401 or body.get("error", {}).get("code") != "unauthenticated":
                    problems.append(f"{method} {path}: {response.status_code} {body}")
            elif response.status_code != 302 or not response.location.split("?")[0].endswith("/login"):
                problems.append(f"{method} {path}: {response.status_code} {response.location}")
    return problems, checked


def activity_of(page_html: str) -> list[tuple[str, str, str]]:
    """(when, who, what) of the entries a page's Activity panel shows, newest first, as a person reads them."""
    panel = page_html.split('<section class="panel" id="activity">', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r'<span class="activity-when">(.*?)</span> <span class="activity-who">(.*?)</span>\s*'
                      r'<span class="activity-what">(.*?)</span>', panel, re.S)
    return [tuple(" ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split()) for cell in row) for row in rows]


def pick(field, text: str, label: str) -> None:
    """In the browser, type ``text`` into a picker field (the Playwright locator of its text box) and
    choose the offer ``label`` with the keyboard, as a person without a mouse does."""
    field.fill("")
    field.press_sequentially(text)
    offer = field.locator("xpath=..").get_by_role("option", name=label, exact=True)
    offer.wait_for()
    for _ in range(30):
        if field.get_attribute("aria-activedescendant") == offer.get_attribute("id"):
            break
        field.press("ArrowDown")
    field.press("Enter")
