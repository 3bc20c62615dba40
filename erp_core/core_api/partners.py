"""Partners over HTTP."""
from __future__ import annotations

from pydantic import BaseModel, Field

from .. import services
from ..api import ApiModel, ListQuery, Page, paginate
from ..auth import api_user
from ..models import EMAIL_MAX, NAME_MAX, Partner
from ..text import Text
from . import routes


class PartnerIn(ApiModel):
    name: Text = Field(min_length=1, max_length=NAME_MAX)
    email: Text | None = Field(None, max_length=EMAIL_MAX)


class PartnerPatch(ApiModel):
    name: Text | None = Field(None, min_length=1, max_length=NAME_MAX)
    email: Text | None = Field(None, max_length=EMAIL_MAX)


class PartnerOut(BaseModel):
    id: int
    name: str
    email: str | None


class PartnerQuery(ListQuery):
    q: Text | None = Field(None, max_length=NAME_MAX, description="Part of the name or email")


def partner_to_dict(p: Partner) -> dict:
    return {"id": p.id, "name": p.name, "email": p.email}


@routes.route("/partners", summary="List partners", query=PartnerQuery, response=Page[PartnerOut])
def list_partners(query: PartnerQuery):
    return paginate(services.search_partners(query.q), partner_to_dict, query)


@routes.route("/partners", "POST", summary="Create a partner", permission="partner.write", body=PartnerIn, response=PartnerOut, status=201)
def create_partner(body: PartnerIn):
    return partner_to_dict(services.create_partner(body.name, body.email, api_user()))


@routes.route("/partners/<int:partner_id>", summary="One partner", response=PartnerOut)
def get_partner(partner_id: int):
    return partner_to_dict(services.get_or_404(Partner, partner_id, "partner"))


@routes.route("/partners/<int:partner_id>", "PATCH", summary="Change a partner", permission="partner.write", body=PartnerPatch, response=PartnerOut)
def update_partner(partner_id: int, body: PartnerPatch):
    partner = services.get_or_404(Partner, partner_id, "partner")
    return partner_to_dict(services.update_partner(partner, body.model_dump(exclude_unset=True), api_user()))
