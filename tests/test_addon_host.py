"""The addon host: discovery from a folder and from an entry point, load order, hooks, menu,
selection with ERP_ADDONS, and the start-up errors that name the addons at fault."""
import re

import pytest

from erp_core import create_app
from erp_core.addons import AddonError
from erp_core.testing import anonymous_access_problems, log_in
from erp_core.web import help_url
from tests.support import write_addon


@pytest.fixture
def app_settings(throwaway_addons):
    return throwaway_addons


def loaded_names(app):
    return [a.name for a in app.extensions["erp"].addons]


def test_addons_from_a_folder_and_an_entry_point_load_after_their_dependencies(app):
    names = loaded_names(app)
    assert {"widgets", "gadgets"} <= set(names)
    assert names.index("gadgets") < names.index("widgets")
    origins = {a.name: a.origin for a in app.extensions["erp"].addons}
    assert origins["gadgets"] == "entry point gadgets"
    assert origins["widgets"].endswith("extra_addons")


def test_both_addons_add_a_menu_entry_to_the_header(app, client):
    log_in(client, "warehouse")
    html = client.get("/").get_data(as_text=True)
    header = html.split("</header>")[0]
    assert "<summary>Gadgets</summary>" in header and 'href="/gadgets/">Gadget list</a>' in header
    assert "<summary>Widgets</summary>" in header and 'href="/widgets/">All widgets</a>' in header
    assert client.get("/widgets/").status_code == 200


def test_a_menu_entry_with_a_permission_shows_only_to_roles_that_have_it(app, client):
    log_in(client, "warehouse")
    assert "Widget settings" not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    log_in(client, "accountant")
    header = client.get("/").get_data(as_text=True).split("</header>")[0]
    assert '<div class="menu-group">Configuration</div>' in header
    assert 'href="/widgets/settings">Widget settings</a>' in header


def test_an_addon_guide_section_joins_the_help_in_file_name_order(app, client):
    log_in(client)
    html = client.get("/help/using-widgets").get_data(as_text=True)
    assert "<h1" in html and "Using widgets</h1>" in html and "<strong>Paint</strong>" in html
    toc = html.split('class="guide-toc"')[1].split("</nav>")[0]
    titles = re.findall(r'<a href="/help/[^"]+"[^>]*>([^<]+)</a>', toc)
    assert titles[0] == "Getting started" and titles[-1] == "Using widgets"
    assert client.get("/help/no-such-section").status_code == 404


def test_an_addon_guide_tells_help_which_of_its_pages_it_explains(app):
    with app.test_request_context("/widgets/settings"):
        assert help_url() == "/help/using-widgets#widget-settings"
    with app.test_request_context("/widgets/"):  # the rest of the blueprint: the section's title
        assert help_url() == "/help/using-widgets#using-widgets"


def test_both_addons_answer_the_dashboard_hook(app, client):
    username = log_in(client, "accountant")
    html = client.get("/").get_data(as_text=True)
    assert "Gadget card" in html and f"Gadgets for {username}" in html
    assert "Widget card" in html and 'href="/widgets/">Widgets in stock</a>' in html


def test_an_addon_implements_the_hook_another_addon_declares(app, client):
    log_in(client)
    assert "Labels: made by widgets" in client.get("/gadgets/").get_data(as_text=True)


def test_addon_pages_need_login_like_every_other_page(app):
    problems, _ = anonymous_access_problems(app)
    assert problems == []
    response = app.test_client().post("/widgets/1/paint")
    assert response.status_code == 302 and "/login" in response.location


def test_api_lists_loaded_addons_in_load_order_with_versions_and_depends(app, api):
    response = api.as_("warehouse").get("/addons")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [i["name"] for i in items] == loaded_names(app)
    by_name = {i["name"]: i for i in items}
    assert by_name["gadgets"] == {"name": "gadgets", "version": "0.3", "depends": []}
    assert by_name["widgets"] == {"name": "widgets", "version": "2.5", "depends": ["gadgets"]}


def test_erp_addons_command_lists_loaded_addons_in_load_order(app):
    result = app.test_cli_runner().invoke(args=["addons"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == loaded_names(app)
    widgets = next(line for line in lines if line.startswith("widgets"))
    assert "2.5" in widgets and "depends: gadgets" in widgets
    assert "0.3" in next(line for line in lines if line.startswith("gadgets"))


def test_an_addon_adds_a_command_to_the_erp_command_line(app, api):
    assert "gadgets-partners" in app.test_cli_runner().invoke(args=["--help"]).output
    api.as_("accountant").post("/partners", json={"name": "Acme"})
    result = app.test_cli_runner().invoke(args=["gadgets-partners"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 partners"


# ---------------------------------------------------------------- selecting addons


def make_app(**settings):
    return create_app({"DATABASE_URL": "sqlite://", "TESTING": True, **settings})


def test_erp_addons_selects_addons_and_brings_their_dependencies(throwaway_addons):
    app = make_app(ERP_ADDONS="widgets", **throwaway_addons)
    assert loaded_names(app) == ["gadgets", "widgets"]
    assert "widgets.index" in {rule.endpoint for rule in app.url_map.iter_rules()}


def test_an_addon_left_out_of_erp_addons_serves_nothing(throwaway_addons):
    app = make_app(ERP_ADDONS="invoicing", **throwaway_addons)
    assert loaded_names(app) == ["invoicing"]
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not any(e.startswith(("widgets.", "gadgets.")) for e in endpoints)


def test_erp_addons_naming_an_unknown_addon_stops_start_up():
    with pytest.raises(AddonError, match="not found: nosuchaddon"):
        make_app(ERP_ADDONS="invoicing, nosuchaddon")


# ---------------------------------------------------------------- start-up errors name the addons


def start_with(tmp_path, *addons):
    """Try to start an app with these (package, manifest, modules) addons in one extra folder."""
    folder = tmp_path / "bad_addons"
    for package, manifest, modules in addons:
        write_addon(folder, package, manifest, **modules)
    with pytest.raises(AddonError) as raised:
        make_app(ERP_ADDONS_PATH=str(folder))
    return str(raised.value)


def manifest(name, depends=()):
    return {"name": name, "version": "1.0", "summary": "", "depends": list(depends)}


def test_a_missing_dependency_stops_start_up_naming_both_addons(tmp_path, addon_tmp):
    message = start_with(tmp_path, (f"lonely_{addon_tmp}", manifest("lonely", ["ghost"]), {}))
    assert "'lonely'" in message and "'ghost'" in message and "not found" in message


def test_a_dependency_cycle_stops_start_up_naming_the_cycle(tmp_path, addon_tmp):
    message = start_with(tmp_path, (f"alpha_{addon_tmp}", manifest("alpha", ["beta"]), {}),
                         (f"beta_{addon_tmp}", manifest("beta", ["gamma"]), {}),
                         (f"gamma_{addon_tmp}", manifest("gamma", ["alpha"]), {}))
    assert "cycle" in message
    assert "alpha -> beta -> gamma -> alpha" in message


def test_two_addons_of_one_name_stop_start_up_naming_both_places(tmp_path, addon_tmp):
    first, second = tmp_path / "first", tmp_path / "second"
    write_addon(first, f"twin_a_{addon_tmp}", manifest("twin"))
    write_addon(second, f"twin_b_{addon_tmp}", manifest("twin"))
    with pytest.raises(AddonError) as raised:
        make_app(ERP_ADDONS_PATH=f"{first}:{second}")
    message = str(raised.value)
    assert "'twin'" in message and str(first) in message and str(second) in message


def test_an_addon_reusing_a_built_in_name_stops_start_up(tmp_path, addon_tmp):
    message = start_with(tmp_path, (f"copycat_{addon_tmp}", manifest("invoicing"), {}))
    assert "'invoicing'" in message and "Two addons" in message


def test_a_hook_implementation_without_a_spec_stops_start_up_naming_the_addon_and_hook(tmp_path, addon_tmp):
    hooks = '''
        from erp_core.hookspecs import hookimpl


        @hookimpl
        def erp_menu_entries():
            return []
    '''
    message = start_with(tmp_path, (f"typo_{addon_tmp}", manifest("typo"), {"hooks": hooks}))
    assert "'typo'" in message and "erp_menu_entries" in message


def test_a_manifest_that_is_not_plain_data_stops_start_up(tmp_path, addon_tmp):
    folder = tmp_path / "bad_addons"
    package = write_addon(folder, f"clever_{addon_tmp}", manifest("clever"))
    (package / "__manifest__.py").write_text("{'name': 'clever', 'version': str(1)}\n")
    with pytest.raises(AddonError, match="one dict literal"):
        make_app(ERP_ADDONS_PATH=str(folder))
