"""Hostile and careless input gets a 4xx that says what to do, never a 500, on every database:
bodies too large or not JSON, unknown fields, ids out of range, invisible characters, numbers no
column holds, over-long names; and the headers and files that keep a deployment private."""
import stat
from pathlib import Path

import pytest

from erp_core import create_app
from erp_core.database import db
from erp_core.models import Partner, Product
from erp_core.testing import assert_error, log_in, ok

BIG = 2**31


def partner_names() -> set[str]:
    return set(db.session.scalars(db.select(Partner.name)))


# ---------------------------------------------------------------- bodies


def test_a_body_over_10_mib_is_refused_before_it_is_read(api):
    response = api.post("/partners", data=b'{"name": "' + b"x" * (10 * 2**20) + b'"}', content_type="application/json")
    assert_error(response, 413, "payload_too_large")
    assert partner_names() == set()


def test_a_body_that_is_not_json_is_415_even_when_it_parses_as_json(api):
    response = api.post("/partners", data='{"name": "Plain"}', content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")
    assert partner_names() == set()
    assert ok(api.post("/partners", data='{"name": "Json"}', content_type="application/json"), 201)["name"] == "Json"


def test_unknown_fields_are_refused_by_name_not_dropped(api):
    error = assert_error(api.post("/partners", json={"name": "Acme", "emial": "a@acme.test"}), 400, "bad_request")
    assert "emial" in error["message"] and [d["field"] for d in error["details"]] == ["emial"]
    assert partner_names() == set()


def test_an_action_takes_no_body_or_an_empty_one(api):
    product = ok(api.post("/products", json={"name": "Dock"}), 201)
    assert_error(api.post("/products", data="name=x", content_type="application/x-www-form-urlencoded"), 415,
                 "unsupported_media_type")
    assert ok(api.get(f"/products/{product['id']}", json={}))["name"] == "Dock"
    assert_error(api.get(f"/products/{product['id']}", json={"verbose": True}), 400, "bad_request")


# ---------------------------------------------------------------- ids and offsets


@pytest.mark.parametrize("path", [f"/partners/{BIG}", f"/products/{2**63}", f"/partners/{10**30}", "/partners/0"])
def test_ids_out_of_range_in_a_path_are_404(api, path):
    assert_error(api.get(path), 404, "not_found")
    assert_error(api.patch(path, json={"name": "x"}), 404, "not_found")


@pytest.mark.parametrize("query", [f"offset={BIG}", f"offset={2**63}", "offset=-1", f"product_id={BIG}", f"partner_id={2**64}"])
def test_ids_and_offsets_out_of_range_in_a_query_are_400(api, query):
    path = "/invoices?" if "partner_id" in query else "/serials?" if "product_id" in query else "/partners?"
    error = assert_error(api.get(path + query), 400, "bad_request")
    assert error["details"][0]["field"] == "query." + query.split("=")[0]


def test_ids_out_of_range_in_a_body_are_400(api):
    error = assert_error(api.post("/invoices", json={"type": "vendor_bill", "partner_id": 2**63, "lines": []}), 400, "bad_request")
    assert error["details"][0]["field"] == "partner_id"


def test_pages_out_of_range_on_the_web_show_the_last_page_there_can_be(client):
    log_in(client)
    for page in (str(BIG), str(2**63), str(10**40), "-5", "x"):
        assert client.get(f"/partners?page={page}").status_code == 200, page
    assert client.get(f"/partners/{2**63}").status_code == 404


# ---------------------------------------------------------------- text


INVISIBLE = ["\x00", "\x01", "\x1b", "\x7f", "\u0085", "\u2028", "\u2029", "\u200b", "\u200d", "\ufeff", "\u202e"]


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_invisible_characters_in_text_are_refused_on_every_database(api, char):
    error = assert_error(api.post("/partners", json={"name": f"Ac{char}me"}), 400, "bad_request")
    assert error["details"][0]["field"] == "name" and f"U+{ord(char):04X}" in error["details"][0]["message"]
    assert_error(api.get("/partners", query_string={"q": f"a{char}"}), 400, "bad_request")
    assert_error(api.get("/partners/1", query_string={"x": "y"}), 404, "not_found")  # other parameters are ignored
    assert partner_names() == set()


def test_a_nul_byte_at_login_is_a_400_not_a_crash(client):
    response = client.post("/api/v1/auth/token", json={"username": "ad\x00min", "password": "password-123"})
    assert_error(response, 400, "bad_request")
    assert client.post("/login", data={"username": "ad\x00min", "password": "x"}).status_code == 200  # the form says so


def test_web_forms_and_searches_refuse_invisible_characters(client):
    log_in(client, "accountant")
    response = client.post("/partners/new", data={"name": "Evil\x00Corp"})
    assert response.status_code == 200 and "invisible character" in response.get_data(as_text=True)
    assert client.get("/partners?q=%00").status_code == 400
    assert "invisible character" in client.get("/inventory/serials?q=a%E2%80%8Bb").get_data(as_text=True)
    assert partner_names() == set()


def test_length_limits_hold_for_post_patch_and_the_web_forms_alike(api, client):
    partner = ok(api.post("/partners", json={"name": "Acme"}), 201)
    product = ok(api.post("/products", json={"name": "Dock"}), 201)
    assert_error(api.post("/partners", json={"name": "x" * 201}), 400, "bad_request")
    assert_error(api.patch(f"/partners/{partner['id']}", json={"name": "x" * 201}), 400, "bad_request")
    assert_error(api.patch(f"/products/{product['id']}", json={"name": "x" * 201}), 400, "bad_request")
    assert_error(api.patch(f"/products/{product['id']}", json={"default_code": "x" * 65}), 400, "bad_request")
    log_in(client)
    html = client.post(f"/partners/{partner['id']}", data={"name": "x" * 20_000}).get_data(as_text=True)
    assert "at most 200 characters" in html
    html = client.post(f"/products/{product['id']}", data={"name": "Dock", "type": "storable", "default_code": "x" * 65,
                                                           "tracking": "none", "warranty_months": "0"}).get_data(as_text=True)
    assert "at most 64 characters" in html
    db.session.expire_all()
    assert (db.session.get(Partner, partner["id"]).name, db.session.get(Product, product["id"]).default_code) == ("Acme", None)


def test_a_taken_barcode_on_patch_is_422_not_a_crash(api):
    ok(api.post("/products", json={"name": "Dock", "barcode": "4006381333931"}), 201)
    other = ok(api.post("/products", json={"name": "Hub"}), 201)
    error = assert_error(api.patch(f"/products/{other['id']}", json={"barcode": "4006381333931"}), 422, "duplicate_barcode")
    assert error["details"][0]["field"] == "barcode"


# ---------------------------------------------------------------- errors


def test_a_422_always_names_an_item_and_long_lists_are_cut_at_1000(api):
    from erp_core.errors import DomainError

    assert DomainError("some_rule", "A rule.").to_dict()["error"]["details"] == [{"code": "some_rule", "message": "A rule."}]
    many = DomainError("too_many", "Many.", [{"code": "x", "message": str(n)} for n in range(2500)]).to_dict()["error"]
    assert len(many["details"]) == 1000 and many["details_omitted"] == 1500


def test_unknown_pages_get_the_apps_own_404_page(client):
    log_in(client)
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "There is no page at this address" in html and 'class="topbar"' in html


# ---------------------------------------------------------------- headers and files


def test_no_store_on_answers_with_data_and_hsts_with_secure_cookies(client, app):
    log_in(client)
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/health").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/erp.css").headers.get("Cache-Control", "")
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = create_app({"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "ERP_SECURE_COOKIES": "1", "TESTING": True})
    assert secure.config["SESSION_COOKIE_SECURE"] is True
    assert secure.test_client().get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_development_server_sends_no_version_banner():
    from erp_core.cli import NoBannerRequestHandler

    assert NoBannerRequestHandler.version_string(None) == "ERP"


def test_the_sqlite_database_and_its_companions_are_private(tmp_path):
    path = tmp_path / "instance" / "private.sqlite3"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True})
    with app.app_context():
        with db.engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x)")
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        files = [p for p in Path(path.parent).iterdir() if p.name.startswith("private.sqlite3")]
        assert {p.name for p in files} >= {"private.sqlite3", "private.sqlite3-wal"}
        assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o600 for p in files}
        db.engine.dispose()
