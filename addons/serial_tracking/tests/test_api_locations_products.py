"""Locations (default tree, creation, filter) and the product fields this addon adds."""
from __future__ import annotations

from collections import Counter

from erp_addons.serial_tracking.models import Location

from erp_core.cli import initialise
from erp_core.testing import assert_error

from .common import create_product, ok, stock_location, table_counts

LOCATION_KEYS = ["id", "name", "full_name", "parent_id", "usage"]


def test_init_creates_the_default_locations_exactly_once(app, api):
    def listing():
        return [(loc["full_name"], loc["usage"]) for loc in ok(api.get("/locations"))["items"]]

    first = listing()
    assert first == [("Partners", "view"), ("Partners/Customers", "customer"), ("Partners/Vendors", "vendor"), ("Virtual", "view"),
                     ("Virtual/Inventory adjustment", "inventory"), ("Virtual/Scrap", "scrap"), ("WH", "view"), ("WH/Stock", "internal")]
    usages = Counter(usage for _, usage in first)
    assert all(usages[u] == 1 for u in ("vendor", "customer", "inventory", "scrap", "internal"))
    initialise(app, demo=False)
    assert listing() == first
    assert table_counts(Location) == (8,)


def test_locations_form_a_tree(api):
    stock = stock_location(api)
    assert list(stock) == LOCATION_KEYS
    manager = api.as_("inventory_manager")
    aisle = ok(manager.post("/locations", json={"name": " Aisle 1 ", "parent_id": stock["id"]}), 201)
    assert aisle == {"id": aisle["id"], "name": "Aisle 1", "full_name": "WH/Stock/Aisle 1", "parent_id": stock["id"], "usage": "internal"}
    shelf = ok(manager.post("/locations", json={"name": "Shelf 2", "parent_id": aisle["id"], "usage": "internal"}), 201)
    assert shelf["full_name"] == "WH/Stock/Aisle 1/Shelf 2"
    assert ok(api.get(f"/locations/{shelf['id']}")) == shelf
    assert [loc["full_name"] for loc in ok(api.get("/locations?usage=internal"))["items"]] == [
        "WH/Stock", "WH/Stock/Aisle 1", "WH/Stock/Aisle 1/Shelf 2"]
    top = ok(manager.post("/locations", json={"name": "Outlet", "usage": "view"}), 201)
    assert (top["parent_id"], top["full_name"]) == (None, "Outlet")


def test_creating_a_location_is_checked_and_needs_location_write(api):
    stock = stock_location(api)
    manager = api.as_("inventory_manager")
    assert_error(api.as_("warehouse").post("/locations", json={"name": "Shelf", "parent_id": stock["id"]}), 403, "forbidden")
    assert_error(manager.post("/locations", json={"name": "Stock", "parent_id": 1}), 422, "duplicate_location")
    assert_error(manager.post("/locations", json={"name": "A/B", "parent_id": stock["id"]}), 422, "invalid_name")
    assert_error(manager.post("/locations", json={"name": "Shelf", "parent_id": 99999}), 422, "not_found")
    assert_error(manager.post("/locations", json={"name": "Shelf", "usage": "attic"}), 400, "bad_request")
    assert_error(api.get("/locations?usage=attic"), 400, "bad_request")
    assert_error(api.get("/locations/99999"), 404, "not_found")
    assert table_counts(Location) == (8,)


def test_products_get_tracking_and_warranty(api):
    manager = api.as_("inventory_manager")
    plain = ok(manager.post("/products", json={"name": "Mouse"}), 201)
    assert (plain["type"], plain["tracking"], plain["warranty_months"]) == ("storable", "none", 0)
    laptop = create_product(api, "Laptop", tracking="serial", warranty_months=36)
    assert (laptop["tracking"], laptop["warranty_months"]) == ("serial", 36)
    assert ok(manager.patch(f"/products/{plain['id']}", json={"tracking": "lot"}))["tracking"] == "lot"

    failure = assert_error(manager.post("/products", json={"name": "Gift card", "type": "consumable", "tracking": "serial"}),
                    422, "tracking_requires_storable")
    assert failure["details"][0]["field"] == "tracking"
    assert_error(manager.patch(f"/products/{laptop['id']}", json={"type": "service"}), 422, "tracking_requires_storable")
    assert_error(manager.post("/products", json={"name": "X", "tracking": "batch"}), 400, "bad_request")
    assert_error(manager.post("/products", json={"name": "X", "warranty_months": -1}), 422, "invalid_warranty")
    assert ok(api.get(f"/products/{laptop['id']}"))["type"] == "storable"
