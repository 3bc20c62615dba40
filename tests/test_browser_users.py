"""Settings → Users in a real browser: an administrator deactivates a warehouse user while that
user has the app open in another browser; their next click lands on the login page and their API
token is refused. And the pages fit a phone's screen."""
import pytest
from playwright.sync_api import expect

from erp_core import services
from erp_core.database import db
from erp_core.testing import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def second_browser(_chromium):
    """Another person's browser: a context of its own, so its own cookies."""
    context = _chromium.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in_as(page, live_server, username, password=PASSWORD):
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")


def partners_status(page, live_server, token) -> int:
    return page.request.get(live_server.url + "/api/v1/partners", headers={"Authorization": f"Bearer {token}"}).status


def test_a_deactivated_user_is_logged_out_on_their_next_click_and_their_token_is_refused(login, live_server, second_browser):
    live_server.create_user("wendy", "warehouse")
    with live_server.app.app_context():
        token = services.create_token(services.get_user_by_name("wendy"))
        db.session.commit()
    wendy = second_browser
    log_in_as(wendy, live_server, "wendy")
    assert partners_status(wendy, live_server, token) == 200

    admin = login("admin")
    admin.click("header summary:has-text('Settings')")
    admin.click(".menu-panel >> text=Users")
    admin.wait_for_url(live_server.url + "/settings/users/")
    expect(admin.locator("main h1")).to_have_text("Users")
    row = admin.locator("tbody tr", has_text="wendy")
    expect(row).to_contain_text("Warehouse")
    expect(row.locator(".badge")).to_have_text("Active")
    row.locator("a", has_text="wendy").click()
    expect(admin.locator("main h1")).to_have_text("wendy")

    asked = []
    admin.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    admin.click("main button:has-text('Deactivate')")
    expect(admin.locator(".flash-success")).to_have_text(
        "wendy is deactivated: they are logged out and their API tokens no longer work.")
    assert asked == ["Deactivate wendy? They are logged out at once, and their API tokens stop working."]
    expect(admin.locator("main .badge").first).to_have_text("Inactive")
    expect(admin.locator("main button:has-text('Reactivate')")).to_be_visible()
    newest = admin.locator("#activity li").first
    expect(newest).to_contain_text("Deactivated")
    expect(newest).to_contain_text("admin_ui")

    # Wendy's tab still shows the dashboard; her next click takes her to the login page.
    expect(wendy.locator("main h1")).to_have_text("Dashboard")
    wendy.click("header summary:has-text('Inventory')")
    wendy.click(".menu-panel >> text=Serial Numbers")
    wendy.wait_for_url(lambda url: "/login" in url)
    expect(wendy.locator("main h1")).to_have_text("Log in")
    expect(wendy.locator("header")).not_to_contain_text("wendy")
    assert partners_status(wendy, live_server, token) == 401

    # And she cannot log in again.
    wendy.fill("input[name=username]", "wendy")
    wendy.fill("input[name=password]", PASSWORD)
    wendy.click("button[type=submit]")
    expect(wendy.locator("text=Wrong user name or password.")).to_be_visible()


def page_overflows(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def test_on_a_phone_the_users_pages_fit_the_screen(login, live_server):
    live_server.create_user("wendy", "warehouse")
    page = login("admin")
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/settings/users/")
    expect(page.locator("main h1")).to_have_text("Users")
    assert not page_overflows(page)
    page.click("text=New user")
    expect(page.locator("main h1")).to_have_text("New user")
    assert not page_overflows(page)
    page.fill("input[name=username]", "walter")
    page.select_option("select[name=role]", label="Warehouse")
    page.fill("input[name=password]", "short")
    page.click("button:has-text('Create user')")
    expect(page.locator(".field.has-error .error")).to_have_text("Use a password of at least 10 characters.")
    page.fill("input[name=password]", "long-enough-password")
    page.click("button:has-text('Create user')")
    expect(page.locator("main h1")).to_have_text("walter")
    assert not page_overflows(page)
    page.click("button:has-text('Set a new password')")
    message = page.locator(".flash-success")
    expect(message).to_contain_text("New password for walter: ")
    assert not page_overflows(page)
