"""The /api/v1 plumbing every endpoint shares: one error shape for every failure (404, 405, bad
JSON, wrong types, 500), pagination, and the OpenAPI document generated from the served routes."""
import re

import pytest
from openapi_spec_validator import validate
from sqlalchemy import insert

from erp_core import create_app
from erp_core.database import db
from erp_core.models import Partner
from erp_core.testing import Api, assert_error
from erp_core.testing.helpers import ARGUMENT
from tests.support import write_addon

# ---------------------------------------------------------------- the error shape


def test_unknown_path_is_404_in_the_error_shape(api, client):
    error = assert_error(api.get("/no/such/thing"), 404, "not_found")
    assert "/api/v1/no/such/thing" in error["message"]
    assert_error(client.get("/api/v1/no/such/thing"), 404, "not_found")
    assert_error(client.get("/api/v1"), 404, "not_found")


def test_unknown_record_is_404_in_the_error_shape(api):
    error = assert_error(api.get("/partners/999999"), 404, "not_found")
    assert "999999" in error["message"]


def test_wrong_method_is_405_in_the_error_shape(api):
    response = api.delete("/partners")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("raw", ['{"name": "Acme"', "name=Acme", "", "   "])
def test_malformed_json_is_400_bad_request(api, raw):
    response = api.request("POST", "/partners", data=raw, headers={"Content-Type": "application/json"})
    error = assert_error(response, 400, "bad_request")
    assert "JSON" in error["message"]


@pytest.mark.parametrize("raw", ["[1, 2]", '"Acme"', "42", "null"])
def test_json_that_is_not_an_object_is_400(api, raw):
    response = api.request("POST", "/partners", data=raw, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "bad_request")


def test_wrong_types_and_missing_fields_are_400_listing_every_field(api):
    error = assert_error(api.post("/products", json={"name": 5, "default_code": ["A"], "type": "gadget"}), 400, "bad_request")
    assert {d["field"] for d in error["details"]} == {"name", "default_code", "type"}
    assert all(d["code"] and d["message"] for d in error["details"])
    missing = assert_error(api.post("/partners", json={"email": "x@example.test"}), 400, "bad_request")
    assert missing["details"] == [{"field": "name", "code": "missing", "message": "Field required"}]


def test_numbers_as_text_are_wrong_types(api):
    error = assert_error(api.post("/partners", json={"name": "Acme", "email": 12}), 400, "bad_request")
    assert [d["field"] for d in error["details"]] == ["email"]


# A throwaway addon serving an endpoint that changes something and then fails unexpectedly.
PROBE_API = '''
    from erp_core import services
    from erp_core.api import ApiRoutes

    routes = ApiRoutes("probe")


    @routes.route("/probe/crash", "POST", summary="Create a partner, then crash", status=201)
    def crash():
        services.create_partner("Half-made partner")
        raise RuntimeError("a bug")
'''


@pytest.fixture
def probe_app(backend, database_factory, tmp_path, addon_tmp):
    write_addon(tmp_path, f"probe_{addon_tmp}", {"name": "probe", "version": "1.0", "depends": []}, api=PROBE_API)
    settings = {"ERP_ADDONS_PATH": str(tmp_path)}
    application = create_app({**settings, "DATABASE_URL": database_factory.fresh(backend, settings), "TESTING": True})
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def test_an_unexpected_error_is_500_in_the_error_shape_and_changes_nothing(probe_app, caplog):
    response = Api(probe_app).post("/probe/crash", json={})
    error = assert_error(response, 500, "internal_error")
    assert "a bug" not in error["message"], "internals stay in the log"
    assert "nothing was changed" in error["message"]
    assert db.session.scalar(db.select(Partner.id).where(Partner.name == "Half-made partner")) is None
    assert "Unhandled error on POST /api/v1/probe/crash" in caplog.text


def test_addon_endpoints_appear_in_the_openapi_document(probe_app, client):
    paths = probe_app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    assert paths["/api/v1/probe/crash"]["post"]["tags"] == ["probe"]


# ---------------------------------------------------------------- pagination


@pytest.fixture
def many_partners(app):
    db.session.execute(insert(Partner), [{"name": f"P{i:04d}"} for i in range(1005)])
    db.session.commit()


def names(response):
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


def test_lists_page_with_limit_offset_and_total(api, many_partners):
    body = api.get("/partners?limit=3&offset=10").get_json()
    assert body["total"] == 1005
    assert [i["name"] for i in body["items"]] == ["P0010", "P0011", "P0012"]
    assert len(names(api.get("/partners"))) == 100, "the default page size is 100"
    assert names(api.get("/partners?offset=1003")) == ["P1003", "P1004"]
    assert names(api.get("/partners?offset=5000")) == []
    assert names(api.get("/partners?limit=0")) == []


def test_a_limit_above_1000_counts_as_1000(api, many_partners):
    body = api.get("/partners?limit=5000").get_json()
    assert len(body["items"]) == 1000 and body["total"] == 1005


def test_total_counts_the_filtered_rows(api, many_partners):
    body = api.get("/partners?q=P100&limit=2").get_json()
    assert body["total"] == 5 and len(body["items"]) == 2


@pytest.mark.parametrize("query, field", [("limit=-1", "query.limit"), ("offset=-5", "query.offset"),
                                          ("limit=ten", "query.limit"), ("limit=1.5", "query.limit")])
def test_a_bad_page_parameter_is_400(api, query, field):
    error = assert_error(api.get(f"/partners?{query}"), 400, "bad_request")
    assert [d["field"] for d in error["details"]] == [field]


# ---------------------------------------------------------------- OpenAPI


def served_operations(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every /api/v1 route the app serves."""
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = ARGUMENT.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
            operations |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return operations


def documented_operations(document) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item}


def test_openapi_document_is_public_and_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    validate(document)


def test_openapi_documents_every_served_endpoint_and_nothing_else(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert documented_operations(document) == served_operations(app)
    assert ("/api/v1/partners/{partner_id}", "patch") in documented_operations(document)


def test_openapi_describes_auth_errors_and_bodies(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "security" not in paths["/api/v1/health"]["get"]
    assert "security" not in paths["/api/v1/auth/token"]["post"]
    create_partner = paths["/api/v1/partners"]["post"]
    assert create_partner["security"] == [{"bearer": []}]
    assert {"201", "400", "401", "403", "422"} <= set(create_partner["responses"])
    assert "accountant" in create_partner["description"]
    assert create_partner["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/PartnerIn")
    parameters = {p["name"] for p in paths["/api/v1/partners"]["get"]["parameters"]}
    assert {"limit", "offset", "q"} <= parameters


# ---------------------------------------------------------------- Server-Timing


def test_every_answer_says_how_much_of_its_time_went_into_sql(api, client):
    """``Server-Timing: db;dur=<ms>, app;dur=<ms>``: SQL statements, then the rest of the server's
    time; on API answers, errors and pages alike."""
    timings = []
    for response in (api.get("/partners"), api.post("/partners", json={"name": "Acme"}), api.get("/partners/999999"),
                     client.get("/login")):
        match = re.fullmatch(r"db;dur=(\d+\.\d), app;dur=(\d+\.\d)", response.headers.get("Server-Timing", ""))
        assert match, response.headers
        timings.append(tuple(map(float, match.groups())))
    assert all(db > 0 and app > 0 for db, app in timings[:3])  # the token check alone is a statement
