"""Requests to this addon's endpoints that schemathesis (`make fuzz`, docs/fuzzing.md) once answered
with a 5xx, replayed on every database."""
from __future__ import annotations

import json

import pytest
from erp_addons.serial_tracking.models import StockMove

from erp_core.testing import assert_error

from .common import create_location, create_product, stock_location, table_counts


@pytest.mark.parametrize("quantity", ["1e117", "1E400", "-1e117", "1e12", "123456789012345678901234567890", "1e-300", "NaN",
                                      "Infinity", "-Infinity"])
def test_a_quantity_no_column_holds_is_422_not_a_crash(api, quantity):
    # Was: 500 decimal.InvalidOperation for 1e117, quantized before the range was checked.
    cable = create_product(api, "Cable", tracking="none")
    stock = stock_location(api)
    shelf = create_location(api, "Shelf 1", stock["id"])
    body = json.dumps({"type": "internal", "source_location_id": stock["id"], "dest_location_id": shelf["id"],
                       "lines": [{"product_id": cable["id"], "quantity": 0}]}).replace('"quantity": 0', f'"quantity": {quantity}')
    error = assert_error(api.post("/moves", data=body, content_type="application/json"), 422, "invalid_quantity")
    assert error["details"][0]["field"] == "lines.0.quantity"
    assert table_counts(StockMove) == (0,)
