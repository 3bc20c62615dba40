"""Requests that race each other through two server processes on one PostgreSQL database, as two
hosts behind a proxy do: each race is run 20 times, and the loser always gets its rule's 4xx (or
succeeds after a retry), never a 5xx, and never a unit moved twice."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from erp_core import services
from erp_core.database import db

pytestmark = pytest.mark.postgres_only
ROUNDS = 20


class Server:
    """``erp`` served by gunicorn in a process of its own."""

    def __init__(self, url: str, instance: Path):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        env = {**os.environ, "DATABASE_URL": url, "ERP_INSTANCE_PATH": str(instance), "ERP_SECRET_KEY": "races"}
        self.process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "--threads", "4", "-b",
                                         f"127.0.0.1:{self.port}", "erp_core:create_app()"], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/health", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(self.process.stderr.read().decode())

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def servers(app, tmp_path):
    started = [Server(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "instance") for _ in range(2)]
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def token(app):
    user = services.create_user("racer", "admin", "password-123")
    value = services.create_token(user)
    db.session.commit()
    return value


def call(server: Server, token: str, method: str, path: str, body=None) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}/api/v1{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def race(servers, token, first: tuple, second: tuple) -> list[tuple[int, str | None]]:
    """Send two requests at the same moment, one to each server: [(status, error code or None)]."""
    start, answers = threading.Barrier(2), [None, None]

    def send(n, request):
        start.wait()
        status, body = call(servers[n], token, *request)
        answers[n] = (status, body.get("error", {}).get("code"))

    threads = [threading.Thread(target=send, args=(n, request)) for n, request in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def ok(answer: tuple) -> dict:
    status, body = answer
    assert status in (200, 201), body
    return body


def test_two_receipts_validating_the_same_new_serials(servers, token):
    a = servers[0]
    product = ok(call(a, token, "POST", "/products", {"name": "Laptop", "tracking": "serial"}))
    vendor = ok(call(a, token, "POST", "/partners", {"name": "Vendor"}))
    outcomes = set()
    for n in range(ROUNDS):
        moves = []
        for _ in range(2):
            move = ok(call(a, token, "POST", "/moves", {"type": "receipt", "source_location_id": 4, "dest_location_id": 2,
                                                         "partner_id": vendor["id"], "lines": [{"product_id": product["id"], "quantity": 2,
                                                                                                "serials": [f"R{n}-A", f"R{n}-B"]}]}))
            moves.append(move["id"])
        answers = race(servers, token, ("POST", f"/moves/{moves[0]}/validate"), ("POST", f"/moves/{moves[1]}/validate"))
        assert sorted(answers) == [(200, None), (422, "serial_already_in_stock")], answers
        outcomes.add(tuple(sorted(answers)))
        units = ok(call(a, token, "GET", f"/serials?q=R{n}-&product_id={product['id']}"))
        assert units["total"] == 2 and {u["status"] for u in units["items"]} == {"available"}
    assert outcomes == {((200, None), (422, "serial_already_in_stock"))}


@pytest.mark.parametrize("path,body,code", [
    ("/serials", {"name": "SAME-{n}", "product_id": "{product}"}, "duplicate_serial"),
    ("/locations", {"name": "Shelf {n}", "parent_id": 2}, "duplicate_location"),
    ("/products", {"name": "Twin {n}", "default_code": "TWIN-{n}"}, "duplicate_default_code"),
])
def test_the_same_name_created_twice_at_once(servers, token, path, body, code):
    product = ok(call(servers[0], token, "POST", "/products", {"name": "Phone", "tracking": "serial"}))
    for n in range(ROUNDS):
        filled = {k: (int(v.format(product=product["id"])) if v == "{product}" else v.format(n=n)) if isinstance(v, str) else v
                  for k, v in body.items()}
        answers = race(servers, token, ("POST", path, filled), ("POST", path, filled))
        assert sorted(answers) == [(201, None), (422, code)], answers


def test_an_invoice_cancel_racing_its_delivery_validation(servers, token):
    a = servers[0]
    product = ok(call(a, token, "POST", "/products", {"name": "Tablet", "tracking": "serial"}))
    customer = ok(call(a, token, "POST", "/partners", {"name": "Customer"}))
    vendor = ok(call(a, token, "POST", "/partners", {"name": "Vendor"}))
    names = [f"T-{n}" for n in range(ROUNDS)]
    receipt = ok(call(a, token, "POST", "/moves", {"type": "receipt", "source_location_id": 4, "dest_location_id": 2,
                                                    "partner_id": vendor["id"],
                                                    "lines": [{"product_id": product["id"], "quantity": ROUNDS, "serials": names}]}))
    ok(call(a, token, "POST", f"/moves/{receipt['id']}/validate"))
    winners = set()
    for name in names:
        invoice = ok(call(a, token, "POST", "/invoices", {"type": "customer_invoice", "partner_id": customer["id"],
                                                           "lines": [{"product_id": product["id"], "quantity": 1, "unit_price": 100}]}))
        invoice = ok(call(a, token, "POST", f"/invoices/{invoice['id']}/post"))
        move = invoice["stock_moves"][0]["id"]
        line = ok(call(a, token, "GET", f"/moves/{move}"))["lines"][0]["id"]
        ok(call(a, token, "PUT", f"/moves/{move}/lines/{line}/serials", {"serials": [name]}))
        answers = race(servers, token, ("POST", f"/invoices/{invoice['id']}/cancel"), ("POST", f"/moves/{move}/validate"))
        assert all(status < 500 for status, _ in answers), answers
        assert sorted(status for status, _ in answers) == [200, 409], answers
        winners.add("cancel" if answers[0][0] == 200 else "validate")
        state = ok(call(a, token, "GET", f"/moves/{move}"))["state"]
        assert state == ("cancelled" if answers[0][0] == 200 else "done")
        unit = ok(call(a, token, "GET", f"/serials/lookup?name={name}"))
        assert unit["status"] == ("available" if state == "cancelled" else "out_of_stock")
