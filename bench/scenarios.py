"""The measured scenarios. Each runs in its own process on its own database (so peak memory is
that scenario's) and prints one JSON object as its last line:

    python -m bench.scenarios flow --backend sqlite --via api --count 10000
    python -m bench.scenarios stored --backend postgresql --stored 1000000
    python -m bench.scenarios floor --count 10000
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time

from .harness import Bench, database, load_background_serials, peak_memory_mb, percentiles, timed

# Each measure is repeated and the median run kept: the machine is shared with other work.
REPEATS = {1_000: 5, 10_000: 5}
REPEATS_LARGE = 3


# ---------------------------------------------------------------- receive and deliver N


class ApiFlow:
    """Receive and deliver through the HTTP API, as an integration would."""

    def __init__(self, bench: Bench):
        self.bench = bench
        self.vendor = bench.call("POST", "/partners", {"name": "Bench vendor"})["id"]
        self.customer = bench.call("POST", "/partners", {"name": "Bench customer"})["id"]

    def product(self, name: str) -> int:
        return self.bench.call("POST", "/products", {"name": name, "tracking": "serial", "warranty_months": 12})["id"]

    def post(self, invoice_type: str, partner: int, product: int, count: int) -> tuple[int, int]:
        """Create and post the invoice, then read its move: (move id, line id)."""
        invoice = self.bench.call("POST", "/invoices", {"type": invoice_type, "partner_id": partner, "lines": [
            {"product_id": product, "quantity": count, "unit_price": 10}]})
        posted = self.bench.call("POST", f"/invoices/{invoice['id']}/post")
        move = self.bench.call("GET", f"/moves/{posted['stock_moves'][0]['id']}")
        return move["id"], move["lines"][0]["id"]

    def generate(self, move: int, line: int, first: str, count: int) -> list[str]:
        return self.bench.call("POST", f"/moves/{move}/lines/{line}/serials/generate", {"first": first, "count": count})["serials"]

    def put(self, move: int, line: int, names: list[str]) -> None:
        self.bench.call("PUT", f"/moves/{move}/lines/{line}/serials", {"serials": names})

    def validate(self, move: int) -> None:
        assert self.bench.call("POST", f"/moves/{move}/validate")["state"] == "done"


class ServiceFlow:
    """The same through the service layer, one transaction per step (what a view or CLI does)."""

    def __init__(self, bench: Bench):
        from erp_core import services as core

        self.bench = bench
        with bench.transaction():
            self.vendor = core.create_partner("Bench vendor").id
            self.customer = core.create_partner("Bench customer").id

    def product(self, name: str) -> int:
        from erp_core import services as core

        with self.bench.transaction():
            return core.create_product({"name": name, "tracking": "serial", "warranty_months": 12}).id

    def post(self, invoice_type: str, partner: int, product: int, count: int) -> tuple[int, int]:
        from decimal import Decimal

        from erp_addons.invoicing import services as invoicing
        from erp_addons.serial_tracking.services import invoice_moves

        with self.bench.transaction():
            invoice = invoicing.create_invoice({"type": invoice_type, "partner_id": partner, "lines": [
                {"product_id": product, "quantity": Decimal(count), "unit_price": Decimal(10)}]})
            invoicing.post_invoice(invoice)
            move = invoice_moves(invoice)[0]
            return move.id, move.lines[0].id

    def _move_line(self, move_id: int, line_id: int):
        from erp_addons.serial_tracking.models import StockMove, StockMoveLine

        from erp_core.database import db

        return db.session.get(StockMove, move_id), db.session.get(StockMoveLine, line_id)

    def _move(self, move_id: int):
        from erp_addons.serial_tracking.models import StockMove

        from erp_core.database import db

        return db.session.get(StockMove, move_id)

    def generate(self, move: int, line: int, first: str, count: int) -> list[str]:
        from erp_addons.serial_tracking import services

        with self.bench.transaction():
            line_record = services.generate_serials(*self._move_line(move, line), first, count)
            return services.line_serial_names(line_record)

    def put(self, move: int, line: int, names: list[str]) -> None:
        from erp_addons.serial_tracking import services

        with self.bench.transaction():
            services.assign_serials(*self._move_line(move, line), names, replace=True)

    def validate(self, move: int) -> None:
        from erp_addons.serial_tracking import services

        from erp_core.database import db
        from erp_core.models import User

        with self.bench.transaction():
            user = db.session.scalar(db.select(User).where(User.username == "bench"))
            services.validate_move(self._move(move), user)


def receive_and_deliver(flow, count: int, prefix: str) -> dict:
    """One receipt of ``count`` new serials (post, generate, validate) and one delivery of all of
    them on one customer invoice (post, PUT the list, validate), each step timed."""
    product = flow.product(f"{prefix} product")
    result = {}
    post, (move, line) = timed(flow.post, "vendor_bill", flow.vendor, product, count)
    assign, names = timed(flow.generate, move, line, f"{prefix}-0000001", count)
    with flow.bench.counting() as counter:
        validate, _ = timed(flow.validate, move)
    result["receive"] = {"post": post, "assign": assign, "validate": validate, "total": post + assign + validate,
                         "statements": counter["statements"]}
    post, (move, line) = timed(flow.post, "customer_invoice", flow.customer, product, count)
    assign, _ = timed(flow.put, move, line, names)
    with flow.bench.counting() as counter:
        validate, _ = timed(flow.validate, move)
    result["deliver"] = {"post": post, "assign": assign, "validate": validate, "total": post + assign + validate,
                         "statements": counter["statements"]}
    return result


def _median_run(runs: list[dict]) -> dict:
    """The run whose receipt total is the median, so its steps add up."""
    return sorted(runs, key=lambda run: run["receive"]["total"])[len(runs) // 2]


def flow_scenario(backend: str, base_url: str | None, via: str, count: int) -> dict:
    with database(backend, base_url) as url:
        bench = Bench(url)
        flow = ApiFlow(bench) if via == "api" else ServiceFlow(bench)
        repeats = REPEATS.get(count, REPEATS_LARGE)
        runs = [receive_and_deliver(flow, count, f"R{i}N{count}") for i in range(repeats)]
        return {"backend": backend, "via": via, "count": count, "repeats": repeats, **_median_run(runs),
                "peak_memory_mb": round(peak_memory_mb(), 1)}


# ---------------------------------------------------------------- with a million serials stored


def _sample_reads(bench: Bench, stored: int, samples: int, list_samples: int) -> dict:
    """Lookup, detail with history and list pages for random stored serials."""
    rng = random.Random(5)
    ids = rng.sample(range(1, stored + 1), samples)
    statuses = ["available", "out_of_stock", "on_hand"]

    def lookup(i):
        bench.call("GET", f"/serials/lookup?name=BG-{i - 1:07d}")

    def detail_with_history(i):
        bench.call("GET", f"/serials/{i}")
        bench.call("GET", f"/serials/{i}/history")

    def list_page(i):
        bench.call("GET", f"/serials?status={statuses[i % 3]}&limit=50&offset={50 * (i % 20)}")

    def web_detail(i):
        bench.page(f"/inventory/serials/{i}")

    def web_list(i):
        bench.page(f"/inventory/serials?status={statuses[i % 3]}&page={1 + i % 20}")

    def search(i):  # five digits from the middle of a number: a few dozen matches
        bench.call("GET", f"/serials?q={i % 100000:05d}&limit=50")

    def search_prefix(i):  # the first 7 characters: a thousand matches
        bench.call("GET", f"/serials?q=BG-{(i - 1) // 1000:04d}&match=prefix&limit=50")

    reads = {}
    for name, action, count in (("lookup", lookup, samples), ("detail_with_history", detail_with_history, samples),
                                ("list_by_status", list_page, list_samples), ("web_detail", web_detail, samples),
                                ("web_list_by_status", web_list, list_samples), ("search_part_of_name", search, list_samples),
                                ("search_prefix", search_prefix, list_samples)):
        for i in ids[:10]:  # warm the caches, as a running server would be
            action(i)
        reads[name] = percentiles([timed(action, i)[0] for i in ids[:count]])
    return reads


def stored_scenario(backend: str, base_url: str | None, stored: int, samples: int, list_samples: int) -> dict:
    """Receive 10,000 on an empty database, then again with ``stored`` other serials; then read."""
    with database(backend, base_url) as url:
        bench = Bench(url)
        flow = ApiFlow(bench)
        empty = [receive_and_deliver(flow, 10_000, f"E{i}")["receive"]["total"] for i in range(REPEATS[10_000])]
        load, _ = timed(load_background_serials, bench, stored)
        loaded = [receive_and_deliver(flow, 10_000, f"L{i}")["receive"]["total"] for i in range(REPEATS[10_000])]
        return {"backend": backend, "stored": stored, "load_seconds": round(load, 1),
                "receive_10000_empty": statistics.median(empty), "receive_10000_stored": statistics.median(loaded),
                "reads": _sample_reads(bench, stored, samples, list_samples), "peak_memory_mb": round(peak_memory_mb(), 1)}


# ---------------------------------------------------------------- the floor


def floor_scenario(count: int) -> dict:
    """A raw sqlite3 program writing the rows a receipt of ``count`` units needs (assignments,
    serials, history) into the same schema and indexes, in one transaction: the floor we compare to."""
    with database("sqlite", None) as url:
        bench = Bench(url)  # creates the schema with its indexes
        path = url.removeprefix("sqlite:///")
        bench.engine.dispose()
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("INSERT INTO products (name, type) VALUES ('Floor', 'storable')")
        product = conn.execute("SELECT max(id) FROM products").fetchone()[0]
        conn.execute("INSERT INTO product_tracking (product_id, tracking, warranty_months) VALUES (?, 'serial', 0)", (product,))
        vendor, stock = (conn.execute("SELECT id FROM locations WHERE full_name = ?", (name,)).fetchone()[0]
                         for name in ("Partners/Vendors", "WH/Stock"))
        conn.execute("INSERT INTO stock_moves (reference, type, state, source_location_id, dest_location_id, created_at) "
                     "VALUES ('FLOOR', 'receipt', 'done', ?, ?, '2026-01-01 00:00:00')", (vendor, stock))
        conn.execute("INSERT INTO stock_move_lines (move_id, product_id, quantity) VALUES (1, ?, ?)", (product, count))
        names = [f"FL-{i:07d}" for i in range(count)]
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO move_line_serials (move_id, line_id, product_id, scope, name) VALUES (1, 1, ?, ?, ?)",
                         [(product, product, name) for name in names])
        conn.executemany("INSERT INTO serials (name, product_id, scope, status, location_id, created_at) "
                         "VALUES (?, ?, ?, 'available', ?, '2026-01-01 00:00:00')", [(name, product, product, stock) for name in names])
        conn.executemany("INSERT INTO serial_history (serial_id, move_id, date, source_location_id, dest_location_id) "
                         "VALUES (?, 1, '2026-01-01 00:00:00', ?, ?)", [(i + 1, vendor, stock) for i in range(count)])
        conn.execute("COMMIT")
        seconds = time.perf_counter() - start
        conn.close()
        return {"backend": "sqlite", "count": count, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scenarios")
    parser.add_argument("scenario", choices=["flow", "stored", "floor"])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--via", default="api", choices=["api", "services"])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--list-samples", type=int, default=300)
    args = parser.parse_args()
    base_url = os.environ.get("BENCH_DATABASE_URL")
    os.environ.setdefault("ERP_INSTANCE_PATH", tempfile.mkdtemp(prefix="erp-bench-instance-"))
    if args.scenario == "flow":
        result = flow_scenario(args.backend, base_url, args.via, args.count)
    elif args.scenario == "stored":
        result = stored_scenario(args.backend, base_url, args.stored, args.samples, args.list_samples)
    else:
        result = floor_scenario(args.count)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
