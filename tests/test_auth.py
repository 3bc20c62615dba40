"""Who may do what: login for pages, tokens for the API, CSRF on forms, roles, the user and token
commands, and the headers and cookie flags that protect a session."""
import re
from pathlib import Path

import pytest

from erp_core import create_app
from erp_core.database import db
from erp_core.models import Partner, Product
from erp_core.testing import PASSWORD, anonymous_access_problems, assert_error, log_in
from erp_core.testing.plugin import fresh_g_per_request


def partner_names():
    db.session.expire_all()
    return set(db.session.scalars(db.select(Partner.name)))


# ---------------------------------------------------------------- login required everywhere


def test_every_page_and_endpoint_but_the_public_ones_needs_login(app):
    problems, checked = anonymous_access_problems(app)
    assert problems == []
    assert checked >= 10


@pytest.mark.parametrize("path", ["/login", "/api/v1/health", "/api/v1/openapi.json", "/static/erp.css", "/static/erp.js"])
def test_public_paths_answer_without_login(client, path):
    assert client.get(path).status_code == 200


def test_static_files_of_every_blueprint_answer_without_login(app, client):
    """Addons serve their CSS and JS from their blueprint's static folder: public like the core's."""
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            blueprint = app.blueprints.get(rule.endpoint.rpartition(".")[0])
            folder = Path((blueprint or app).static_folder)
            first = next(f for f in sorted(folder.rglob("*")) if f.is_file())
            response = client.get(rule.rule.replace("<path:filename>", first.relative_to(folder).as_posix()))
            assert response.status_code == 200, (rule.rule, response.status_code, response.location)
            checked += 1
    assert checked >= 1


def test_a_page_redirects_to_login_and_back_after_logging_in(app, client):
    response = client.get("/partners?q=acme")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    log_in(client)
    back = client.post(response.location, data={"username": "admin_web", "password": PASSWORD})
    assert back.status_code == 302 and back.location == "/partners?q=acme"


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example/x", "https://evil.example/", "/\t/evil.example"])
def test_login_never_redirects_to_another_site(app, client, target):
    log_in(client)
    client.post("/logout")
    response = client.post("/login", query_string={"next": target}, data={"username": "admin_web", "password": PASSWORD})
    assert response.location == "/"


def test_a_wrong_password_keeps_the_user_out(app, client):
    log_in(client, "warehouse")
    client.post("/logout")
    response = client.post("/login", data={"username": "warehouse_web", "password": "wrong-password"})
    assert response.status_code == 200
    assert "Wrong user name or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_one_browsers_login_does_not_log_in_another(app, client):
    log_in(client)
    assert client.get("/").status_code == 200
    assert app.test_client().get("/").status_code == 302


def test_logout_is_a_post_and_ends_the_session(app, client):
    log_in(client)
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


# ---------------------------------------------------------------- CSRF


@pytest.fixture
def csrf_app(backend, database_factory):
    """An app as deployed: CSRF protection on (the shared fixtures turn it off for brevity)."""
    application = create_app({"DATABASE_URL": database_factory.fresh(backend, {}), "TESTING": True})
    assert application.config.get("WTF_CSRF_ENABLED", True)
    fresh_g_per_request(application)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def csrf_token(client, path):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def test_forms_refuse_a_post_without_the_csrf_token(csrf_app):
    client = csrf_app.test_client()
    log_in_data = {"username": "admin_web", "password": PASSWORD}
    from erp_core import services

    services.create_user("admin_web", "admin", PASSWORD)
    db.session.commit()
    refused = client.post("/login", data=log_in_data)  # no token: back to the login page, the name kept, not logged in
    assert refused.status_code == 302 and "/login" in refused.location and "username=admin_web" in refused.location
    assert client.get("/").status_code == 302
    assert client.post("/login", data={**log_in_data, "csrf_token": csrf_token(client, "/login")}).status_code == 302

    assert client.post("/partners/new", data={"name": "Forged Ltd"}).status_code == 400
    assert client.post("/partners/new", data={"name": "Forged Ltd", "csrf_token": "not-the-token"}).status_code == 400
    assert "Forged Ltd" not in partner_names()
    token = csrf_token(client, "/partners/new")
    assert client.post("/partners/new", data={"name": "Real Ltd", "csrf_token": token}).status_code == 302
    assert "Real Ltd" in partner_names()

    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200, "a forged logout must not end the session"


def test_the_token_api_needs_no_csrf_token(csrf_app):
    from erp_core.testing import Api

    response = Api(csrf_app, "accountant").post("/partners", json={"name": "Api Ltd"})
    assert response.status_code == 201, response.get_json()


# ---------------------------------------------------------------- roles


def test_a_role_that_may_not_gets_403_with_the_error_shape_and_nothing_changes(api):
    error = assert_error(api.as_("warehouse").post("/partners", json={"name": "Nope Ltd"}), 403, "forbidden")
    assert "warehouse" in error["message"].lower() and "accountant" in error["message"].lower()
    assert_error(api.as_("accountant").post("/products", json={"name": "Nope"}), 403, "forbidden")
    assert_error(api.as_("warehouse").patch("/partners/1", json={"name": "x"}), 403, "forbidden")
    assert "Nope Ltd" not in partner_names()
    assert db.session.scalar(db.select(Product.id).where(Product.name == "Nope")) is None


def test_allowed_roles_may(api):
    assert api.as_("accountant").post("/partners", json={"name": "Yes Ltd"}).status_code == 201
    assert api.as_("inventory_manager").post("/products", json={"name": "Yes"}).status_code == 201
    assert api.as_("admin").post("/partners", json={"name": "Admin Ltd"}).status_code == 201


def test_every_role_reads_master_data(api):
    for role in ("admin", "accountant", "warehouse", "inventory_manager"):
        for path in ("/partners", "/products", "/addons"):
            assert api.as_(role).get(path).status_code == 200, (role, path)


def test_a_page_form_refuses_a_role_that_may_not(app, client):
    log_in(client, "warehouse")
    response = client.post("/partners/new", data={"name": "Sneaky Ltd"})
    assert response.status_code == 403
    assert "may not" in response.get_data(as_text=True)
    assert "Sneaky Ltd" not in partner_names()


# ---------------------------------------------------------------- API tokens


def test_post_auth_token_answers_a_working_token_and_the_user(api, client):
    api.as_("warehouse").get("/addons")  # creates warehouse_user
    response = client.post("/api/v1/auth/token", json={"username": "warehouse_user", "password": "password-123"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"] == {"id": body["user"]["id"], "username": "warehouse_user", "role": "warehouse"}
    assert client.get("/api/v1/partners", headers={"Authorization": f"Bearer {body['token']}"}).status_code == 200


def test_post_auth_token_with_a_wrong_password_or_unknown_user_is_401(api, client):
    api.as_("warehouse").get("/addons")
    for username, password in (("warehouse_user", "password-124"), ("nobody", "password-123")):
        assert_error(client.post("/api/v1/auth/token", json={"username": username, "password": password}), 401, "unauthenticated")
    assert_error(client.post("/api/v1/auth/token", json={"username": "warehouse_user"}), 400, "bad_request")


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic d2FyZWhvdXNlOnB3", "not-a-token"])
def test_an_absent_or_bad_bearer_token_is_401(client, header):
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/partners", headers=headers)
    error = assert_error(response, 401, "unauthenticated")
    assert "Bearer" in error["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_web_session_does_not_authenticate_the_api(app, client):
    log_in(client)
    assert_error(client.get("/api/v1/partners"), 401, "unauthenticated")


def test_tokens_are_stored_hashed(api):
    from erp_core.models import ApiToken

    token = api._token()
    stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert stored and token not in stored


# ---------------------------------------------------------------- user and token commands


def cli(app, *args, input=None):
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    db.session.expire_all()
    return result


def token_works(client, token):
    return client.get("/api/v1/partners", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def get_token(client, username, password):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_erp_user_create_then_log_in(app, client):
    result = cli(app, "user", "create", "olga", "--role", "inventory_manager", "--password", "olga-secret")
    assert result.exit_code == 0, result.output
    assert get_token(client, "olga", "olga-secret").get_json()["user"]["role"] == "inventory_manager"


def test_erp_user_create_prompts_for_the_password(app, client):
    result = cli(app, "user", "create", "piet", "--role", "warehouse", input="piet-secret\npiet-secret\n")
    assert result.exit_code == 0, result.output
    assert "piet-secret" not in result.output
    assert get_token(client, "piet", "piet-secret").status_code == 201


def test_erp_user_create_refuses_bad_input_with_a_message(app):
    short = cli(app, "user", "create", "quinn", "--role", "warehouse", "--password", "short")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    assert cli(app, "user", "create", "quinn", "--role", "king", "--password", "long-enough").exit_code != 0
    assert cli(app, "user", "create", "quinn", "--role", "warehouse", "--password", "long-enough").exit_code == 0
    duplicate = cli(app, "user", "create", "quinn", "--role", "admin", "--password", "long-enough")
    assert duplicate.exit_code != 0 and "is taken" in duplicate.output


def test_erp_user_passwd_generates_a_new_password_that_works(app, client):
    cli(app, "user", "create", "rosa", "--role", "accountant", "--password", "rosa-secret")
    result = cli(app, "user", "passwd", "rosa")
    assert result.exit_code == 0, result.output
    new_password = result.output.strip().split()[-1]
    assert_error(get_token(client, "rosa", "rosa-secret"), 401, "unauthenticated")
    assert get_token(client, "rosa", new_password).status_code == 201


def test_erp_user_passwd_with_a_given_password(app, client):
    cli(app, "user", "create", "sam", "--role", "accountant", "--password", "sam-secret")
    assert cli(app, "user", "passwd", "sam", "--password", "sam-better-secret").exit_code == 0
    assert get_token(client, "sam", "sam-better-secret").status_code == 201
    unknown = cli(app, "user", "passwd", "nobody")
    assert unknown.exit_code != 0 and "no user named 'nobody'" in unknown.output


def test_erp_token_create_prints_a_working_token_as_the_last_line(app, client):
    cli(app, "user", "create", "tess", "--role", "warehouse", "--password", "tess-secret")
    result = cli(app, "token", "create", "tess")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token_works(client, token)
    assert cli(app, "token", "create", "nobody").exit_code != 0


# ---------------------------------------------------------------- headers and cookies


@pytest.mark.parametrize("path", ["/login", "/api/v1/health", "/api/v1/nowhere"])
def test_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"


def test_session_cookie_is_httponly_and_samesite(app, client):
    log_in(client)
    response = client.post("/logout")  # any response that sets the session cookie
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
