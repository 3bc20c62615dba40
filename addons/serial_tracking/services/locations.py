"""Locations: the warehouse tree, and the partner and virtual locations at its edges."""
from __future__ import annotations

from sqlalchemy import select

from erp_core import audit
from erp_core.database import db
from erp_core.errors import DomainError, raise_if_problems
from erp_core.services import get_or_404

from ..models import Location, LocationUsage

DEFAULT_STOCK = "WH/Stock"
# Created by `erp init`, parents first: (full name, usage).
DEFAULT_LOCATIONS = (
    ("WH", "view"), (DEFAULT_STOCK, "internal"),
    ("Partners", "view"), ("Partners/Vendors", "vendor"), ("Partners/Customers", "customer"),
    ("Virtual", "view"), ("Virtual/Inventory adjustment", "inventory"), ("Virtual/Scrap", "scrap"),
)


def get_location(location_id: int) -> Location:
    return get_or_404(Location, location_id, "location")


def create_location(name: str, parent_id: int | None, usage: str, user=None) -> Location:
    name = (name or "").strip()
    problems = []
    if not name:
        problems.append({"field": "name", "code": "required", "message": "Enter the location's name."})
    elif "/" in name or len(name) > 100:
        problems.append({"field": "name", "code": "invalid_name", "message": "Use at most 100 characters and no '/' (it separates the levels of the full name)."})
    if usage not in LocationUsage.values():
        problems.append({"field": "usage", "code": "invalid_choice", "message": f"Usage must be one of {', '.join(LocationUsage.values())}."})
    parent = db.session.get(Location, parent_id) if parent_id is not None else None
    if parent_id is not None and parent is None:
        problems.append({"field": "parent_id", "code": "not_found", "message": f"There is no location with id {parent_id}."})
    full_name = f"{parent.full_name}/{name}" if parent else name
    if name and db.session.scalar(select(Location.id).where(Location.full_name == full_name)):
        problems.append({"field": "name", "code": "duplicate_location", "message": f"A location named {full_name} already exists."})
    raise_if_problems(problems, "The location cannot be created: " + "; ".join(p["message"] for p in problems))
    location = Location(name=name, parent_id=parent_id, usage=usage, full_name=full_name)
    db.session.add(location)
    db.session.flush()
    location.parent_path = f"{parent.parent_path if parent else ''}{location.id}/"
    db.session.flush()
    audit.record("create", "location", location.id, user, full_name=full_name, usage=usage)
    return location


def create_default_locations() -> None:
    """The warehouse, partner and virtual locations of a new database; existing ones are kept."""
    existing = {loc.full_name: loc for loc in db.session.scalars(select(Location))}
    for full_name, usage in DEFAULT_LOCATIONS:
        if full_name not in existing:
            parent_name, _, name = full_name.rpartition("/")
            parent = existing.get(parent_name)
            existing[full_name] = create_location(name, parent.id if parent else None, usage)


def location_of_usage(usage: str) -> Location:
    location = db.session.scalar(select(Location).where(Location.usage == usage).order_by(Location.id).limit(1))
    if location is None:
        raise DomainError("missing_location", f"There is no location of usage {usage!r}; run `erp init` to create the default locations.")
    return location


def stock_location() -> Location:
    """The default stock location (WH/Stock), or the first internal one if it was not created."""
    return db.session.scalar(select(Location).where(Location.full_name == DEFAULT_STOCK)) or location_of_usage("internal")


def locations_below(location: Location):
    """A select of the ids of ``location`` and every location under it."""
    return select(Location.id).where(Location.parent_path.startswith(location.parent_path))
