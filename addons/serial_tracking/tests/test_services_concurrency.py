"""Warehouse users acting at the same moment (PostgreSQL, where transactions really run side by side;
SQLite takes writers one at a time): a unit is reserved by one delivery only, a move is validated once."""
from __future__ import annotations

import threading

import pytest
from erp_addons.serial_tracking import services
from erp_addons.serial_tracking.models import Serial, SerialHistory, StockMove, StockMoveLine
from sqlalchemy import func, select

from erp_core.database import db
from erp_core.errors import DomainError
from erp_core.models import User

from .common import create_partner, create_product, invoice_move, ok, post_invoice, receive

THREADS = 4
pytestmark = pytest.mark.postgres_only


def _run_at_once(app, count: int, action) -> list[str]:
    """Run ``action(n)`` in ``count`` threads released together, each in its own session; the
    outcome of each is "ok" or the error code."""
    start = threading.Barrier(count)
    outcomes: list[str] = []

    def worker(n):
        with app.app_context():
            start.wait()
            try:
                action(n)
                db.session.commit()
                outcomes.append("ok")
            except DomainError as exc:
                db.session.rollback()
                outcomes.append(exc.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_the_same_units_assigned_to_several_deliveries_at_once_are_reserved_by_one(app, api):
    laptop, customer = create_product(api), create_partner(api)
    names = [f"SN-{n}" for n in range(20)]
    receive(api, laptop, names)
    moves = [invoice_move(api, post_invoice(api, "customer_invoice", customer, [(laptop, 20)]))["id"] for _ in range(THREADS)]

    def assign(n):
        move = db.session.get(StockMove, moves[n])
        services.assign_serials(move, move.lines[0], names, replace=True)

    assert _run_at_once(app, THREADS, assign) == ["ok"] + ["serial_reserved"] * (THREADS - 1)
    db.session.expire_all()
    reservers = set(db.session.scalars(select(Serial.reserved_by_move_id).where(Serial.name.in_(names))))
    assert len(reservers) == 1 and reservers <= set(moves)
    assert [ok(api.get(f"/moves/{m}"))["ready"] for m in moves].count(True) == 1


def test_a_move_validated_twice_at_once_is_validated_once(app, api):
    laptop = create_product(api)
    move = invoice_move(api, post_invoice(api, "vendor_bill", create_partner(api), [(laptop, 50)]))
    ok(api.post(f"/moves/{move['id']}/lines/{move['lines'][0]['id']}/serials/generate", json={"first": "SN-001", "count": 50}))

    def validate(_n):
        user = db.session.scalar(select(User).limit(1))
        services.validate_move(db.session.get(StockMove, move["id"]), user)

    assert _run_at_once(app, THREADS, validate) == ["invalid_state"] * (THREADS - 1) + ["ok"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Serial)) == 50
    assert db.session.scalar(select(func.count()).select_from(SerialHistory)) == 50
    assert db.session.get(StockMoveLine, move["lines"][0]["id"]).move.state == "done"
