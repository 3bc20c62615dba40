"""Traceability: the documents one unit went through, the units a document carried or a customer
holds, and a recall from a vendor bill to the customers who got its units (and back)."""
from erp_core.testing import assert_error, ok

from .common import (assign, create_location, create_partner, create_product, deliver, invoice_move, post_invoice, receive,
                     serial, stock_location, validate)


def transfer(api, product, names, source, dest):
    move = ok(api.post("/moves", json={"type": "internal", "source_location_id": source["id"], "dest_location_id": dest["id"],
                                       "lines": [{"product_id": product["id"], "quantity": len(names), "serials": names}]}), 201)
    return ok(validate(api, move))


def give_back(api, delivery, names):
    back = ok(api.as_("warehouse").post(f"/moves/{delivery['id']}/return", json={"serials": names}), 201)
    return ok(validate(api, back))


def kinds(documents):
    return [(d["kind"], d["reference"], d["partner"]) for d in documents]


def test_a_unit_received_moved_delivered_returned_and_delivered_again_traces_each_document_in_order(api):
    laptop = create_product(api)
    vendor, first, second = create_partner(api, "Acme Supply"), create_partner(api, "First Customer"), create_partner(api, "Second Customer")
    receipt = receive(api, laptop, ["T-1", "T-2"], vendor=vendor)
    stock = stock_location(api)
    moved = transfer(api, laptop, ["T-1"], stock, create_location(api, "Bin 7", stock["id"]))
    delivery = deliver(api, laptop, ["T-1"], first)
    returned = give_back(api, delivery, ["T-1"])
    again = deliver(api, laptop, ["T-1"], second)
    bill, invoice, invoice_again = (ok(api.get(f"/invoices/{m['invoice_id']}")) for m in (receipt, delivery, again))

    trace = ok(api.get(f"/serials/{serial(api, 'T-1')['id']}/trace"))
    assert trace["serial"]["name"] == "T-1" and trace["serial"]["customer_id"] == second["id"]
    assert kinds(trace["upstream"]) == [
        ("move", receipt["reference"], "Acme Supply"), ("invoice", bill["number"], "Acme Supply"),
        ("move", moved["reference"], None), ("move", returned["reference"], "First Customer")]
    assert kinds(trace["downstream"]) == [
        ("move", delivery["reference"], "First Customer"), ("invoice", invoice["number"], "First Customer"),
        ("move", again["reference"], "Second Customer"), ("invoice", invoice_again["number"], "Second Customer")]
    assert trace["upstream"][1]["date"] == bill["invoice_date"] and trace["downstream"][0]["date"] == delivery["done_at"]

    untouched = ok(api.get(f"/serials/{serial(api, 'T-2')['id']}/trace"))
    assert (kinds(untouched["upstream"]), untouched["downstream"]) == ([("move", receipt["reference"], "Acme Supply"),
                                                                        ("invoice", bill["number"], "Acme Supply")], [])
    assert_error(api.get("/serials/999999/trace"), 404, "not_found")


def test_a_customer_holds_now_what_they_were_delivered_and_held_before_what_came_back(api):
    laptop, customer, other = create_product(api), create_partner(api), create_partner(api)
    receive(api, laptop, ["H-1", "H-2", "H-3", "H-4"])
    delivery = deliver(api, laptop, ["H-1", "H-2", "H-3"], customer)
    give_back(api, delivery, ["H-2", "H-3"])
    deliver(api, laptop, ["H-3"], other)

    def held(partner, when):
        return [s["name"] for s in ok(api.get(f"/partners/{partner['id']}/serials?held={when}"))["items"]]

    assert (held(customer, "now"), held(customer, "before")) == (["H-1"], ["H-2", "H-3"])
    assert (held(other, "now"), held(other, "before")) == (["H-3"], [])
    assert [s["name"] for s in ok(api.get(f"/partners/{customer['id']}/serials"))["items"]] == ["H-1"], "now by default"
    assert_error(api.get(f"/partners/{customer['id']}/serials?held=ever"), 400, "bad_request")
    assert_error(api.get("/partners/999999/serials"), 404, "not_found")


def test_a_recall_from_a_bill_names_every_customer_who_got_its_units_and_an_invoice_traces_back_to_its_bills(api):
    laptop = create_product(api)
    recalled, other_vendor = create_partner(api, "Faulty Batch Ltd"), create_partner(api, "Good Parts Ltd")
    alice, bob, carol = (create_partner(api, name) for name in ("Alice", "Bob", "Carol"))
    receipt = receive(api, laptop, ["R-1", "R-2", "R-3"], vendor=recalled)
    receive(api, laptop, ["G-1", "G-2"], vendor=other_vendor)
    to_alice = deliver(api, laptop, ["R-1", "G-1"], alice)
    to_bob = deliver(api, laptop, ["R-2"], bob)
    deliver(api, laptop, ["G-2"], carol)

    bill_id = receipt["invoice_id"]
    assert [s["name"] for s in ok(api.get(f"/invoices/{bill_id}/serials"))["items"]] == ["R-1", "R-2", "R-3"]
    recall = ok(api.get(f"/invoices/{bill_id}/trace"))
    assert recall["upstream"] == []
    customers = {d["partner"]: d["serials"] for d in recall["downstream"] if d["kind"] == "invoice"}
    assert customers == {"Alice": ["R-1"], "Bob": ["R-2"]}, "Carol and the other vendor's unit stay out of the recall"
    assert {d["reference"] for d in recall["downstream"] if d["kind"] == "move"} == {to_alice["reference"], to_bob["reference"]}

    back = ok(api.get(f"/invoices/{to_alice['invoice_id']}/trace"))
    bills = {d["partner"]: d["serials"] for d in back["upstream"] if d["kind"] == "invoice"}
    assert bills == {"Faulty Batch Ltd": ["R-1"], "Good Parts Ltd": ["G-1"]} and back["downstream"] == []
    assert [s["name"] for s in ok(api.get(f"/invoices/{to_alice['invoice_id']}/serials"))["items"]] == ["G-1", "R-1"]


def test_an_invoice_whose_move_is_pending_carried_no_units_yet(api):
    laptop = create_product(api)
    bill = post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 2)])
    ok(assign(api, invoice_move(api, bill), ["P-1", "P-2"]))
    assert ok(api.get(f"/invoices/{bill['id']}/serials")) == {"items": [], "total": 0}
    assert ok(api.get(f"/invoices/{bill['id']}/trace")) == {"upstream": [], "downstream": []}
    assert_error(api.get("/invoices/999999/trace"), 404, "not_found")
