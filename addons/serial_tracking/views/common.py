"""What the inventory pages share: query-string numbers, capped counts, location choices."""
from __future__ import annotations

from flask import request
from sqlalchemy import select

from erp_core.database import MAX_ID, count_rows, db

from ..models import Location

COUNT_CAP = 10_000     # serial lists count exactly up to here, then say "more than"


def int_arg(name: str, default: int | None = None) -> int | None:
    """An id or page number of the query string; ``default`` when it is none (or names nothing)."""
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return default
    return value if 1 <= value <= MAX_ID else default


def capped_count(stmt) -> tuple[int, bool]:
    """Count at most COUNT_CAP rows: an exact count of a million serials on every page load is the
    slowest part of the page, and nobody pages that far. Returns (count, capped)."""
    n = count_rows(stmt, at_most=COUNT_CAP)
    return min(n, COUNT_CAP), n > COUNT_CAP


def by_id(model, ids) -> dict:
    ids = {i for i in ids if i is not None}
    return {r.id: r for r in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}


def location_choices(include_views: bool = False, usage: str | None = None) -> list[tuple[int, str]]:
    stmt = select(Location).order_by(Location.full_name)
    if usage:
        stmt = stmt.where(Location.usage == usage)
    elif not include_views:
        stmt = stmt.where(Location.usage != "view")
    return [(loc.id, loc.full_name) for loc in db.session.scalars(stmt)]
