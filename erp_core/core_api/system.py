"""Health, this API's OpenAPI document, the loaded addons, and the audit trail."""
from __future__ import annotations

import re
from datetime import datetime

from flask import current_app
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from .. import audit
from ..api import ListQuery, Page, paginate
from ..database import MAX_ID, db, id_pattern
from ..openapi import openapi_document
from . import routes


@routes.route("/health", summary="Liveness and database check", auth=False)
def health():
    db.session.execute(select(1))
    return {"status": "ok"}


@routes.route("/openapi.json", summary="This document", auth=False)
def openapi():
    return openapi_document(current_app)


class AddonOut(BaseModel):
    name: str
    version: str
    depends: list[str]


class AddonList(BaseModel):
    items: list[AddonOut]


@routes.route("/addons", summary="Loaded addons in load order", response=AddonList)
def list_addons():
    return {"items": [{"name": a.name, "version": a.version, "depends": a.depends} for a in current_app.extensions["erp"].addons]}


RECORD = rf"^[a-z_]+:{id_pattern(MAX_ID)}$"


class AuditQuery(ListQuery):
    record: str | None = Field(None, json_schema_extra={"pattern": RECORD}, description="The record, as kind:id (product:5, "
                               "user:2, or any kind an addon audits); every record when left out")

    @field_validator("record")
    @classmethod
    def _kind_and_id(cls, value: str | None) -> str | None:
        # An id filter like any other: outside 1..2^31-1 it names nothing (400), on every database.
        if value is not None and not re.fullmatch(RECORD, value, re.ASCII):
            raise ValueError(f"give the record as kind:id, such as product:5, with an id from 1 to {MAX_ID}")
        return value


class AuditRow(BaseModel):
    at: datetime
    user: str | None = Field(description="Who acted; null for the command line")
    action: str
    details: dict | None


@routes.route("/audit", summary="Every action on a record, oldest first", permission="audit.read", query=AuditQuery,
              response=Page[AuditRow])
def list_audit(query: AuditQuery):
    kind, record_id = query.record.split(":") if query.record else (None, None)
    return paginate(audit.entries_stmt(kind, int(record_id) if record_id else None),
                    lambda row: {"at": row.at, "user": row.user, "action": row.action, "details": row.details}, query, scalars=False)
