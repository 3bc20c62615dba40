"""Records extended by the addons above them. An addon never adds columns to another's model: it
keeps its own table and declares, through ``erp_record_extensions``, the fields it adds to the
other's records: how to load them for a page of records in one go, check them and save them.
The owner of the record asks this module, so it never names the addons that extend it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask import current_app
from pydantic import BaseModel, create_model
from pydantic.fields import FieldInfo


@dataclass(frozen=True)
class RecordField:
    """One field an addon adds to another's record. ``type`` is the value's type in the API;
    ``writable`` fields are accepted when the record is created or changed (API and form)."""

    name: str
    label: str
    type: Any
    default: Any = None
    writable: bool = False
    choices: tuple[tuple[str, str], ...] | None = None  # (value, label), for forms
    section: str = ""      # form section heading, e.g. "Traceability"
    help: str = ""
    field: FieldInfo | None = None  # bounds and description for the API schema: pydantic.Field(ge=0, ...)


@dataclass(frozen=True)
class RecordExtension:
    """What an addon adds to the records of ``model``.

    ``load(records)`` answers ``{record.id: {field name: value}}`` for a page of records (one query,
    not one per record); records it leaves out get the fields' defaults. ``check(record, values)``
    returns problems (``{"field", "code", "message"}``) with the writable values about to be saved;
    ``save(record, values)`` stores them once the record has its id. Both run in the transaction
    that saves the record."""

    model: type
    fields: tuple[RecordField, ...]
    load: Callable[[list], dict[int, dict[str, Any]]]
    check: Callable[[Any, dict[str, Any]], list[dict]] | None = None
    save: Callable[[Any, dict[str, Any]], None] | None = None


def extensions(model: type) -> list[RecordExtension]:
    """The extensions of ``model``, in load order."""
    found = current_app.extensions["erp"].hook.erp_record_extensions()
    return [e for extensions in reversed(found) for e in extensions if e.model is model]


def extra_fields(model: type, writable: bool | None = None) -> list[RecordField]:
    return [f for e in extensions(model) for f in e.fields if writable is None or f.writable == writable]


def extra_values(model: type, records: list) -> dict[int, dict[str, Any]]:
    """Every added field of every record: ``{record.id: {name: value}}``, one load per extension."""
    values = {r.id: {} for r in records}
    for extension in extensions(model):
        loaded = extension.load(records) if records else {}
        for record in records:
            found = loaded.get(record.id, {})
            values[record.id].update({f.name: found.get(f.name, f.default) for f in extension.fields})
    return values


def split_values(model: type, values: dict[str, Any]) -> tuple[dict, dict]:
    """(the record's own values, the values of fields added by extensions)."""
    added = {f.name for f in extra_fields(model, writable=True)}
    return {k: v for k, v in values.items() if k not in added}, {k: v for k, v in values.items() if k in added}


def check_extra(model: type, record, values: dict[str, Any]) -> list[dict]:
    return [p for e in extensions(model) if e.check for p in e.check(record, _own(e, values))]


def save_extra(model: type, record, values: dict[str, Any]) -> None:
    for extension in extensions(model):
        if extension.save:
            extension.save(record, _own(extension, values))


def _own(extension: RecordExtension, values: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in extension.fields}
    return {k: v for k, v in values.items() if k in names}


def extended_schema(base: type[BaseModel], model: type, mode: str = "output") -> type[BaseModel]:
    """``base`` with the fields addons add to ``model``: every field for ``output``, the writable
    ones with their defaults for ``create``, the writable ones as optional for ``patch``. Built
    once per app, under the base's own name (the OpenAPI component name)."""
    cache = current_app.extensions["erp"].schemas
    key = (base, model, mode)
    if key not in cache:
        fields = extra_fields(model, writable=None if mode == "output" else True)
        definitions = {}
        for f in fields:
            info = f.field or FieldInfo()
            if mode == "output":
                definitions[f.name] = (f.type, FieldInfo.merge_field_infos(info, default=...))
            elif mode == "create":
                definitions[f.name] = (f.type, FieldInfo.merge_field_infos(info, default=f.default))
            else:
                definitions[f.name] = (f.type | None, FieldInfo.merge_field_infos(info, default=None))
        cache[key] = create_model(base.__name__, __base__=base, __module__=base.__module__, **definitions) if definitions else base
    return cache[key]
