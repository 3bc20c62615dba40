"""Records most invoicing tests start from."""
import pytest

from .common import create_partner, create_product


@pytest.fixture
def vendor(api):
    return create_partner(api, "Northwind", "orders@northwind.test")


@pytest.fixture
def customer(api):
    return create_partner(api, "Fabrikam")


@pytest.fixture
def service(api):
    # A service moves no stock, so tests that use it hold whichever other addons react to posting.
    return create_product(api, "Consulting", type="service")
