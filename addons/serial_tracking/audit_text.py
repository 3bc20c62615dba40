"""The stock actions of the audit trail in words, for Activity panels (the ``erp_audit_text``
hook): "Assigned 3 serial numbers: SN-1, SN-2, SN-3", "Validated (12 units)"."""
from __future__ import annotations

from erp_core.activity import changes_text, listed
from erp_core.forms import format_number


def _units(count: int, noun: str = "serial number") -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _serials(details: dict, verb: str) -> str:
    serials = details.get("serials") or {}
    if not serials.get("count"):
        return f"{verb} nothing"
    return f"{verb} {_units(serials['count'])}: {listed(serials)}"


def _move_text(action: str, details: dict) -> str | None:
    if action == "create":
        return f"Created {details.get('reference', '')}".strip()
    if action in ("assign", "replace", "fill"):
        verb = {"assign": "Assigned", "replace": "Replaced a line's serial numbers with", "fill": "Filled with the oldest"}[action]
        return _serials(details, verb)
    if action == "generate":
        return f"{_serials(details, 'Generated')} (counting up from {details.get('first', '')})"
    if action == "remove":
        return f"Removed {details.get('serial', '')}"
    if action == "assign_lots":
        lots = ", ".join(f"{lot['name']} × {format_number(lot['quantity'])}" for lot in details.get("lots", [])) or "none"
        expired = f"; expired lots let out: {', '.join(details['expired_let_out'])} ({details.get('reason')})" if details.get("expired_let_out") else ""
        return f"Lots set: {lots}{expired}"
    if action == "validate":
        total = sum(line.get("quantity", 0) for line in details.get("lines", []))
        return f"Validated ({format_number(total)} unit{'' if total == 1 else 's'})"
    if action == "backorder":
        return f"Backorder {details.get('reference', '')} created for what was missing"
    if action == "return":
        return f"Return {details.get('reference', '')} created"
    if action == "correct":
        amount = f" ({format_number(details['quantity'])} units)" if details.get("quantity") is not None else ""
        return (f"Corrected {details.get('wrong')} to {details.get('right')}{amount}: {details.get('reason')} "
                f"({', '.join(details.get('moves', []))})")
    if action == "import":
        return f"Imported {_units(details.get('created', 0))} from a file of {details.get('rows', 0)} rows"
    if action == "cancel":
        return "Cancelled"
    return None


def _count_text(action: str, details: dict) -> str | None:
    if action == "create":
        return f"Count of {details.get('location', '')} started"
    if action == "count":
        return _serials(details, "Counted")
    if action == "uncount":
        return f"Took back {details.get('serial', '')}"
    if action == "apply":
        return (f"Applied: {details.get('missing', 0)} missing, {details.get('unexpected', 0)} unexpected, "
                f"{details.get('elsewhere', 0)} found from elsewhere ({details.get('reason')})")
    return None


def audit_text(record_type: str, action: str, details: dict) -> str | None:
    if record_type == "move":
        return _move_text(action, details)
    if record_type == "count":
        return _count_text(action, details)
    if record_type == "lot" and action == "create":
        return f"Created by hand{', expires ' + details['expiry_date'] if details.get('expiry_date') else ''}"
    if record_type == "serial" and action == "create":
        return "Created by hand"
    if record_type == "serial" and action == "edit":
        return f"Edited: {changes_text(details.get('changes', {}))}"
    if record_type == "product" and action == "convert_tracking" and len(details.get("tracking") or []) == 2:
        before, after = details["tracking"]
        return f"Tracking changed from {before} to {after}; stock counted out and back in by {', '.join(details.get('moves', [])) or 'no move'}"
    return None
