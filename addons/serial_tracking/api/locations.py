"""Locations over HTTP."""
from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import select

from erp_core.api import ApiModel, Id, ListQuery, Page, paginate
from erp_core.text import Text
from erp_core.auth import api_user

from .. import services
from ..models import Location, LocationUsage
from . import routes


class LocationIn(ApiModel):
    name: Text = Field(min_length=1, max_length=100)
    parent_id: Id | None = None
    usage: LocationUsage = LocationUsage.INTERNAL


class LocationOut(BaseModel):
    id: int
    name: str
    full_name: str
    parent_id: int | None
    usage: LocationUsage


class LocationQuery(ListQuery):
    usage: LocationUsage | None = None


def location_to_dict(location: Location) -> dict:
    return {"id": location.id, "name": location.name, "full_name": location.full_name, "parent_id": location.parent_id,
            "usage": location.usage}


@routes.route("/locations", summary="List locations by full name", query=LocationQuery, response=Page[LocationOut])
def list_locations(query: LocationQuery):
    stmt = select(Location).order_by(Location.full_name)
    if query.usage:
        stmt = stmt.where(Location.usage == query.usage)
    return paginate(stmt, location_to_dict, query)


@routes.route("/locations", "POST", summary="Create a location", permission="location.write", body=LocationIn,
              response=LocationOut, status=201)
def create_location(body: LocationIn):
    return location_to_dict(services.create_location(body.name, body.parent_id, body.usage, api_user()))


@routes.route("/locations/<int:location_id>", summary="One location", response=LocationOut)
def get_location(location_id: int):
    return location_to_dict(services.get_location(location_id))
