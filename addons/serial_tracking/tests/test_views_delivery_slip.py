"""The printable delivery slip: reached from a delivery's page, it lists the move, its date, the
customer, the invoice and, per line, the product, the quantity and every serial number."""
from __future__ import annotations

import re

from erp_core.testing import log_in

from .common import assign, create_partner, create_product, invoice_move, ok, post_invoice, receive


def test_the_slip_of_a_done_delivery_lists_every_serial(client, api):
    laptop, phone = create_product(api, "Laptop"), create_product(api, "Phone")
    ok(api.as_("inventory_manager").patch(f"/products/{laptop['id']}", json={"default_code": "LAP-14"}))
    names = [f"SN-{n:03d}" for n in range(1, 121)]
    receive(api, laptop, names)
    receive(api, phone, ["PH-1"])
    customer = create_partner(api, "Contoso Ltd")
    invoice = post_invoice(api, "customer_invoice", customer, [(laptop, 120), (phone, 1)])
    move = invoice_move(api, invoice)
    ok(assign(api, move, list(reversed(names)), line=0))
    ok(assign(api, move, ["PH-1"], line=1))
    ok(api.as_("warehouse").post(f"/moves/{move['id']}/validate"))
    log_in(client, "warehouse")

    page = client.get(f"/inventory/moves/{move['id']}").get_data(as_text=True)
    assert f'href="/inventory/moves/{move["id"]}/delivery-slip">Print delivery slip</a>' in page

    response = client.get(f"/inventory/moves/{move['id']}/delivery-slip")
    assert response.status_code == 200
    slip = response.get_data(as_text=True)
    done = ok(api.get(f"/moves/{move['id']}"))
    assert move["reference"] in slip and "Contoso Ltd" in slip and ok(api.get(f"/invoices/{invoice['id']}"))["number"] in slip
    assert "Shipped" in slip and f'<time datetime="{done["done_at"].replace("Z", "+00:00")}">' in slip
    listed = re.findall(r"<li>([^<]+)</li>", slip.split('class="slip-lines"', 1)[1])
    assert listed == names + ["PH-1"]  # every serial, in name order per line
    assert "Laptop" in slip and "LAP-14" in slip and "Serial numbers (120 of 120)" in slip and "121 serial-tracked units" in slip
    assert "data-print" in slip and "not validated yet" not in slip


def test_a_pending_delivery_slip_says_so_and_other_moves_have_none(client, api):
    laptop, customer = create_product(api, "Laptop"), create_partner(api, "Contoso")
    receipt = receive(api, laptop, ["SN-1", "SN-2"])
    move = invoice_move(api, post_invoice(api, "customer_invoice", customer, [(laptop, 2)]))
    ok(assign(api, move, ["SN-2"]))
    log_in(client, "accountant")
    slip = client.get(f"/inventory/moves/{move['id']}/delivery-slip").get_data(as_text=True)
    assert "is not validated yet" in slip and "Serial numbers (1 of 2)" in slip and "<li>SN-2</li>" in slip

    assert client.get(f"/inventory/moves/{receipt['id']}/delivery-slip").status_code == 404
    assert "Print delivery slip" not in client.get(f"/inventory/moves/{receipt['id']}").get_data(as_text=True)
