"""The measured scenarios. Each runs in its own process on its own database (so peak memory is
that scenario's) and prints one JSON object as its last line:

    python -m bench.scenarios flow --backend sqlite --via api --count 10000
    python -m bench.scenarios stored --backend postgresql --stored 1000000
    python -m bench.scenarios floor --count 10000
    python -m bench.scenarios scanload --backend sqlite --clients 16 --per-client 200 --single 200
    python -m bench.scenarios scanload --backend postgresql --processes 2 --proxy
    python -m bench.scenarios reads-during-write --count 100000 --stored 10000
    python -m bench.scenarios lots --count 10000 --lots 100
    python -m bench.scenarios import --count 100000
    python -m bench.scenarios copy-floor --count 10000      (PostgreSQL, BENCH_DATABASE_URL)
    python -m bench.scenarios key-floor --count 10000       (PostgreSQL: what fewer foreign keys would save)
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date, timedelta

from sqlalchemy import text

from erp_core.testing.databases import pg_admin

from .__main__ import SCAN_TIME_LIMIT, scenario_in_own_process
from .harness import (Bench, database, database_size_mb, instance_folder, load_background_serials, peak_memory_mb,
                      percentiles, timed)
from .serve import Scanner, server_timing_ms, servers

# Each measure is repeated and the median run kept: the machine is shared with other work.
REPEATS = {1_000: 5, 10_000: 5}
REPEATS_LARGE = 3
# Searches have no target and can take a second each among millions on SQLite: fewer samples.
SEARCH_SAMPLES = 30


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


def _timed_move(flow, invoice_type: str, partner: int, product: int, count: int, assign) -> tuple[dict, object]:
    """Post an invoice of ``count`` units, ``assign(move, line)`` its serials, validate its move: each
    step timed, with the statements of the validation; and what ``assign`` returned."""
    post, (move, line) = timed(flow.post, invoice_type, partner, product, count)
    assign_seconds, assigned = timed(assign, move, line)
    with flow.bench.counting() as counter:
        validate, _ = timed(flow.validate, move)
    return {"post": post, "assign": assign_seconds, "validate": validate, "total": post + assign_seconds + validate,
            "statements": counter["statements"]}, assigned


def receive_and_deliver(flow, count: int, prefix: str, deliver: bool = True) -> dict:
    """One receipt of ``count`` new serials (post, generate, validate) and, when ``deliver``, one
    delivery of all of them on one customer invoice (post, PUT the list, validate), each step timed."""
    product = flow.product(f"{prefix} product")
    receive, names = _timed_move(flow, "vendor_bill", flow.vendor, product, count,
                                 lambda move, line: flow.generate(move, line, f"{prefix}-0000001", count))
    if not deliver:
        return {"receive": receive}
    delivery, _ = _timed_move(flow, "customer_invoice", flow.customer, product, count,
                              lambda move, line: flow.put(move, line, names))
    return {"receive": receive, "deliver": delivery}


def _median_run(runs: list[dict], key=lambda run: run["receive"]["total"]) -> dict:
    """The run whose ``key`` (its receipt's total) is the median, so its steps add up."""
    return sorted(runs, key=key)[len(runs) // 2]


def flow_scenario(backend: str, base_url: str | None, via: str, count: int, repeats: int | None) -> dict:
    with database(backend, base_url) as url:
        bench = Bench(url)
        flow = ApiFlow(bench) if via == "api" else ServiceFlow(bench)
        repeats = repeats or REPEATS.get(count, REPEATS_LARGE)
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
                                ("web_list_by_status", web_list, list_samples),
                                ("search_part_of_name", search, min(list_samples, SEARCH_SAMPLES)),
                                ("search_prefix", search_prefix, min(list_samples, SEARCH_SAMPLES))):
        for i in ids[:10]:  # warm the caches, as a running server would be
            action(i)
        reads[name] = percentiles([timed(action, i)[0] for i in ids[:count]])
    return reads


def stored_scenario(backend: str, base_url: str | None, stored: int, samples: int, list_samples: int, export: bool,
                    repeats: int | None) -> dict:
    """Receive 10,000 on an empty database, then again with ``stored`` other serials; then read;
    with ``export``, then export every serial as CSV in a process of its own."""
    with database(backend, base_url) as url:
        bench = Bench(url)
        flow = ApiFlow(bench)
        repeats = repeats or REPEATS[10_000]
        empty = [receive_and_deliver(flow, 10_000, f"E{i}", deliver=False)["receive"]["total"] for i in range(repeats)]
        load, _ = timed(load_background_serials, bench, stored)
        size = database_size_mb(url)
        loaded = [receive_and_deliver(flow, 10_000, f"L{i}", deliver=False)["receive"]["total"] for i in range(repeats)]
        result = {"backend": backend, "stored": stored, "load_seconds": round(load, 1), "size_mb": round(size),
                  "receive_10000_empty": statistics.median(empty), "receive_10000_stored": statistics.median(loaded),
                  "reads": _sample_reads(bench, stored, samples, list_samples), "peak_memory_mb": round(peak_memory_mb(), 1)}
        if export:
            # --token=...: a token may begin with "-", which argparse would take for an option
            result["export"] = scenario_in_own_process("export", "--url", bench.url, f"--token={bench.token}")
        return result


# ---------------------------------------------------------------- the floors


def _floor_setup(bench: Bench) -> dict:
    """A serial-tracked product and a done receipt with one line, written directly: what the floor
    rows refer to."""
    with bench.engine.begin() as conn:
        conn.execute(text("INSERT INTO products (name, type) VALUES ('Floor', 'storable')"))
        product = conn.scalar(text("SELECT max(id) FROM products"))
        conn.execute(text("INSERT INTO product_tracking (product_id, tracking, warranty_months) VALUES (:p, 'serial', 0)"),
                     {"p": product})
        vendor, stock = (conn.scalar(text("SELECT id FROM locations WHERE full_name = :name"), {"name": name})
                         for name in ("Partners/Vendors", "WH/Stock"))
        conn.execute(text("INSERT INTO stock_moves (reference, type, state, source_location_id, dest_location_id, created_at) "
                          "VALUES ('FLOOR', 'receipt', 'done', :vendor, :stock, '2026-01-01 00:00:00')"),
                     {"vendor": vendor, "stock": stock})
        move = conn.scalar(text("SELECT max(id) FROM stock_moves"))
        conn.execute(text("INSERT INTO stock_move_lines (move_id, product_id, quantity) VALUES (:m, :p, 1)"),
                     {"m": move, "p": product})
        line = conn.scalar(text("SELECT max(id) FROM stock_move_lines"))
    return {"product": product, "vendor": vendor, "stock": stock, "move": move, "line": line}


def floor_rows(refs: dict, count: int, run: int) -> list[tuple[str, tuple[str, ...], list[tuple]]]:
    """(table, columns, rows): the assignment, serial and history rows a receipt of ``count`` new
    units writes, run ``run`` of several into one database (its own names and serial ids)."""
    first_id = 1_000_000 + run * count
    names = [f"FL{run}-{i:07d}" for i in range(count)]
    now = "2026-01-01 00:00:00"
    return [
        ("move_line_serials", ("move_id", "line_id", "product_id", "scope", "name"),
         [(refs["move"], refs["line"], refs["product"], refs["product"], name) for name in names]),
        ("serials", ("id", "name", "product_id", "scope", "status", "location_id", "created_at"),
         [(first_id + i, name, refs["product"], refs["product"], "available", refs["stock"], now)
          for i, name in enumerate(names)]),
        ("serial_history", ("serial_id", "move_id", "date", "source_location_id", "dest_location_id"),
         [(first_id + i, refs["move"], now, refs["vendor"], refs["stock"]) for i in range(count)]),
    ]


def floor_scenario(count: int) -> dict:
    """A raw sqlite3 program writing the rows a receipt of ``count`` units needs (assignments,
    serials, history) into the same schema and indexes, in one transaction: the floor we compare to."""
    with database("sqlite", None) as url:
        bench = Bench(url)  # creates the schema with its indexes
        refs = _floor_setup(bench)
        bench.engine.dispose()
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        tables = floor_rows(refs, count, 0)
        start = time.perf_counter()
        conn.execute("BEGIN")
        for table, columns, rows in tables:
            conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
        conn.execute("COMMIT")
        seconds = time.perf_counter() - start
        conn.close()
        return {"backend": "sqlite", "count": count, "seconds": seconds}


def copy_floor_scenario(base_url: str, count: int) -> dict:
    """The PostgreSQL floor (issue 13): the same rows written with COPY in one transaction, with
    every foreign key checked, and with the foreign-key triggers off (session_replication_role =
    replica, which needs a superuser). The median of three runs each."""
    with database("postgresql", base_url) as url:
        bench = Bench(url)
        refs = _floor_setup(bench)
        bench.engine.dispose()
        seconds = {"with_foreign_keys": [], "without_foreign_keys": []}
        with pg_admin(url) as conn:
            for run in range(6):
                checked = run % 2 == 0
                setting = "" if checked else "SET LOCAL session_replication_role = replica"
                seconds["with_foreign_keys" if checked else "without_foreign_keys"].append(
                    _copy_rows(conn, floor_rows(refs, count, run), setting))
        return {"backend": "postgresql", "count": count, **{key: statistics.median(values) for key, values in seconds.items()}}


def _copy_rows(conn, tables: list[tuple[str, tuple[str, ...], list[tuple]]], setting: str = "") -> float:
    """Seconds to COPY ``tables`` (as floor_rows gives them) in one transaction, after ``setting``."""
    start = time.perf_counter()
    with conn.transaction():
        if setting:
            conn.execute(setting)
        for table, columns, rows in tables:
            with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    return time.perf_counter() - start


# Issue 13's lever, step by step: the keys a receipt's rows would keep if the move determined the
# rest. First what the issue proposes: a history row keeps its serial, its move and the location it
# came from (the move holds the date, the user, the invoice and the destination); a serial keeps
# its product, its location and its receipt move instead of vendor and bill (vendor_bill_id stands
# in for that one key). Then an assignment row keyed by its line alone (the line gives the move and
# the product).
LEAN_KEYS = [("issue_13_proposal", {"serial_history": {"serial_id", "move_id", "source_location_id"},
                                    "serials": {"product_id", "location_id", "vendor_bill_id"}}),
             ("and_assignments_by_line", {"move_line_serials": {"line_id", "serial_id"}}),
             ("no_keys_for_reference", {"serial_history": set(), "serials": set(), "move_line_serials": set()})]


def _foreign_keys(conn, tables) -> list[tuple[str, str, str]]:
    """(table, constraint, column) of every foreign key of ``tables``."""
    return conn.execute("SELECT c.conrelid::regclass::text, c.conname, a.attname FROM pg_constraint c "
                        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                        "WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)", [list(tables)]).fetchall()


def key_floor_scenario(base_url: str, count: int) -> dict:
    """What fewer foreign keys per row would save, by the COPY floor's method: a receipt's rows as
    the product writes them (serials with vendor and bill, history with user and invoice) COPY'd
    with every key, then after each step of LEAN_KEYS (the other keys dropped in this throwaway
    database). Same columns, indexes and empty tables each time, so the difference is the key
    checks alone. Median of three each."""
    with database("postgresql", base_url) as url:
        bench = Bench(url)
        refs = _floor_setup(bench)
        bench.engine.dispose()
        with pg_admin(url) as conn:
            user = conn.execute("SELECT id FROM users WHERE username = 'bench'").fetchone()[0]
            vendor = conn.execute("INSERT INTO partners (name) VALUES ('Floor vendor') RETURNING id").fetchone()[0]
            bill = conn.execute("INSERT INTO invoices (type, state, partner_id, invoice_date, amount_untaxed, amount_tax, total, "
                                "created_at) VALUES ('vendor_bill', 'draft', %s, '2026-01-01', 0, 0, 0, now()) RETURNING id",
                                [vendor]).fetchone()[0]
            added = {"serials": {"vendor_id": vendor, "vendor_bill_id": bill},
                     "serial_history": {"user_id": user, "invoice_id": bill}}
            tables = [(table, columns + tuple(added.get(table, {})), [row + tuple(added.get(table, {}).values()) for row in rows])
                      for table, columns, rows in floor_rows(refs, count, 0)]
            written = {table: set(columns) for table, columns, _rows in tables}

            def measure() -> dict:
                runs = []
                for _ in range(3):
                    conn.execute("TRUNCATE serials, serial_history, move_line_serials CASCADE")
                    runs.append(_copy_rows(conn, tables))
                checked = [f"{table}.{column}" for table, _name, column in _foreign_keys(conn, written)
                           if column in written[table]]
                return {"seconds": statistics.median(runs), "keys_per_unit": len(checked), "keys": sorted(checked)}

            result = {"backend": "postgresql", "count": count, "every_key": measure()}
            for step, keep in LEAN_KEYS:
                for table, name, column in _foreign_keys(conn, keep):
                    if column not in keep[table]:
                        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                result[step] = measure()
        return result


# ---------------------------------------------------------------- scanning


def _scan_one_by_one(bench: Bench, move: int, codes: list[str]) -> dict:
    """Scan ``codes`` into ``move`` through the app in this process (the server's side of a scan,
    without network or client), one request each: their times, and the statements of the last."""
    times, server = [], []
    for index, code in enumerate(codes):
        with bench.counting() as counter:
            seconds, response = timed(bench.client.post, f"/api/v1/moves/{move}/scan", json={"code": code},
                                      headers={"Authorization": f"Bearer {bench.token}"})
        if response.status_code != 200:
            raise RuntimeError(f"scan {code} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
        times.append(seconds)
        if response.headers.get("Server-Timing"):
            server.append(server_timing_ms(response.headers["Server-Timing"]))
        if index == 0:
            first_statements = counter["statements"]
    return {**percentiles(times), "server_timing_p50_ms": statistics.median(server) if server else None,
            "statements_first_scan": first_statements, "statements_last_scan": counter["statements"]}


def single_scanner(bench: Bench, flow: ApiFlow, count: int) -> dict:
    """One scanner, in-process: ``count`` scans into a receipt, validate, then into a delivery."""
    product = flow.product("Single scanner product")
    codes = [f"ONE-{n:05d}" for n in range(count)]
    receipt, _ = flow.post("vendor_bill", flow.vendor, product, count)
    result = {"receipt": _scan_one_by_one(bench, receipt, codes)}
    flow.validate(receipt)
    delivery, _ = flow.post("customer_invoice", flow.customer, product, count)
    result["delivery"] = _scan_one_by_one(bench, delivery, codes)
    flow.validate(delivery)
    return result


def _scan_phase(port: int, token: str, moves: list[int], codes: list[list[str]],
                time_limit: float) -> tuple[dict, list[list[str]]]:
    """Every scanner scans its codes into its move at the same time, then validates it; (the
    measures, the codes each scanner got in)."""
    start = threading.Barrier(len(moves) + 1)
    deadline = time.perf_counter() + time_limit + 5  # the limit counts from the common start, just below
    scanners = [Scanner(port, token, move, mine, start, deadline) for move, mine in zip(moves, codes)]
    for scanner in scanners:
        scanner.start()
    start.wait()
    began = time.perf_counter()
    for scanner in scanners:
        scanner.deadline = began + time_limit
    for scanner in scanners:
        scanner.join()
    seconds = max(s.finished_at for s in scanners) - began
    latencies = [t for s in scanners for t in s.latencies]
    server = [t for s in scanners for t in s.server_ms]
    errors = [e for s in scanners for e in s.errors]
    return {"scans": len(latencies), "planned": sum(len(mine) for mine in codes), "seconds": round(seconds, 2),
            "scans_per_second": round(len(latencies) / seconds, 1), **percentiles(latencies),
            "server_timing_p50_ms": statistics.median(server) if server else None,
            "errors": len(errors), "error_samples": errors[:3],
            "validate_max_s": round(max(s.validate_seconds or 0 for s in scanners), 2)}, [s.scanned for s in scanners]


def _warm(port: int, token: str, moves: list[int]) -> None:
    """A few requests from every scanner at once, so that each worker has connected and loaded its
    code before the clock starts, as on a server that has been running."""
    def read(move):
        for _ in range(4):
            urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/moves/{move}",
                                                          headers={"Authorization": f"Bearer {token}"}), timeout=60).read()
    threads = [threading.Thread(target=read, args=(move,)) for move in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def scanload_scenario(backend: str, base_url: str | None, clients: int, per_client: int, processes: int, workers: int,
                      proxy: bool, single: int, time_limit: float) -> dict:
    """``clients`` scanners, each scanning ``per_client`` serials one request at a time into a
    receipt of its own, then validating it, then the same into a delivery; against gunicorn
    (``processes`` × ``workers``, behind the proxy when ``proxy``). With ``single``: first one
    scanner in-process, the server's own time per scan. A phase that reaches ``time_limit``
    seconds stops there (the deliveries then take what the receipts got in)."""
    with database(backend, base_url) as url:
        bench = Bench(url)
        flow = ApiFlow(bench)
        result = {"backend": backend, "clients": clients, "per_client": per_client, "processes": processes, "workers": workers,
                  "proxy": proxy}
        if single:
            result["single"] = single_scanner(bench, flow, single)
        products = [flow.product(f"Scanned product {i}") for i in range(clients)]
        codes = [[f"SC{i:02d}-{n:05d}" for n in range(per_client)] for i in range(clients)]
        receipts = [flow.post("vendor_bill", flow.vendor, product, per_client)[0] for product in products]
        with servers(url, processes, workers, proxy) as port:
            _warm(port, bench.token, receipts)
            load = [os.getloadavg()[0]]
            result["receipt"], received = _scan_phase(port, bench.token, receipts, codes, time_limit)
            deliveries = [flow.post("customer_invoice", flow.customer, product, len(mine))[0]
                          for product, mine in zip(products, received) if mine]
            load.append(os.getloadavg()[0])
            result["delivery"], _ = _scan_phase(port, bench.token, deliveries, [mine for mine in received if mine], time_limit)
            load.append(os.getloadavg()[0])
        result["load_average"] = load
        return result


# ---------------------------------------------------------------- reads while a big validation writes


def reads_during_write_scenario(count: int, stored: int, repeats: int) -> dict:
    """SQLite: a second process reads serial pages in a loop while this one validates receipts of
    ``count`` units; the reads that overlapped a validation, against those that did not."""
    with database("sqlite", None) as url:
        bench = Bench(url)
        load_background_serials(bench, stored)
        flow = ApiFlow(bench)
        product = flow.product("Written product")
        reader = subprocess.Popen([sys.executable, "-m", "bench.scenarios", "reader", "--url", url, f"--token={bench.token}",
                                   "--stored", str(stored)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        while reader.stdout.readline().strip() != "ready":
            if reader.poll() is not None:
                raise RuntimeError("the reading process stopped before it was ready")
        windows = []
        for run in range(repeats):
            move, line = flow.post("vendor_bill", flow.vendor, product, count)
            flow.generate(move, line, f"RW{run}-0000001", count)
            time.sleep(0.5)
            began = time.time()
            flow.validate(move)
            windows.append((began, time.time()))
        time.sleep(0.5)
        reader.stdin.close()
        samples = json.loads(reader.stdout.read().strip().splitlines()[-1])
        reader.wait()
        overlaps = [(seconds, any(at < end and at + seconds > begin for begin, end in windows)) for at, seconds in samples]
        during = [seconds for seconds, overlapped in overlaps if overlapped]
        others = [seconds for seconds, overlapped in overlaps if not overlapped]
        if not during:
            raise RuntimeError(f"No read overlapped the {repeats} validations ({len(samples)} reads in all): nothing to measure.")
        return {"count": count, "repeats": repeats, "validate_s": [round(end - begin, 2) for begin, end in windows],
                "during": percentiles(during), "outside": percentiles(others)}


def reader(url: str, token: str, stored: int) -> None:
    """Read random serial pages until stdin closes; then print [(start, seconds)] as JSON."""
    bench = Bench(url, token)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    rng = random.Random(7)
    for _ in range(10):
        bench.page(f"/inventory/serials/{rng.randint(1, stored)}")
    print("ready", flush=True)
    samples = []
    while not stop.is_set():
        at = time.time()
        seconds, _ = timed(bench.page, f"/inventory/serials/{rng.randint(1, stored)}")
        samples.append((at, seconds))
    print(json.dumps(samples))


# ---------------------------------------------------------------- lots


def _lot_flow(bench: Bench, flow: ApiFlow, count: int, lots: int, prefix: str) -> dict:
    """Receive ``count`` units of a lot-tracked product in ``lots`` lots (PUT the lots, validate),
    then deliver them all with the lots the API suggests, first expiry first out."""
    product = bench.call("POST", "/products", {"name": f"{prefix} lot product", "tracking": "lot"})["id"]
    result = {"count": count, "lots": lots}
    entries = [{"name": f"{prefix}-LOT-{i:04d}", "quantity": count // lots,
                "expiry_date": (date(2030, 1, 1) + timedelta(days=i)).isoformat()}
               for i in reversed(range(lots))]  # latest expiry first: the suggestion has to sort them
    for direction, invoice_type, partner in (("receive", "vendor_bill", flow.vendor),
                                             ("deliver", "customer_invoice", flow.customer)):
        post, (move, line) = timed(flow.post, invoice_type, partner, product, count)
        suggest = 0.0
        if direction == "deliver":
            suggest, found = timed(bench.call, "GET", f"/moves/{move}/lines/{line}/lots/suggested")
            expiries = [lot["expiry_date"] for lot in found["lots"]]
            assert expiries == sorted(expiries) and len(expiries) == lots, "the suggestion is not first expiry first out"
            entries = [{"name": lot["name"], "quantity": lot["quantity"]} for lot in found["lots"]]
        with bench.counting() as assigned:
            assign, _ = timed(bench.call, "PUT", f"/moves/{move}/lines/{line}/lots", {"lots": entries})
        with bench.counting() as validated:
            validate, _ = timed(flow.validate, move)
        result[direction] = {"post": post, "suggest": suggest, "assign": assign, "validate": validate,
                             "total": post + suggest + assign + validate, "assign_statements": assigned["statements"],
                             "validate_statements": validated["statements"]}
    return result


def lots_scenario(backend: str, base_url: str | None, count: int, lots: int) -> dict:
    """A small lot receipt and delivery (1 % of the units and a tenth of the lots), then the large one
    three times (the median kept): the statements must not grow with units or lots."""
    with database(backend, base_url) as url:
        bench = Bench(url)
        flow = ApiFlow(bench)
        small = _lot_flow(bench, flow, count // 100, max(1, lots // 10), "S")
        large = [_lot_flow(bench, flow, count, lots, f"L{i}") for i in range(REPEATS_LARGE)]
        return {"backend": backend, "small": small,
                "large": _median_run(large, key=lambda run: run["receive"]["total"] + run["deliver"]["total"])}


# ---------------------------------------------------------------- import and export


def import_scenario(backend: str, base_url: str | None, count: int) -> dict:
    """POST /serials/import of ``count`` rows: a dry run, then the import itself."""
    with database(backend, base_url) as url:
        bench = Bench(url)
        bench.call("POST", "/products", {"name": "Imported product", "tracking": "serial", "default_code": "BENCH-IMP"})
        body = ("name,product,location,ref\n" + "".join(f"IM-{i:07d},BENCH-IMP,WH/Stock,R{i}\n" for i in range(count))).encode()
        dry, report = timed(bench.call, "POST", "/serials/import?dry_run=true", data=body, content_type="text/csv")
        if report["errors"] or report["rows"] != count:
            raise RuntimeError(f"the dry run found problems: {report}")
        with bench.counting() as counter:
            real, report = timed(bench.call, "POST", "/serials/import?dry_run=false", data=body, content_type="text/csv")
        if report["created"] != count:
            raise RuntimeError(f"the import did not create every row: {report}")
        return {"backend": backend, "count": count, "bytes": len(body), "dry_run_s": dry, "import_s": real,
                "statements": counter["statements"], "peak_memory_mb": round(peak_memory_mb(), 1)}


def export_scenario(url: str, token: str) -> dict:
    """GET /serials.csv of the whole database, read as it streams; this process's peak memory."""
    bench = Bench(url, token)
    before = peak_memory_mb()
    started = time.perf_counter()
    response = bench.client.get("/api/v1/serials.csv", headers={"Authorization": f"Bearer {token}"}, buffered=False)
    if response.status_code != 200:
        raise RuntimeError(f"GET /serials.csv answered {response.status_code}")
    lines = size = 0
    for chunk in response.response:
        chunk = chunk.encode() if isinstance(chunk, str) else chunk
        lines += chunk.count(b"\n")
        size += len(chunk)
    response.close()
    return {"rows": lines - 1, "mb": round(size / 2**20, 1), "seconds": round(time.perf_counter() - started, 2),
            "peak_memory_before_mb": round(before, 1), "peak_memory_mb": round(peak_memory_mb(), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scenarios")
    parser.add_argument("scenario", choices=["flow", "stored", "floor", "copy-floor", "key-floor", "scanload",
                                             "reads-during-write", "lots", "import", "export", "reader"])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--via", default="api", choices=["api", "services"])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--list-samples", type=int, default=300)
    parser.add_argument("--export", action="store_true", help="stored: then export every serial as CSV")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--per-client", type=int, default=200)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--proxy", action="store_true")
    parser.add_argument("--single", type=int, default=0, help="scanload: first this many scans by one scanner, in-process")
    parser.add_argument("--time-limit", type=float, default=SCAN_TIME_LIMIT, help="scanload: seconds at most per phase")
    parser.add_argument("--lots", type=int, default=100)
    parser.add_argument("--repeats", type=int, help="flow, stored, reads-during-write: runs to take the median of")
    parser.add_argument("--url", help="export, reader: the database another scenario set up")
    parser.add_argument("--token")
    args = parser.parse_args()
    base_url = os.environ.get("BENCH_DATABASE_URL")
    with instance_folder():
        _run(args, base_url)


def _run(args: argparse.Namespace, base_url: str | None) -> None:
    if args.scenario == "reader":
        return reader(args.url, args.token, args.stored)
    if args.scenario == "flow":
        result = flow_scenario(args.backend, base_url, args.via, args.count, args.repeats)
    elif args.scenario == "stored":
        result = stored_scenario(args.backend, base_url, args.stored, args.samples, args.list_samples, args.export, args.repeats)
    elif args.scenario == "floor":
        result = floor_scenario(args.count)
    elif args.scenario == "copy-floor":
        result = copy_floor_scenario(base_url, args.count)
    elif args.scenario == "key-floor":
        result = key_floor_scenario(base_url, args.count)
    elif args.scenario == "scanload":
        result = scanload_scenario(args.backend, base_url, args.clients, args.per_client, args.processes, args.workers,
                                   args.proxy, args.single, args.time_limit)
    elif args.scenario == "reads-during-write":
        result = reads_during_write_scenario(args.count, args.stored, args.repeats or 3)
    elif args.scenario == "lots":
        result = lots_scenario(args.backend, base_url, args.count, args.lots)
    elif args.scenario == "import":
        result = import_scenario(args.backend, base_url, args.count)
    else:
        result = export_scenario(args.url, args.token)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
