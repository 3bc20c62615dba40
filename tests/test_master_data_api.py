"""Products and partners through /api/v1, per the contract (the core's fields; tracking and
warranty_months belong to serial_tracking and are tested there)."""
import pytest

from erp_core.testing import assert_error

CORE_PRODUCT_FIELDS = {"id", "name", "default_code", "barcode", "type"}


@pytest.fixture
def manager(api):
    return api.as_("inventory_manager")


@pytest.fixture
def accountant(api):
    return api.as_("accountant")


# ---------------------------------------------------------------- products


def test_a_new_product_is_storable_by_default(manager):
    response = manager.post("/products", json={"name": "Laptop"})
    assert response.status_code == 201, response.get_json()
    product = response.get_json()
    assert CORE_PRODUCT_FIELDS <= set(product)
    assert product["name"] == "Laptop" and product["type"] == "storable"
    assert product["default_code"] is None and product["barcode"] is None
    assert isinstance(product["id"], int)
    if "tracking" in product:  # added by serial_tracking when loaded
        assert product["tracking"] == "none"


def test_a_product_with_every_core_field_reads_back_the_same(manager, api):
    sent = {"name": "USB cable", "default_code": "CAB-1", "barcode": "4006381333931", "type": "consumable"}
    created = manager.post("/products", json=sent).get_json()
    assert {k: created[k] for k in sent} == sent
    assert api.as_("warehouse").get(f"/products/{created['id']}").get_json() == created


@pytest.mark.parametrize("product_type", ["storable", "consumable", "service"])
def test_each_product_type_is_accepted(manager, product_type):
    assert manager.post("/products", json={"name": "Thing", "type": product_type}).get_json()["type"] == product_type


def test_an_unknown_product_type_is_400(manager):
    error = assert_error(manager.post("/products", json={"name": "Thing", "type": "gadget"}), 400, "bad_request")
    assert [d["field"] for d in error["details"]] == ["type"]


def test_patch_changes_only_the_given_fields(manager):
    product = manager.post("/products", json={"name": "Phone", "default_code": "PH-1", "barcode": "111"}).get_json()
    response = manager.patch(f"/products/{product['id']}", json={"name": "Phone X", "barcode": None})
    assert response.status_code == 200
    assert response.get_json() == {**product, "name": "Phone X", "barcode": None}
    assert manager.get(f"/products/{product['id']}").get_json() == response.get_json()


def test_patch_refuses_to_empty_a_required_field(manager):
    product = manager.post("/products", json={"name": "Phone"}).get_json()
    error = assert_error(manager.patch(f"/products/{product['id']}", json={"name": None, "type": None}), 400, "bad_request")
    assert {d["field"] for d in error["details"]} == {"name", "type"}
    assert manager.get(f"/products/{product['id']}").get_json()["name"] == "Phone"


def test_duplicate_codes_and_barcodes_are_422_listing_both(manager):
    manager.post("/products", json={"name": "First", "default_code": "DUP", "barcode": "999"})
    error = assert_error(manager.post("/products", json={"name": "Second", "default_code": "DUP", "barcode": "999"}), 422, "duplicate_default_code")
    assert {d["field"] for d in error["details"]} == {"default_code", "barcode"}
    assert manager.get("/products?q=Second").get_json()["total"] == 0


def test_a_product_may_keep_its_own_code_when_patched(manager):
    product = manager.post("/products", json={"name": "Desk", "default_code": "DESK"}).get_json()
    assert manager.patch(f"/products/{product['id']}", json={"default_code": "DESK", "name": "Desk 2"}).status_code == 200


def test_blank_names_are_refused_and_names_are_trimmed(manager):
    error = assert_error(manager.post("/products", json={"name": "   "}), 422, "required")
    assert [d["field"] for d in error["details"]] == ["name"]
    assert manager.post("/products", json={"name": "  Monitor  ", "default_code": " MON "}).get_json()["name"] == "Monitor"
    assert manager.get("/products?q=MON").get_json()["items"][0]["default_code"] == "MON"


def test_products_are_searched_by_name_code_or_barcode_and_filtered_by_type(manager):
    manager.post("/products", json={"name": "Laptop Pro", "default_code": "LP-1", "barcode": "5012345678900"})
    manager.post("/products", json={"name": "Repair service", "type": "service"})
    for query in ("q=laptop", "q=LP-", "q=50123"):
        assert [p["name"] for p in manager.get(f"/products?{query}").get_json()["items"]] == ["Laptop Pro"], query
    assert [p["name"] for p in manager.get("/products?type=service").get_json()["items"]] == ["Repair service"]


def test_an_unknown_product_is_404(manager):
    assert_error(manager.get("/products/424242"), 404, "not_found")
    assert_error(manager.patch("/products/424242", json={"name": "x"}), 404, "not_found")


# ---------------------------------------------------------------- partners


def test_a_partner_is_name_and_email(accountant):
    response = accountant.post("/partners", json={"name": "Acme Corp", "email": "buy@acme.test"})
    assert response.status_code == 201
    partner = response.get_json()
    assert partner == {"id": partner["id"], "name": "Acme Corp", "email": "buy@acme.test"}
    assert accountant.as_("warehouse").get(f"/partners/{partner['id']}").get_json() == partner


def test_a_partner_without_email(accountant):
    assert accountant.post("/partners", json={"name": "Walk-in"}).get_json()["email"] is None


def test_patch_a_partner(accountant):
    partner = accountant.post("/partners", json={"name": "Beta", "email": "old@beta.test"}).get_json()
    response = accountant.patch(f"/partners/{partner['id']}", json={"email": None})
    assert response.status_code == 200 and response.get_json() == {**partner, "email": None}
    renamed = accountant.patch(f"/partners/{partner['id']}", json={"name": "  Beta GmbH "}).get_json()
    assert renamed["name"] == "Beta GmbH"


def test_a_partner_needs_a_name(accountant):
    assert_error(accountant.post("/partners", json={"name": ""}), 400, "bad_request")
    assert_error(accountant.post("/partners", json={"name": "  "}), 422, "required")
    partner = accountant.post("/partners", json={"name": "Gamma"}).get_json()
    assert_error(accountant.patch(f"/partners/{partner['id']}", json={"name": None}), 422, "required")
    assert accountant.get(f"/partners/{partner['id']}").get_json()["name"] == "Gamma"


def test_partners_are_listed_by_name_and_searched_by_name_or_email(accountant):
    for name, email in (("Zeta", "z@example.test"), ("Alpha", "sales@alpha.test"), ("Mu", None)):
        accountant.post("/partners", json={"name": name, "email": email})
    body = accountant.get("/partners").get_json()
    assert [p["name"] for p in body["items"]] == ["Alpha", "Mu", "Zeta"] and body["total"] == 3
    assert [p["name"] for p in accountant.get("/partners?q=SALES@").get_json()["items"]] == ["Alpha"]
    assert [p["name"] for p in accountant.get("/partners?q=zet").get_json()["items"]] == ["Zeta"]
