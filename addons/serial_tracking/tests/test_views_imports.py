"""Import Serials on the web: upload a file, see its rows and every bad line, confirm; only for those
who may create serial numbers."""
from __future__ import annotations

import io
import re

import pytest
from erp_addons.serial_tracking.models import Serial

from erp_core.testing import log_in

from .common import create_product, ok, serial, table_counts


@pytest.fixture
def manager(client, api):
    product = create_product(api, "Laptop")
    ok(api.as_("inventory_manager").patch(f"/products/{product['id']}", json={"default_code": "LAP"}))
    log_in(client, "inventory_manager")
    return client


def upload(client, text: str, name: str = "stock.csv"):
    return client.post("/inventory/serials/import", data={"file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


def test_upload_preview_confirm(manager, api):
    page = manager.get("/inventory/serials/import")
    assert page.status_code == 200 and 'type="file"' in page.get_data(as_text=True)
    assert "Import Serials" in manager.get("/").get_data(as_text=True)  # in the Inventory menu

    preview = upload(manager, "name,product,location,ref\nSN-1,LAP,WH/Stock,Demo\nSN-2,LAP,WH/Stock,\n")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "stock.csv" in html and "Every row is good" in html
    assert re.search(r"<td>WH/Stock</td><td>\[LAP\] Laptop</td><td class=\"num\">2</td>", html)
    assert "Import 2 serial numbers" in html
    assert table_counts(Serial) == (0,)
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)

    done = manager.post("/inventory/serials/import/confirm", data={"token": token, "filename": "stock.csv"})
    assert done.status_code == 302 and "/inventory/moves/" in done.location
    move_page = manager.get(done.location).get_data(as_text=True)
    assert "2 serial numbers imported and in stock, by the inventory adjustment WH/ADJ/" in move_page
    unit = serial(api, "SN-1")
    assert (unit["status"], unit["location"], unit["ref"]) == ("available", "WH/Stock", "Demo")

    again = manager.post("/inventory/serials/import/confirm", data={"token": token})  # the file was used up
    assert again.status_code == 302 and again.location.endswith("/inventory/serials/import")
    assert table_counts(Serial) == (2,)


def test_a_file_with_errors_lists_each_line_and_offers_no_import(manager):
    preview = upload(manager, "name,product,location,ref\nSN-1,LAP,WH/Stock,\nSN-1,LAP,WH/Stock,\nSN-3,NOPE,WH/Stock,\n")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 422
    assert re.findall(r'<tr><td class="num">(\d+)</td>', html) == ["3", "4"]
    assert "SN-1 is also on line 2" in html and "No product has the internal reference NOPE" in html
    assert "Nothing has been imported" in html and 'name="token"' not in html and "Upload the corrected file" in html
    assert table_counts(Serial) == (0,)


def test_a_post_without_a_file_or_with_a_strange_token(manager):
    assert manager.post("/inventory/serials/import", data={}).status_code == 422
    for token in ("../../etc/passwd", "x" * 22, ""):
        response = manager.post("/inventory/serials/import/confirm", data={"token": token})
        assert response.status_code == 302 and response.location.endswith("/inventory/serials/import")


def test_another_user_cannot_confirm_my_upload(manager, app):
    html = upload(manager, "name,product,location,ref\nSN-1,LAP,WH/Stock,\n").get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    other = app.test_client()
    log_in(other, "admin")
    assert other.post("/inventory/serials/import/confirm", data={"token": token}).status_code == 302
    assert table_counts(Serial) == (0,)


@pytest.mark.parametrize("role", ["warehouse", "accountant"])
def test_only_those_who_create_serials_may_import(client, role):
    log_in(client, role)
    assert client.get("/inventory/serials/import").status_code == 403
    assert client.post("/inventory/serials/import/confirm", data={"token": "x" * 22}).status_code == 403
    assert "Import Serials" not in client.get("/").get_data(as_text=True)
