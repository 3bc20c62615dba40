"""Upgrading a database written by an older version keeps what it holds."""
from datetime import datetime, timezone

import pytest
from alembic import command
import sqlalchemy as sa

from erp_core import create_app
from erp_core.cli import initialise
from erp_core.database import UtcDateTime, db
from erp_core.migrations import alembic_config
from erp_core.testing import Api, assert_error, ok
from erp_core.testing.plugin import fresh_g_per_request

from .common import assign, create_partner, invoice_move, post_invoice


@pytest.fixture
def empty_app(backend, database_factory):
    application = create_app({"DATABASE_URL": database_factory.empty(backend), "TESTING": True})
    fresh_g_per_request(application)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def _insert(connection, table: str, **values) -> int | None:
    """A row written in the table's columns of the time; its id (where it has one)."""
    columns = [sa.column(name, UtcDateTime if name == "created_at" else None) for name in values]
    stmt = sa.table(table, *columns, sa.column("id")).insert().values(**values)
    if table == "product_tracking":  # keyed by its product
        connection.execute(stmt)
        return None
    return connection.execute(stmt.returning(sa.column("id"))).scalar()


def test_a_unit_reserved_before_reservations_moved_to_the_assignment_rows_stays_reserved(empty_app):
    """Revision serial_tracking_0006 kept the reservation on the serial (reserved_by_move_id, status
    on_hand); after the upgrade the unit is still reserved by the same pending delivery."""
    with db.engine.begin() as connection:
        cfg = alembic_config(empty_app)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "serial_tracking_0006")
        now = datetime(2026, 11, 1, tzinfo=timezone.utc)
        product = _insert(connection, "products", name="Old laptop", type="storable")
        _insert(connection, "product_tracking", product_id=product, tracking="serial")
        ids, paths = {}, {}
        for name, usage in (("WH", "view"), ("WH/Stock", "internal"), ("Partners", "view"), ("Partners/Customers", "customer")):
            parent = name.rpartition("/")[0] or None
            ids[name] = _insert(connection, "locations", name=name.rpartition("/")[2], parent_id=ids.get(parent), usage=usage,
                                full_name=name, parent_path="")
            paths[name] = paths.get(parent, "") + f"{ids[name]}/"
            connection.execute(sa.text("UPDATE locations SET parent_path = :path WHERE id = :id"),
                               {"path": paths[name], "id": ids[name]})
        move = _insert(connection, "stock_moves", reference="OUT/OLD1", type="delivery", state="pending",
                       source_location_id=ids["WH/Stock"], dest_location_id=ids["Partners/Customers"], created_at=now)
        line = _insert(connection, "stock_move_lines", move_id=move, product_id=product, quantity=1)
        serials = [_insert(connection, "serials", name=name, product_id=product, scope=product, location_id=ids["WH/Stock"],
                           created_at=now, status="on_hand" if reserved else "available",
                           reserved_by_move_id=move if reserved else None)
                   for name, reserved in (("OLD-1", True), ("OLD-2", False))]
        _insert(connection, "move_line_serials", move_id=move, line_id=line, product_id=product, scope=product, name="OLD-1",
                serial_id=serials[0])

    initialise(empty_app, demo=False)

    api = Api(empty_app, "warehouse")
    old_2, old_1 = ok(api.get("/serials?q=OLD-"))["items"]  # newest first
    assert (old_1["name"], old_1["status"], old_1["reserved_by_move_id"]) == ("OLD-1", "on_hand", move)
    assert (old_2["name"], old_2["status"], old_2["reserved_by_move_id"]) == ("OLD-2", "available", None)
    assert [s["name"] for s in ok(api.get("/serials?status=on_hand"))["items"]] == ["OLD-1"]
    other = invoice_move(api, post_invoice(api, "customer_invoice", create_partner(api), [({"id": product}, 1)]))
    problem = assert_error(assign(api, other, ["OLD-1"]), 422, "serial_reserved")["details"][0]
    assert (problem["serial"], problem["code"]) == ("OLD-1", "serial_reserved") and "OUT/OLD1" in problem["message"]
    ok(api.post(f"/moves/{move}/cancel"))
    assert ok(api.get(f"/serials/{old_1['id']}"))["status"] == "available"
    ok(assign(api, other, ["OLD-1"]))
