"""Partners: the vendors and customers documents are made out to."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from .. import audit
from ..database import db
from ..errors import raise_if_problems
from ..models import EMAIL_MAX, NAME_MAX, Partner
from ..sorting import Sorting
from ..text import text_problems


def _check_partner(values: dict) -> None:
    problems = []
    if "name" in values and not (values["name"] or "").strip():
        problems.append({"field": "name", "code": "required", "message": "Enter the partner's name."})
    for key, limit in (("name", NAME_MAX), ("email", EMAIL_MAX)):
        problems += text_problems(values.get(key), key, limit)
    raise_if_problems(problems, "The partner cannot be saved: " + "; ".join(p["message"] for p in problems) if problems else "")


# The partner list's sortable columns.
PARTNER_SORTING = Sorting({"name": func.lower(Partner.name), "email": func.lower(Partner.email)},
                          default=(Partner.name, Partner.id), tiebreak=(Partner.id,))


def search_partners(q: str | None = None, sort: str | None = None):
    """A select of partners by name (or by ``sort``), ``q`` being part of the name or email (case-insensitive)."""
    stmt = select(Partner).order_by(*PARTNER_SORTING.order(sort))
    if q and q.strip():
        stmt = stmt.where(or_(Partner.name.icontains(q.strip(), autoescape=True), Partner.email.icontains(q.strip(), autoescape=True)))
    return stmt


def create_partner(name: str, email: str | None = None, user=None) -> Partner:
    _check_partner({"name": name})
    partner = Partner(name=name.strip(), email=(email or None))
    db.session.add(partner)
    db.session.flush()
    audit.record("create", "partner", partner.id, user, name=partner.name)
    return partner


def update_partner(partner: Partner, values: dict, user=None) -> Partner:
    _check_partner(values)
    changes = {}
    for key, value in values.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(partner, key) != value:
            changes[key] = [getattr(partner, key), value]
        setattr(partner, key, value)
    db.session.flush()
    if changes:
        audit.record("edit", "partner", partner.id, user, changes=changes)
    return partner
