"""Fixtures the page tests share."""
import pytest

from erp_core.testing import log_in

from .common import create_product


@pytest.fixture
def web(client):
    """The test client, logged in as a warehouse user."""
    log_in(client, "warehouse")
    return client


@pytest.fixture
def laptop(api):
    return create_product(api, "Laptop", warranty_months=24)
