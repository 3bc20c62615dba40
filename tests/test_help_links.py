"""The header's Help button opens, in a new tab, the part of the guide about the page: the guide
files say which pages each part explains (help marks), and every mark names a page of the app."""
import re

from erp_core.testing import log_in
from erp_core.web import help_pages


def help_link(html: str) -> str:
    return re.search(r'<a class="help-button" href="([^"]+)" target="_blank" rel="noopener"', html).group(1)


def test_every_help_mark_names_a_page_or_a_blueprint_of_the_app(app):
    with app.test_request_context():
        pages = help_pages()
    assert {"core.dashboard", "users"} <= set(pages)
    assert set(pages) - set(app.view_functions) - set(app.blueprints) == set()


def test_a_page_help_leads_to_its_part_of_the_guide_and_that_part_is_there(client):
    log_in(client, "admin")
    href = help_link(client.get("/settings/users/").get_data(as_text=True))
    assert href == "/help/users-and-security#managing-users-settings-users"
    path, anchor = href.split("#")
    assert re.search(rf'<h2 id="{anchor}">Managing users: Settings → Users</h2>', client.get(path).get_data(as_text=True))
    assert help_link(client.get("/help/users-and-security").get_data(as_text=True)) == "/help", "the guide itself: its start"
