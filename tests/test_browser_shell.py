"""The UI shell in a real browser: log in, the dashboard, Help from the header, the phone layout."""
import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_login_dashboard_and_help(login, live_server):
    page = login("admin")
    assert page.locator("main h1").first.inner_text() == "Dashboard"
    assert page.locator(".card").count() >= 1, "the addons' cards are on the dashboard"

    with page.context.expect_page() as opened:  # in a new tab, at the part about the dashboard
        page.click("header >> text=Help / Docs")
    page = opened.value
    page.wait_for_url(live_server.url + "/help/getting-started#the-dashboard")
    assert page.locator(".guide-body h1").first.inner_text() == "Getting started"

    sections = page.locator(".guide-toc a")
    assert sections.count() >= 2
    last = sections.last
    title = last.inner_text()
    last.click()
    page.wait_for_url(lambda url: "/help/" in url)
    assert page.locator(".guide-body h1").first.inner_text() == title
    assert page.locator(".guide-toc a[aria-current=page]").inner_text() == title


def test_a_wrong_password_shows_a_message_and_stays_on_login(page, live_server):
    username, _ = live_server.create_user("clerk", "accountant")
    page.goto(live_server.url + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "not-my-password")
    page.click("button[type=submit]")
    assert page.locator("text=Wrong user name or password.").is_visible()
    assert "/login" in page.url


def test_log_out_from_the_header(login, live_server):
    page = login("warehouse")
    page.click("header >> text=Log out")
    page.wait_for_url(lambda url: "/login" in url)
    page.goto(live_server.url + "/")
    assert "/login" in page.url


def page_overflows(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def test_on_a_phone_the_menu_button_opens_the_menu(login, live_server):
    page = login("warehouse")
    page.set_viewport_size(PHONE)
    nav = page.locator("#mainnav")
    toggle = page.locator("header .menu-toggle")
    assert toggle.is_visible() and not nav.is_visible()
    assert not page_overflows(page)

    toggle.click()
    assert nav.is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    menu = nav.locator("details.menu").first
    menu.locator("summary").click()
    link = menu.locator(".menu-panel a").first
    assert link.is_visible()
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(live_server.url + href)

    page.locator("header .menu-toggle").click()
    page.locator("header .menu-toggle").click()
    assert not page.locator("#mainnav").is_visible(), "pressing Menu again hides the menus"


def test_on_a_phone_the_guide_fits_the_screen(login, live_server):
    page = login("accountant")
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/help")
    assert page.locator(".guide-toc").is_visible()
    assert not page_overflows(page)


def test_a_menu_opened_with_the_keyboard_closes_on_escape_and_when_the_focus_leaves_it(login):
    page = login("admin")
    menu = page.locator("#mainnav details.menu").first
    summary = menu.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("open") is not None and menu.locator(".menu-panel a").first.is_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    assert menu.get_attribute("open") is None, "Escape closes the menu"
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY", "and the focus goes back to its button"

    page.keyboard.press("Enter")
    for _ in range(menu.locator(".menu-panel a").count() + 1):  # through its entries, and out
        page.keyboard.press("Tab")
    assert menu.evaluate("menu => !menu.contains(document.activeElement)")
    assert menu.get_attribute("open") is None, "the menu does not stay open over what comes next"
