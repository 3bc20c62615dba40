"""Serial numbers and their history over HTTP."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from erp_core.api import ApiModel, Id, ListQuery, Page, paginate
from erp_core.text import Text
from erp_core.auth import api_user

from .. import services
from ..models import MoveType, Serial, SerialStatus
from . import routes


class SerialIn(ApiModel):
    name: str = Field(description="Trimmed and normalised to Unicode NFC; the serial number rules apply (422 invalid_serial).")
    product_id: Id
    ref: Text | None = Field(None, max_length=64)


class SerialPatch(ApiModel):
    ref: Text | None = Field(None, max_length=64)


class SerialOut(BaseModel):
    id: int
    name: str
    product_id: int
    ref: str | None
    status: SerialStatus
    location_id: int | None
    location: str | None = Field(description="Full name of the current location.")
    reserved_by_move_id: int | None
    received_at: datetime | None
    vendor_id: int | None
    vendor_bill_id: int | None
    delivered_at: datetime | None
    customer_id: int | None
    customer_invoice_id: int | None
    warranty_end: date | None
    warranty_status: Literal["none", "active", "expired", "returned"] = Field(
        description="returned: the unit came back from the customer and has not been delivered again.")


class SerialQuery(ListQuery):
    product_id: Id | None = None
    status: SerialStatus | None = None
    location_id: Id | None = Field(None, description="At this location or below it")
    q: Text | None = Field(None, max_length=64, description="Part of the name (case-insensitive), or its beginning with match=prefix")
    match: Literal["contains", "prefix"] = Field("contains", description=(
        "contains: q anywhere in the name, ignoring case; prefix: names starting with q, ignoring case, "
        "answered from the name index (the fast search with a million serials)"))


class LookupQuery(BaseModel):
    name: Text = Field(max_length=200, description="The exact serial number")
    product_id: Id | None = None


class HistoryRow(BaseModel):
    date: datetime
    move_id: int
    reference: str
    type: MoveType
    source_location: str
    dest_location: str
    user: str | None
    invoice_number: str | None


def serial_to_dict(serial: Serial) -> dict:
    warranty_end, warranty_status = services.warranty(serial)
    return {
        "id": serial.id, "name": serial.name, "product_id": serial.product_id, "ref": serial.ref, "status": serial.status,
        "location_id": serial.location_id, "location": serial.location.full_name if serial.location else None,
        "reserved_by_move_id": serial.reserved_by_move_id, "received_at": serial.received_at, "vendor_id": serial.vendor_id,
        "vendor_bill_id": serial.vendor_bill_id, "delivered_at": serial.delivered_at, "customer_id": serial.customer_id,
        "customer_invoice_id": serial.customer_invoice_id, "warranty_end": warranty_end, "warranty_status": warranty_status,
    }


@routes.route("/serials", summary="List serial numbers, newest first", query=SerialQuery, response=Page[SerialOut])
def list_serials(query: SerialQuery):
    return paginate(services.serials_stmt(query.product_id, query.status, query.location_id, query.q, query.match), serial_to_dict, query)


@routes.route("/serials", "POST", summary="Create a serial number by hand (it is out of stock until received)",
              permission="serial.create", body=SerialIn, response=SerialOut, status=201)
def create_serial(body: SerialIn):
    return serial_to_dict(services.create_serial(body.name, body.product_id, body.ref, api_user()))


@routes.route("/serials/lookup", summary="Find a serial number by its exact name (422 ambiguous_serial when several products have it)",
              query=LookupQuery, response=SerialOut)
def lookup_serial(query: LookupQuery):
    return serial_to_dict(services.lookup_serial(query.name, query.product_id))


@routes.route("/serials/<int:serial_id>", summary="One serial number", response=SerialOut)
def get_serial(serial_id: int):
    return serial_to_dict(services.get_serial(serial_id))


@routes.route("/serials/<int:serial_id>", "PATCH", summary="Change a serial number's internal reference", permission="serial.write",
              body=SerialPatch, response=SerialOut)
def update_serial(serial_id: int, body: SerialPatch):
    return serial_to_dict(services.update_serial(services.get_serial(serial_id), body.ref, api_user()))


@routes.route("/serials/<int:serial_id>/history", summary="Every done move of this unit, oldest first", query=ListQuery, response=Page[HistoryRow])
def serial_history(serial_id: int, query: ListQuery):
    serial = services.get_serial(serial_id)
    return paginate(services.serial_history_stmt(serial), lambda row: dict(row._mapping), query, scalars=False)
