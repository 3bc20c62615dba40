"""On SQLite, requests that only read begin without taking the write lock: a GET is answered while
another connection is writing. Requests that write still take it first."""
import sqlite3
import time

import pytest

from erp_core.database import db
from erp_core.testing import log_in, ok


def test_a_get_is_answered_while_another_connection_holds_the_write_lock(backend, api, client):
    if backend != "sqlite":
        pytest.skip("SQLite's write lock")
    ok(api.post("/partners", json={"name": "Before the lock"}), 201)  # also records the token's use
    log_in(client, "warehouse")
    db.session.commit()
    writer = sqlite3.connect(db.engine.url.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        writer.execute("INSERT INTO partners (name) VALUES ('Not committed yet')")
        start = time.perf_counter()
        # Waiting for the lock would take the busy timeout (30 s), three times, and answer 409.
        assert [p["name"] for p in ok(api.get("/partners"))["items"]] == ["Before the lock"]
        assert client.get("/partners").status_code == 200
        assert time.perf_counter() - start < 5
    finally:
        writer.execute("ROLLBACK")
        writer.close()
