"""Settings → Users: the pages an administrator manages users with. Each action goes through the
users service, so its rules hold here as in the API: a refusal shows next to its field (or as a
message) and changes nothing; a deactivation or a new password ends the user's access at once."""
import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from erp_core import audit, services
from erp_core.database import db, utcnow
from erp_core.models import ApiToken, User
from erp_core.testing import PASSWORD, activity_of, log_in

NON_ADMIN_ROLES = ["accountant", "warehouse", "inventory_manager"]
TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


# ---------------------------------------------------------------- helpers


@pytest.fixture
def web(client):
    """A browser logged in as an administrator (admin_web)."""
    log_in(client, "admin")
    return client


@pytest.fixture
def dora():
    user = services.create_user("dora", "warehouse", PASSWORD)
    db.session.commit()
    return user.id


def read_user(username: str) -> User:
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.username == username))


def user_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(User))


def label(app, role: str) -> str:
    return app.extensions["erp"].roles[role].label


def text(response) -> str:
    return response.get_data(as_text=True)


def plain(markup: str) -> str:
    """What a person reads of some HTML: the text without its tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def flashes(response) -> list[tuple[str, str]]:
    found = re.findall(r'<div class="flash flash-(\w+)">(.*?)</div>', text(response), re.S)
    return [(kind, plain(message)) for kind, message in found]


def field_errors(response, name: str) -> list[str]:
    """The messages shown next to the form field named ``name``."""
    for block in text(response).split('<div class="field ')[1:]:  # each field, up to the next one
        if f'name="{name}"' in block:
            return [html.unescape(m) for m in re.findall(r'<div class="error">(.*?)</div>', block)]
    raise AssertionError(f"no field {name!r} on the page")


def activity(response) -> list[tuple[str, str, str]]:
    """(when, who, what) rows of the Activity panel, newest first, as shown."""
    return activity_of(text(response))


def api_status(client, token: str) -> int:
    return client.get("/api/v1/partners", headers={"Authorization": f"Bearer {token}"}).status_code


def logged_in_as(app, username: str, password: str = PASSWORD):
    browser = app.test_client()
    assert browser.post("/login", data={"username": username, "password": password}).status_code == 302
    assert browser.get("/").status_code == 200
    return browser


# ---------------------------------------------------------------- menu and list


def test_the_settings_menu_leads_admins_to_the_users_list(web):
    header = text(web.get("/")).split("</header>")[0]
    assert "<summary>Settings</summary>" in header and 'href="/settings/users/">Users</a>' in header


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_other_roles_see_no_users_entry(client, role):
    log_in(client, role)
    header = text(client.get("/")).split("</header>")[0]
    assert "/settings/users/" not in header and "<summary>Settings</summary>" not in header


def test_the_list_shows_each_users_role_status_creation_and_last_login(app, web, dora):
    services.create_user("ed", "accountant", PASSWORD)
    services.update_user(read_user("ed"), {"active": False})
    db.session.commit()
    page = web.get("/settings/users/")
    assert page.status_code == 200
    body = text(page)
    assert 'href="/settings/users/new">New user</a>' in body
    assert '<div class="table-wrap">' in body
    rows = {plain(row.split("</td>")[0]).strip(): row for row in body.split("<tr>")[2:]}
    assert set(rows) == {"admin_web", "dora", "ed"}  # by name
    assert label(app, "warehouse") in rows["dora"] and 'badge-active">Active<' in rows["dora"]
    assert label(app, "accountant") in rows["ed"] and 'badge-inactive">Inactive<' in rows["ed"]
    assert len(TIME.findall(plain(rows["dora"]))) == 1 and "Never" in rows["dora"]  # created; never logged in
    assert len(TIME.findall(plain(rows["admin_web"]))) == 2  # created and last login
    assert f'href="/settings/users/{dora}"' in rows["dora"]


# ---------------------------------------------------------------- creating


def test_the_new_user_form_offers_the_declared_roles_and_says_the_password_rule(app, web):
    body = text(web.get("/settings/users/new"))
    for name, role in app.extensions["erp"].roles.items():
        assert f'<option value="{name}">{role.label}</option>' in body
    assert "At least 10 characters." in body
    first_option = re.search(r'<select[^>]*name="role"[^>]*>\s*(<option[^>]*>[^<]*</option>)', body).group(1)
    assert first_option == '<option value="">Choose a role</option>', "no role is picked for the admin"


def test_a_new_user_needs_a_role_chosen(web):
    before = user_count()
    response = web.post("/settings/users/new", data={"username": "eve", "role": "", "password": PASSWORD})
    assert response.status_code == 422
    assert field_errors(response, "role")[0].startswith("Choose one of the roles ")
    assert user_count() == before


def test_an_admin_creates_a_user(app, web):
    response = web.post("/settings/users/new", data={"username": "dora", "role": "warehouse", "password": PASSWORD})
    created = read_user("dora")
    assert response.status_code == 302 and response.location == f"/settings/users/{created.id}"
    assert (created.role, created.active) == ("warehouse", True)
    page = web.get(response.location)
    assert ("success", f"User dora created with role {label(app, 'warehouse')}.") in flashes(page)
    assert activity(page)[0][1:] == ("admin_web", f"Created with role {label(app, 'warehouse')}")
    assert logged_in_as(app, "dora")


@pytest.mark.parametrize("username,password,field,message", [
    ("DORA", PASSWORD, "username", "The user name dora is taken (case does not count)."),
    ("with space", PASSWORD, "username", "Use 1 to 64 letters, digits, dots, underscores or hyphens (no spaces)."),
    ("eve", "too-short", "password", "Use a password of at least 10 characters."),
])
def test_a_refused_new_user_shows_the_rule_next_to_its_field_and_creates_nothing(web, dora, username, password, field, message):
    before = user_count()
    response = web.post("/settings/users/new", data={"username": username, "role": "accountant", "password": password})
    assert response.status_code == 422
    assert field_errors(response, field) == [message]
    assert field_errors(response, "role") == []
    assert f'value="{username}"' in text(response), "what was typed is kept"
    assert user_count() == before
    assert read_user("dora").role == "warehouse"


# ---------------------------------------------------------------- one user's page


def test_a_users_page_shows_their_facts_forms_and_activity(app, web, dora):
    page = web.get(f"/settings/users/{dora}")
    assert page.status_code == 200
    body = text(page)
    assert "<h1>dora</h1>" in body and label(app, "warehouse") in body and 'badge-active">Active<' in body
    assert '<option selected value="warehouse">' in body
    assert "Leave it empty to generate one" in body
    assert 'action="/settings/users/%d/deactivate"' % dora in body and "data-confirm=" in body
    assert "dora has no API tokens." in body
    assert activity(page) == [(activity(page)[0][0], "command line", f"Created with role {label(app, 'warehouse')}")]
    assert TIME.fullmatch(activity(page)[0][0])


def test_an_unknown_user_is_not_found(web):
    assert web.get("/settings/users/999").status_code == 404


def test_changing_a_role_is_saved_and_audited(app, web, dora):
    response = web.post(f"/settings/users/{dora}/role", data={"role": "inventory_manager"})
    assert response.status_code == 302 and response.location == f"/settings/users/{dora}"
    assert read_user("dora").role == "inventory_manager"
    page = web.get(response.location)
    assert ("success", f"dora now has the role {label(app, 'inventory_manager')}.") in flashes(page)
    assert activity(page)[0][1:] == ("admin_web", f"Role changed from {label(app, 'warehouse')} to {label(app, 'inventory_manager')}")


def test_the_last_admin_cannot_demote_or_deactivate_themselves_and_nothing_changes(web):
    me = read_user("admin_web")
    response = web.post(f"/settings/users/{me.id}/role", data={"role": "accountant"})
    assert response.status_code == 422
    assert field_errors(response, "role") == ["admin_web is the last active administrator; make another user an administrator first."]
    assert read_user("admin_web").role == "admin"

    response = web.post(f"/settings/users/{me.id}/deactivate")
    assert response.status_code == 302
    page = web.get(response.location)
    messages = [m for kind, m in flashes(page) if kind == "error"]
    assert any("last active administrator" in m for m in messages)
    assert '<div class="flashes" role="alert" tabindex="-1">' in text(page), "screen readers say an error at once"
    assert read_user("admin_web").active is True
    assert [e.action for e in db.session.execute(audit.entries_stmt("user", me.id))] == ["create"]


def test_an_admin_who_gives_themselves_another_role_goes_to_the_dashboard(app, web):
    services.create_user("ada", "admin", PASSWORD)
    db.session.commit()
    me = read_user("admin_web")
    response = web.post(f"/settings/users/{me.id}/role", data={"role": "accountant"})
    assert response.status_code == 302 and response.location == "/"
    page = web.get("/")
    assert ("success", f"admin_web now has the role {label(app, 'accountant')}.") in flashes(page)
    assert "/settings/users/" not in text(page)
    assert web.get("/settings/users/").status_code == 403


def test_deactivating_ends_the_users_session_and_tokens_at_once_and_reactivating_lets_them_back(app, web, dora):
    browser = logged_in_as(app, "dora")
    token = services.create_token(read_user("dora"))
    db.session.commit()
    assert api_status(app.test_client(), token) == 200

    response = web.post(f"/settings/users/{dora}/deactivate")
    assert response.status_code == 302
    page = web.get(response.location)
    assert ("success", "dora is deactivated: they are logged out and their API tokens no longer work.") in flashes(page)
    assert 'badge-inactive">Inactive<' in text(page) and ">Reactivate</button>" in text(page)
    assert read_user("dora").active is False
    assert "/login" in browser.get("/partners").location
    assert api_status(app.test_client(), token) == 401

    response = web.post(f"/settings/users/{dora}/reactivate")
    assert read_user("dora").active is True
    page = web.get(response.location)
    assert [what for _, _, what in activity(page)][:2] == ["Reactivated", "Deactivated"]
    assert api_status(app.test_client(), token) == 401, "a reactivation brings no token back"
    assert logged_in_as(app, "dora")


def test_a_new_password_typed_by_the_admin_ends_sessions_and_tokens(app, web, dora):
    browser = logged_in_as(app, "dora")
    token = services.create_token(read_user("dora"))
    db.session.commit()
    response = web.post(f"/settings/users/{dora}/password", data={"password": "a-new-password"})
    assert response.status_code == 302
    assert ("success", "Password of dora changed. Their sessions and API tokens have ended.") in flashes(web.get(response.location))
    assert "/login" in browser.get("/").location and api_status(app.test_client(), token) == 401
    assert logged_in_as(app, "dora", "a-new-password")


def test_a_weak_new_password_is_refused_next_to_the_field_and_changes_nothing(app, web, dora):
    browser = logged_in_as(app, "dora")
    hash_before = read_user("dora").password_hash
    response = web.post(f"/settings/users/{dora}/password", data={"password": "short"})
    assert response.status_code == 422
    assert field_errors(response, "password") == ["Use a password of at least 10 characters."]
    assert read_user("dora").password_hash == hash_before
    assert browser.get("/").status_code == 200, "the user's session goes on"
    assert [what for _, _, what in activity(response)] == [f"Created with role {label(app, 'warehouse')}"]


def test_an_empty_new_password_is_generated_and_shown_once(app, web, dora):
    page = web.post(f"/settings/users/{dora}/password", data={"password": ""})
    assert page.status_code == 200, "shown in the answer itself, never in a flash (flashes travel in the session cookie)"
    shown = [m for kind, m in flashes(page) if kind == "success"]
    assert len(shown) == 1 and shown[0].startswith("New password for dora: ") and "not shown again" in shown[0]
    password = re.search(r'<code class="secret">([^<]+)</code>', text(page)).group(1)
    assert len(password) >= 10 and f"New password for dora: {password} — pass it on now" in shown[0]
    assert password not in text(web.get(f"/settings/users/{dora}")), "shown once"
    assert logged_in_as(app, "dora", password)
    assert activity(web.get(f"/settings/users/{dora}"))[0][1:] == ("admin_web", "Password changed")


def test_revoking_api_tokens_shows_how_many_there_were(app, web, dora):
    tokens = [services.create_token(read_user("dora")) for _ in range(3)]
    db.session.execute(update(ApiToken).where(ApiToken.user_id == dora, ApiToken.id == db.select(db.func.min(ApiToken.id)).scalar_subquery())
                       .values(created_at=utcnow() - timedelta(days=app.config["ERP_TOKEN_DAYS"] + 1)))
    db.session.commit()
    body = text(web.get(f"/settings/users/{dora}"))
    assert "dora has 3 API tokens (1 of them expired)." in body and ">Revoke all 3 API tokens</button>" in body
    response = web.post(f"/settings/users/{dora}/tokens/revoke")
    page = web.get(response.location)
    assert ("success", "3 API tokens of dora revoked.") in flashes(page)
    assert "dora has no API tokens." in text(page)
    assert all(api_status(app.test_client(), token) == 401 for token in tokens)
    assert activity(page)[0][1:] == ("admin_web", "3 API tokens revoked")
    assert read_user("dora").active is True, "revoking tokens leaves the user and their web sessions alone"


# ---------------------------------------------------------------- admins only


def users_urls(app, user_id: int) -> list[tuple[str, str]]:
    """(method, path) of every Settings → Users URL, ids filled with ``user_id``."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("users.") and not rule.endpoint.endswith(".static"):
            path = rule.rule.replace("<int:user_id>", str(user_id))
            urls += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return urls


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_every_users_page_and_action_is_forbidden_to_other_roles(app, client, dora, role):
    token = services.create_token(read_user("dora"))
    db.session.commit()
    log_in(client, role)
    before = user_count()
    urls = users_urls(app, dora)
    assert len(urls) >= 9
    for method, path in urls:
        data = {"username": "mallory", "role": "admin", "password": "mallory-password"} if method == "POST" else None
        response = client.open(path, method=method, data=data)
        assert response.status_code == 403, (method, path, response.status_code)
        assert "Not allowed" in text(response) and "Administrator" in text(response)
    dora_now = read_user("dora")
    assert (dora_now.role, dora_now.active, user_count()) == ("warehouse", True, before)
    assert api_status(app.test_client(), token) == 200
    assert [e.action for e in db.session.execute(audit.entries_stmt("user", dora))] == ["create"]
