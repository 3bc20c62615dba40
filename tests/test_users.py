"""Users an administrator manages (API and command line), access that can be revoked at once
(sessions, tokens, expiry), and logins that cannot be guessed by brute force."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from erp_core import services
from erp_core.database import db, utcnow
from erp_core.models import ApiToken, LoginFailure, User
from erp_core.testing import PASSWORD, assert_error, log_in, ok


def token_for(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def me(client, token):
    return client.get("/api/v1/partners", headers={"Authorization": f"Bearer {token}"})


def new_user(api, username="dora", role="warehouse", password=PASSWORD) -> dict:
    return ok(api.post("/users", json={"username": username, "role": role, "password": password}), 201)


# ---------------------------------------------------------------- managing users


def test_an_admin_creates_lists_and_changes_users(api):
    dora = new_user(api)
    assert set(dora) == {"id", "username", "role", "active", "created_at", "last_login_at"}
    assert (dora["username"], dora["role"], dora["active"], dora["last_login_at"]) == ("dora", "warehouse", True, None)
    assert "dora" in [u["username"] for u in ok(api.get("/users"))["items"]]
    assert ok(api.patch(f"/users/{dora['id']}", json={"role": "inventory_manager"}))["role"] == "inventory_manager"
    assert ok(api.get(f"/users/{dora['id']}"))["role"] == "inventory_manager"
    assert [e["action"] for e in ok(api.get(f"/audit?record=user:{dora['id']}"))["items"]] == ["create", "role_change"]


@pytest.mark.parametrize("body,code", [
    ({"username": "DORA", "role": "warehouse", "password": PASSWORD}, "duplicate_username"),
    ({"username": "eve", "role": "warehouse", "password": "short-pw"}, "weak_password"),
    ({"username": "eve", "role": "emperor", "password": PASSWORD}, "invalid_role"),
])
def test_user_rules_answer_422_and_create_nothing(api, body, code):
    new_user(api)
    before = db.session.scalar(db.select(db.func.count()).select_from(User))
    assert_error(api.post("/users", json=body), 422, code)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == before


@pytest.mark.parametrize("username", ["", "with space", "x" * 65, "ümlaut", "semi;colon"])
def test_usernames_are_letters_digits_dots_underscores_and_hyphens(api, app, username):
    assert api.post("/users", json={"username": username, "role": "warehouse", "password": PASSWORD}).status_code == 400
    result = app.test_cli_runner().invoke(args=["user", "create", username or '""', "--role", "warehouse", "--password", PASSWORD])
    assert result.exit_code != 0


def test_only_admins_manage_users(api):
    dora = new_user(api)
    for role in ("accountant", "warehouse", "inventory_manager"):
        assert_error(api.as_(role).get("/users"), 403, "forbidden")
        assert_error(api.as_(role).patch(f"/users/{dora['id']}", json={"role": "admin"}), 403, "forbidden")
    assert ok(api.get(f"/users/{dora['id']}"))["role"] == "warehouse"


def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(api):
    admins = [u for u in ok(api.get("/users"))["items"] if u["role"] == "admin"]
    assert len(admins) == 1
    only = admins[0]["id"]
    assert_error(api.patch(f"/users/{only}", json={"role": "warehouse"}), 422, "last_admin")
    assert_error(api.patch(f"/users/{only}", json={"active": False}), 422, "last_admin")
    second = new_user(api, "ada", "admin")
    assert ok(api.patch(f"/users/{only}", json={"active": False}))["active"] is False
    assert_error(api.as_("admin").patch(f"/users/{second['id']}", json={"role": "accountant"}), 401, "unauthenticated")


# ---------------------------------------------------------------- revoking access


def test_deactivating_a_user_ends_their_token_and_web_session_at_once(api, app, client):
    new_user(api)
    token = ok(token_for(client, "dora"), 201)["token"]
    browser = app.test_client()
    assert browser.post("/login", data={"username": "dora", "password": PASSWORD}).status_code == 302
    assert me(client, token).status_code == 200 and browser.get("/").status_code == 200
    dora = next(u for u in ok(api.get("/users"))["items"] if u["username"] == "dora")
    ok(api.patch(f"/users/{dora['id']}", json={"active": False}))
    assert_error(me(client, token), 401, "unauthenticated")
    assert "/login" in browser.get("/").location
    assert_error(token_for(client, "dora"), 401, "unauthenticated")


def test_a_new_password_ends_every_session_and_token(api, app, client):
    dora = new_user(api)
    token = ok(token_for(client, "dora"), 201)["token"]
    browser = app.test_client()
    browser.post("/login", data={"username": "dora", "password": PASSWORD})
    ok(api.patch(f"/users/{dora['id']}", json={"password": "another-password"}))
    assert me(client, token).status_code == 401 and browser.get("/").status_code == 302
    assert token_for(client, "dora", "another-password").status_code == 201


def test_logging_out_ends_the_session_on_the_server_so_a_copied_cookie_fails(app, client):
    log_in(client)
    cookie = client.get_cookie("session").value
    copy = app.test_client()
    copy.set_cookie("session", cookie)
    assert copy.get("/").status_code == 200
    client.post("/logout")
    assert copy.get("/").status_code == 302


def test_delete_auth_token_revokes_the_token_it_is_sent_with(api, client):
    new_user(api)
    first, second = (ok(token_for(client, "dora"), 201)["token"] for _ in range(2))
    assert ok(client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {first}"})) == {"revoked": True}
    assert me(client, first).status_code == 401 and me(client, second).status_code == 200


def test_tokens_expire_after_erp_token_days_and_record_their_last_use(api, client, app):
    new_user(api)
    token = ok(token_for(client, "dora"), 201)["token"]
    assert me(client, token).status_code == 200
    assert db.session.scalar(db.select(ApiToken.last_used_at).order_by(ApiToken.id.desc()).limit(1)) is not None
    days = app.config["ERP_TOKEN_DAYS"]
    assert days == 90
    db.session.execute(update(ApiToken).values(created_at=utcnow() - timedelta(days=days, minutes=1)))
    db.session.commit()
    assert_error(me(client, token), 401, "unauthenticated")


def test_erp_user_deactivate_and_erp_token_revoke(api, app, client):
    new_user(api)
    token = ok(token_for(client, "dora"), 201)["token"]
    result = app.test_cli_runner().invoke(args=["token", "revoke", "dora"])
    assert result.exit_code == 0 and "1 API token of dora revoked" in result.output
    assert me(client, token).status_code == 401
    result = app.test_cli_runner().invoke(args=["user", "deactivate", "dora"])
    assert result.exit_code == 0, result.output
    assert_error(token_for(client, "dora"), 401, "unauthenticated")


# ---------------------------------------------------------------- throttling


def test_ten_failures_for_a_name_lock_it_out_for_the_window_even_with_the_right_password(api, client):
    new_user(api)
    for _ in range(10):
        assert_error(token_for(client, "dora", "wrong-password"), 401, "unauthenticated")
    refused = token_for(client, "Dora", PASSWORD)  # the name ignores case here too
    assert_error(refused, 429, "too_many_attempts")
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert client.post("/login", data={"username": "dora", "password": PASSWORD}).status_code == 429
    db.session.execute(update(LoginFailure).values(at=utcnow() - timedelta(minutes=16)))  # the window passes
    db.session.commit()
    assert token_for(client, "dora").status_code == 201


def test_fifty_failures_from_one_address_lock_it_out(api, client):
    new_user(api)
    for n in range(50):
        token_for(client, f"nobody{n}", "wrong-password")
    assert_error(token_for(client, "dora"), 429, "too_many_attempts")
    assert token_for(client, "dora", PASSWORD).headers["Retry-After"]


def test_an_unknown_name_is_refused_after_checking_a_password_like_a_known_one(api, client, monkeypatch):
    from erp_core.services import users

    new_user(api)
    checked = []
    real = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash", lambda stored, given: checked.append(stored) or real(stored, given))
    assert_error(token_for(client, "nobody", "wrong-password"), 401, "unauthenticated")
    assert_error(token_for(client, "dora", "wrong-password"), 401, "unauthenticated")
    assert len(checked) == 2, "the unknown name cost the same hash check as the known one"
    assert services.get_user_by_name("dora").last_login_at is None
