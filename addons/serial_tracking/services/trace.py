"""Traceability: where a unit came from and where it went (its documents, upstream and downstream),
which units a document carried, the units a customer holds or held, and a recall: from a vendor
bill to every customer who got its units, or from a customer invoice back to the bills its units
came in on. Everything is read from the units' history, a few queries whatever the number of units."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from erp_addons.invoicing.models import Invoice
from erp_core.database import count_rows, db
from erp_core.models import Partner, User

from ..models import Location, Serial, SerialHistory, StockMove
from .serials import delivered_to

_Source, _Dest = aliased(Location, name="trace_source"), aliased(Location, name="trace_dest")


def _history_rows(where):
    """The history rows matching ``where``, oldest first, with their move, invoice, partner, user and locations."""
    return db.session.execute(
        select(SerialHistory.serial_id, Serial.name.label("serial"), SerialHistory.id, SerialHistory.date,
               StockMove.id.label("move_id"), StockMove.reference, StockMove.done_at, StockMove.type, StockMove.origin_move_id,
               StockMove.reason, Invoice.id.label("invoice_id"), Invoice.number, Invoice.invoice_date,
               Partner.name.label("partner"), User.username.label("user"),
               _Source.usage.label("source_usage"), _Source.full_name.label("source"),
               _Dest.usage.label("dest_usage"), _Dest.full_name.label("dest"))
        .join(Serial, Serial.id == SerialHistory.serial_id)
        .join(StockMove, StockMove.id == SerialHistory.move_id)
        .join(_Source, _Source.id == SerialHistory.source_location_id).join(_Dest, _Dest.id == SerialHistory.dest_location_id)
        .outerjoin(Invoice, Invoice.id == SerialHistory.invoice_id).outerjoin(Partner, Partner.id == StockMove.partner_id)
        .outerjoin(User, User.id == SerialHistory.user_id)
        .where(where).order_by(SerialHistory.id)).all()


def _documents(row) -> list[dict]:
    """The documents of one history row: its move, then the invoice it was made for."""
    found = [{"kind": "move", "id": row.move_id, "reference": row.reference, "partner": row.partner, "date": row.done_at}]
    if row.invoice_id is not None:
        found.append({"kind": "invoice", "id": row.invoice_id, "reference": row.number, "partner": row.partner, "date": row.invoice_date})
    return found


def _comes_in(row) -> bool:
    """A move that brings the unit to (or moves it within) our stock is upstream of what it does next."""
    return row.dest_usage == "internal"


def serial_trace(serial: Serial) -> dict:
    """The documents ``serial`` came in on (receipts, transfers, returns from customers, with their
    bills and refunds) and went out on (deliveries, returns to vendors, scrap, with their invoices),
    each list in order."""
    rows = _history_rows(SerialHistory.serial_id == serial.id)
    return {"upstream": [d for row in rows if _comes_in(row) for d in _documents(row)],
            "downstream": [d for row in rows if not _comes_in(row) for d in _documents(row)]}


def step_kind(origin_move_id: int | None, reason: str | None) -> str:
    """How a move relates to the one before it: a correction (linked, with a reason), a return
    (linked, without one) or an ordinary move."""
    if origin_move_id is None:
        return "move"
    return "correction" if reason else "return"


def serial_journey(serial: Serial) -> list[dict]:
    """Every step of ``serial`` from location to location, oldest first, with its date, move,
    invoice, user and kind (see ``step_kind``)."""
    return [{"source": row.source, "dest": row.dest, "date": row.date, "move_id": row.move_id, "reference": row.reference,
             "invoice_id": row.invoice_id, "invoice": row.number, "user": row.user, "kind": step_kind(row.origin_move_id, row.reason)}
            for row in _history_rows(SerialHistory.serial_id == serial.id)]


def document_serials_stmt(invoice_id: int | None = None, move_id: int | None = None):
    """The units a document carried: those of its done moves (an invoice's or one move's)."""
    carried = select(SerialHistory.serial_id).join(StockMove, StockMove.id == SerialHistory.move_id)
    carried = carried.where(StockMove.invoice_id == invoice_id) if invoice_id is not None else carried.where(StockMove.id == move_id)
    return select(Serial).where(Serial.id.in_(carried)).order_by(Serial.name, Serial.id)


def partner_serials_stmt(partner_id: int, held: str):
    """Units a customer holds now (delivered to them and still there) or held before (delivered
    to them, later returned)."""
    at_customer = select(Location.id).where(Location.usage == "customer")
    now = select(Serial.id).where(Serial.customer_id == partner_id, Serial.location_id.in_(at_customer))
    if held == "now":
        return select(Serial).where(Serial.id.in_(now)).order_by(Serial.name, Serial.id)
    return select(Serial).where(Serial.id.in_(delivered_to(partner_id)), Serial.id.not_in(now)).order_by(Serial.name, Serial.id)


def partner_serial_counts(partner_id: int) -> dict[str, int]:
    """{"now": units the customer holds, "before": units they held and gave back}."""
    return {held: count_rows(partner_serials_stmt(partner_id, held)) for held in ("now", "before")}


def invoice_trace(invoice: Invoice) -> dict:
    """A recall: the documents the units of ``invoice`` went through before it (for a customer
    invoice, the vendor bills they came in on) and after it (for a vendor bill, the deliveries and
    invoices, with their customers, they went out on), each with the units it shares with ``invoice``."""
    units = select(SerialHistory.serial_id).join(StockMove, StockMove.id == SerialHistory.move_id).where(StockMove.invoice_id == invoice.id)
    rows = _history_rows(SerialHistory.serial_id.in_(units))
    own = {}  # serial id -> the history id of its first row on this invoice's moves
    for row in rows:
        if row.invoice_id == invoice.id:
            own.setdefault(row.serial_id, row.id)
    upstream, downstream = {}, {}
    for row in rows:
        if row.invoice_id == invoice.id:
            continue
        side = upstream if row.id < own[row.serial_id] else downstream
        for document in _documents(row):
            key = (document["kind"], document["id"])
            side.setdefault(key, {**document, "serials": []})
            if row.serial not in side[key]["serials"]:
                side[key]["serials"].append(row.serial)
    return {"upstream": list(upstream.values()), "downstream": list(downstream.values())}

