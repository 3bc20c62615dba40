import pytest

pytestmark = pytest.mark.browser


def test_login_dashboard_and_help(login, live_server):
    page = login("admin")
    assert page.locator("h1").first.inner_text() == "Dashboard"
    page.click("text=Help / Docs")
    assert "/help" in page.url
