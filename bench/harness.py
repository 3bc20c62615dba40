"""What every benchmark scenario needs: its own database, the app with an API client acting
in-process like a real one (a fresh session per request), statement counting, and the bulk loader
that stores a million serials directly with SQL."""
from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time
from contextlib import contextmanager
from datetime import timezone
from pathlib import Path

from sqlalchemy import bindparam, event, text
from sqlalchemy.engine import make_url

from erp_core import create_app
from erp_core import services as core
from erp_core.cli import initialise
from erp_core.database import UtcDateTime, db, utcnow
from erp_core.testing.databases import pg_admin, scratch_database

# ---------------------------------------------------------------- databases


@contextmanager
def instance_folder():
    """An instance folder (the app keeps its secret key there) for one benchmark process and the
    processes it starts, removed at the end; one already set in ERP_INSTANCE_PATH is used as is."""
    if os.environ.get("ERP_INSTANCE_PATH"):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="erp-bench-instance-") as folder:
        os.environ["ERP_INSTANCE_PATH"] = folder
        try:
            yield
        finally:
            del os.environ["ERP_INSTANCE_PATH"]


@contextmanager
def database(backend: str, base_url: str | None):
    """A new empty database URL for one scenario, dropped afterwards: an SQLite file in a temporary
    folder, or a database created on the server of ``base_url`` (BENCH_DATABASE_URL)."""
    with tempfile.TemporaryDirectory(prefix="erp-bench-") as folder, \
            scratch_database(backend, Path(folder), base_url, "erp_bench") as url:
        yield url


def database_size_mb(url: str) -> float:
    """The database on disk: the SQLite file with its WAL, or PostgreSQL's pg_database_size."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return sum(os.path.getsize(p) for p in (parsed.database, parsed.database + "-wal") if os.path.exists(p)) / 2**20
    with pg_admin(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far: VmHWM on Linux (ru_maxrss would start from the
    parent's peak in a process started by another, since Linux keeps it across exec), else ru_maxrss."""
    status = Path("/proc/self/status")
    if status.exists():
        return next(int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("VmHWM:")) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples: list[float]) -> dict:
    """p50, p95, p99 and the longest, in milliseconds."""
    ordered = sorted(samples)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000, 2)

    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": at(0.95), "p99_ms": at(0.99),
            "max_ms": round(ordered[-1] * 1000, 2), "samples": len(ordered)}


# ---------------------------------------------------------------- the app

PASSWORD = "bench-password"


class Bench:
    """The app on one database, with an admin's API token and a logged-in browser session.
    No application context stays open between calls, so each request gets a fresh session,
    as behind a real server."""

    def __init__(self, url: str, token: str | None = None):
        """A new database gets its schema and the admin ``bench``; ``token``: attach to a database
        another process set up so (a second reader, an exporting process)."""
        self.url = url
        self.app = create_app({"DATABASE_URL": url})
        if token is None:
            initialise(self.app, demo=False)
        with self.app.app_context():
            if token is None:
                token = core.create_token(core.create_user("bench", "admin", PASSWORD))
                db.session.commit()
            self.token = token
            self.engine = db.engine
            self.backend = db.engine.dialect.name
        self.client = self.app.test_client()
        self.browser = self.app.test_client()
        self.app.config["WTF_CSRF_ENABLED"] = False
        self.browser.post("/login", data={"username": "bench", "password": PASSWORD})

    def call(self, method: str, path: str, json=None, data: bytes | None = None, content_type: str | None = None):
        """An API call answered below 300; its JSON. ``data``: a raw body (a CSV file)."""
        response = self.client.open("/api/v1" + path, method=method, json=json, data=data, content_type=content_type,
                                    headers={"Authorization": f"Bearer {self.token}"})
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.get_data(as_text=True)[:500]}")
        return response.get_json()

    def page(self, path: str) -> None:
        response = self.browser.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")

    @contextmanager
    def transaction(self):
        """One service-layer action, committed like a request (its own context and session)."""
        with self.app.app_context():
            yield
            db.session.commit()

    @contextmanager
    def counting(self):
        """Count the SQL statements sent inside the block: ``with bench.counting() as counter``."""
        counter = {"statements": 0}

        def before(*_args):
            counter["statements"] += 1

        event.listen(self.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(self.engine, "before_cursor_execute", before)


def timed(function, *args, **kwargs):
    """(seconds, result)."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


# ---------------------------------------------------------------- a million stored serials

BACKGROUND_PRODUCTS = 20
SQLITE_SERIALS = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :count - 1)
INSERT INTO serials (name, product_id, scope, status, location_id, received_at, vendor_id, delivered_at, customer_id, created_at)
SELECT printf('BG-%07d', i), :first_product + i % :products, :first_product + i % :products,
       CASE WHEN i % 10 < 7 THEN 'available' ELSE 'out_of_stock' END,
       CASE WHEN i % 10 < 7 THEN :stock ELSE :customer_location END,
       :now, :vendor, CASE WHEN i % 10 < 7 THEN NULL ELSE :now END, CASE WHEN i % 10 < 7 THEN NULL ELSE :customer END, :now
FROM n
"""
POSTGRESQL_SERIALS = """
INSERT INTO serials (name, product_id, scope, status, location_id, received_at, vendor_id, delivered_at, customer_id, created_at)
SELECT 'BG-' || lpad(i::text, 7, '0'), :first_product + i % :products, :first_product + i % :products,
       CASE WHEN i % 10 < 7 THEN 'available' ELSE 'out_of_stock' END,
       CASE WHEN i % 10 < 7 THEN :stock ELSE :customer_location END,
       :now, :vendor, CASE WHEN i % 10 < 7 THEN NULL ELSE :now END, CASE WHEN i % 10 < 7 THEN NULL ELSE :customer END, :now
FROM generate_series(0, :count - 1) AS i
"""
# Every stored unit was received (one history row); those at the customer were also delivered.
HISTORY = """
INSERT INTO serial_history (serial_id, move_id, date, source_location_id, dest_location_id, user_id)
SELECT id, :move, :now, :source, :dest, :user FROM serials WHERE name LIKE 'BG-%' AND {condition}
"""


def load_background_serials(bench: Bench, count: int) -> None:
    """Store ``count`` serials of other products directly with SQL (70 % in stock, 30 % delivered),
    each with its history, then bring the statistics up to date as a database in service has them
    (VACUUM ANALYZE, which autovacuum runs after a bulk insert, on PostgreSQL; ANALYZE on SQLite)."""
    from erp_addons.serial_tracking import services as stock
    from erp_addons.serial_tracking.models import StockMove

    with bench.transaction():
        products = [core.create_product({"name": f"Background product {i}", "tracking": "serial"}) for i in range(BACKGROUND_PRODUCTS)]
        vendor, customer = core.create_partner("Background vendor"), core.create_partner("Background customer")
        locations = {usage: stock.location_of_usage(usage).id for usage in ("vendor", "customer")}
        locations["stock"] = stock.stock_location().id
        receipt = StockMove(reference="WH/IN/BG", type="receipt", state="done", source_location_id=locations["vendor"],
                            dest_location_id=locations["stock"], partner_id=vendor.id, done_at=utcnow())
        delivery = StockMove(reference="WH/OUT/BG", type="delivery", state="done", source_location_id=locations["stock"],
                             dest_location_id=locations["customer"], partner_id=customer.id, done_at=utcnow())
        db.session.add_all([receipt, delivery])
        db.session.flush()
        user_id = db.session.scalar(text("SELECT id FROM users WHERE username = 'bench'"))
        now = utcnow().astimezone(timezone.utc)
        dated = [bindparam("now", now, type_=UtcDateTime)]
        sql = POSTGRESQL_SERIALS if bench.backend == "postgresql" else SQLITE_SERIALS
        db.session.execute(text(sql).bindparams(*dated), {
            "count": count, "first_product": products[0].id, "products": BACKGROUND_PRODUCTS, "stock": locations["stock"],
            "customer_location": locations["customer"], "vendor": vendor.id, "customer": customer.id})
        db.session.execute(text(HISTORY.format(condition="1 = 1")).bindparams(*dated), {
            "move": receipt.id, "source": locations["vendor"], "dest": locations["stock"], "user": user_id})
        db.session.execute(text(HISTORY.format(condition="status = 'out_of_stock'")).bindparams(*dated), {
            "move": delivery.id, "source": locations["stock"], "dest": locations["customer"], "user": user_id})
    if bench.backend == "postgresql":  # outside a transaction, as autovacuum does after a bulk insert
        with bench.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with bench.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
