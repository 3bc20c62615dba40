"""Counts of a location over HTTP: start one, send what is found, read the difference, apply it."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select

from erp_core.api import ApiModel, Id, ListQuery, Page, paginate
from erp_core.auth import api_user
from erp_core.text import Text

from .. import services
from ..models import REASON_MAX, CountState, InventoryCount
from . import routes


class CountIn(ApiModel):
    location_id: Id


class CountedIn(ApiModel):
    serials: list[str] = Field(description="Serial numbers found at the location.")
    product_id: Id | None = Field(None, description="The product of serial numbers that are unknown (new units) or ambiguous.")


class ApplyIn(ApiModel):
    reason: Text = Field(min_length=1, max_length=REASON_MAX)


class CountedUnit(BaseModel):
    name: str
    product_id: int
    serial_id: int | None


class MissingUnit(CountedUnit):
    location: str
    reserved_by: int | None = Field(description="The pending move that reserves it (the count cannot take it out until it is freed).")


class ElsewhereUnit(CountedUnit):
    location_id: int
    location: str


class CountOut(BaseModel):
    id: int
    reference: str
    location_id: int
    state: CountState
    created_at: datetime
    applied_at: datetime | None
    counted: list[CountedUnit]
    missing: list[MissingUnit] = Field(description="Recorded at the location (or below), not found.")
    unexpected: list[CountedUnit] = Field(description="Found, but out of stock or never seen.")
    elsewhere: list[ElsewhereUnit] = Field(description="Found, but recorded at another internal location.")
    moves: list[int] = Field(description="The moves that applied the count.")


class CountQuery(ListQuery):
    state: CountState | None = None
    location_id: Id | None = None


def count_to_dict(count: InventoryCount, with_difference: bool = True) -> dict:
    found = services.count_difference(count) if with_difference else None
    return {"id": count.id, "reference": count.reference, "location_id": count.location_id, "state": count.state,
            "created_at": count.created_at, "applied_at": count.applied_at,
            "counted": found.counted if found else [], "missing": found.missing if found and count.state == "open" else [],
            "unexpected": found.unexpected if found and count.state == "open" else [],
            "elsewhere": found.elsewhere if found and count.state == "open" else [],
            "moves": services.count_moves(count)}


@routes.route("/counts", summary="Counts of locations, newest first", query=CountQuery, response=Page[CountOut])
def list_counts(query: CountQuery):
    stmt = select(InventoryCount).order_by(InventoryCount.id.desc())
    if query.state:
        stmt = stmt.where(InventoryCount.state == query.state)
    if query.location_id:
        stmt = stmt.where(InventoryCount.location_id == query.location_id)
    return paginate(stmt, count_to_dict, query)


@routes.route("/counts", "POST", summary="Start counting an internal location", permission="count.create", body=CountIn,
              response=CountOut, status=201)
def start_count(body: CountIn):
    return count_to_dict(services.start_count(body.location_id, api_user()))


@routes.route("/counts/<int:count_id>", summary="A count with its difference: missing, unexpected and elsewhere", response=CountOut)
def get_count(count_id: int):
    return count_to_dict(services.get_count(count_id))


@routes.route("/counts/<int:count_id>/serials", "POST", summary="Add the serial numbers found (all or nothing)",
              permission="count.create", body=CountedIn, response=CountOut)
def add_counted(count_id: int, body: CountedIn):
    return count_to_dict(services.add_counted(services.get_count(count_id), body.serials, body.product_id, api_user()))


@routes.route("/counts/<int:count_id>/serials/<path:name>", "DELETE", summary="Take a serial number off the count",
              permission="count.create", response=CountOut)
def remove_counted(count_id: int, name: str):
    return count_to_dict(services.remove_counted(services.get_count(count_id), name, api_user()))


@routes.route("/counts/<int:count_id>/apply", "POST", summary="Apply the difference as done moves, linked to the count, with the "
              "reason (one transaction)", permission="count.apply", body=ApplyIn, response=CountOut)
def apply_count(count_id: int, body: ApplyIn):
    count = services.get_count(count_id)
    services.apply_count(count, body.reason, api_user())
    return count_to_dict(count)


@routes.route("/counts/<int:count_id>/cancel", "POST", summary="Cancel an open count (nothing moves)", permission="count.create",
              response=CountOut)
def cancel_count(count_id: int):
    return count_to_dict(services.cancel_count(services.get_count(count_id), api_user()))
