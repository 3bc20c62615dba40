"""What the dashboard and the product page show of stock: the receipts and deliveries waiting, those
done per week, and a product's stock level day by day, from its done moves."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased, selectinload

from erp_core.database import db, utcnow

from ..models import Location, StockMove, StockMoveLine
from .stock import stock_quantities_stmt

CHARTED_TYPES = ("receipt", "delivery")


def _day(value) -> date:
    """A DATE() of the database: a date on PostgreSQL, its ISO text on SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


def next_pending_moves(move_type: str, limit: int = 5) -> list[StockMove]:
    """The pending moves of ``move_type`` to do next: the oldest first."""
    return db.session.scalars(select(StockMove).where(StockMove.state == "pending", StockMove.type == move_type)
                              .options(selectinload(StockMove.partner), selectinload(StockMove.invoice))
                              .order_by(StockMove.created_at, StockMove.id).limit(limit)).all()


def moves_per_week(weeks: int = 8, today: date | None = None) -> tuple[list[date], dict[str, list[int]]]:
    """(the Monday of each of the last ``weeks`` weeks, {receipt|delivery: moves done each week}), by
    the UTC day they were validated."""
    today = today or utcnow().date()
    mondays = [today - timedelta(days=today.weekday(), weeks=weeks - 1 - i) for i in range(weeks)]
    day = func.date(StockMove.done_at)
    rows = db.session.execute(select(StockMove.type, day, func.count()).where(
        StockMove.state == "done", StockMove.type.in_(CHARTED_TYPES), StockMove.done_at >= _start_of(mondays[0]))
        .group_by(StockMove.type, day)).all()
    counts = {t: [0] * weeks for t in CHARTED_TYPES}
    for move_type, done_on, number in rows:
        counts[move_type][(_day(done_on) - mondays[0]).days // 7] += number
    return mondays, counts


def stock_levels(product_id: int, days: int = 90, today: date | None = None) -> list[tuple[date, Decimal, bool]]:
    """(day, stock at the end of the day, whether it changed that day) of ``product_id`` in the
    internal locations, for the last ``days`` days. Counted back from the stock now, so that stock
    that came in without a move (an import of opening stock) is in the levels too."""
    today = today or utcnow().date()
    first = today - timedelta(days=days - 1)
    source, dest = aliased(Location), aliased(Location)
    entering = and_(dest.usage == "internal", source.usage != "internal")
    leaving = and_(source.usage == "internal", dest.usage != "internal")
    day = func.date(StockMove.done_at)
    changes = {_day(d): change for d, change in db.session.execute(
        select(day, func.sum(case((entering, StockMoveLine.quantity), (leaving, -StockMoveLine.quantity), else_=0)))
        .join(StockMove, StockMove.id == StockMoveLine.move_id)
        .join(source, source.id == StockMove.source_location_id).join(dest, dest.id == StockMove.dest_location_id)
        .where(StockMoveLine.product_id == product_id, StockMove.state == "done", StockMove.done_at >= _start_of(first))
        .group_by(day)).all() if change}
    now = stock_quantities_stmt(product_id=product_id).subquery()
    level = Decimal(db.session.scalar(select(func.coalesce(func.sum(now.c.quantity), 0))))
    levels = []
    for offset in range(days):
        on = today - timedelta(days=offset)
        levels.append((on, level, on in changes))
        level -= changes.get(on, 0)
    return levels[::-1]
