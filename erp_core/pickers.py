"""Pickers for records there may be thousands of (10,000 products): a text field that asks the server
for the top matches as the user types (``/pick/<kind>?q=``, static/picker.js), instead of a <select>
holding every record. Without JavaScript the same field works: the server reads the text typed and
takes the one record it names, or says which ones it could be."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy import Select, func
from wtforms import Field
from wtforms.utils import unset_value

from .database import MAX_ID, db
from .models import Partner, Product
from .services import search_partners, search_products
from .text import text_problem

LIMIT = 20  # matches sent at once: enough to choose from, small enough to read with a screen reader
CODE_FIRST = re.compile(r"^\[(.+?)\]")  # a product as pages show it, "[LAP-01] Laptop": its code finds it


@dataclass(frozen=True)
class PickerSource:
    model: type
    search: Callable[[str], Select]  # the records whose name (or code...) contains the text, ignoring case
    label: Callable[[object], str]   # how the record reads in the field
    noun: str                        # "product", for messages
    name: object                     # the column the label shows (the whole label of a record without a code)


SOURCES = {
    "partners": PickerSource(Partner, search_partners, lambda partner: partner.name, "partner", Partner.name),
    "products": PickerSource(Product, lambda q: search_products(code.group(1) if (code := CODE_FIRST.match(q.strip())) else q),
                             lambda product: product.display_name, "product", Product.name),
}


def matches(kind: str, q: str, limit: int = LIMIT) -> tuple[list[tuple[int, str]], bool]:
    """(id, label) of the first ``limit`` records matching ``q``, and whether there are more."""
    source = SOURCES[kind]
    found = db.session.scalars(source.search(q).limit(limit + 1)).all()
    return [(record.id, source.label(record)) for record in found[:limit]], len(found) > limit


def resolve(kind: str, text: str) -> int:
    """The record ``text`` names: the one whose label it is, or the only one matching it. Raises
    ValueError saying what to type instead."""
    source = SOURCES[kind]
    # The record named in full, even when more than the first few matches contain its name ("Laptop"
    # among "Acer laptop", "Dell laptop"...): the offers below are only the first of them by name.
    named = db.session.scalars(source.search(text).where(func.lower(source.name) == text.strip().lower()).limit(2)).all()
    named = [record for record in named if source.label(record).casefold() == text.strip().casefold()]
    if len(named) == 1:
        return named[0].id
    found, more = matches(kind, text, limit=5)
    exact = [record_id for record_id, label in found if label.casefold() == text.strip().casefold()]
    if len(exact) == 1 or (len(found) == 1 and not more):
        return exact[0] if exact else found[0][0]
    if not found:
        raise ValueError(f"No {source.noun} matches {text.strip()!r}; check the spelling, or type part of its name.")
    names = "; ".join(label for _, label in found) + ("; ..." if more else "")
    raise ValueError(f"Several {source.noun}s match {text.strip()!r} ({names}); type more of the name, or its code.")


class PickerField(Field):
    """The id of a record of ``kind`` (a key of SOURCES), chosen by typing part of its name. Posts
    ``<name>`` (the id, set by the script) and ``<name>-label`` (the text shown); a form posting only
    the id (a test, a script) is read as before."""

    def __init__(self, label=None, validators=None, kind: str = "products", placeholder: str = "Type to search", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.kind, self.placeholder, self.text = kind, placeholder, None

    def process_formdata(self, valuelist):
        chosen = valuelist[0].strip() if valuelist else ""
        self.data = int(chosen) if chosen.isdigit() and 1 <= int(chosen) <= MAX_ID else None
        if self.name + "-label" not in self._formdata:
            return
        self.text = self._formdata.get(self.name + "-label", "").strip()
        problem = text_problem(self.text)
        if problem:
            self.data = None
            raise ValueError(problem)
        if not self.text:  # the text cleared: no record
            self.data = None
        elif self.data is None or self.text != self.label_of(self.data):  # typed without the script, or changed since
            self.data = None
            self.data = resolve(self.kind, self.text)

    def process(self, formdata, data=unset_value, extra_filters=None):
        self._formdata = formdata or {}
        super().process(formdata, data, extra_filters)

    def label_of(self, record_id: int | None) -> str:
        source = SOURCES[self.kind]
        record = db.session.get(source.model, record_id) if record_id else None
        return source.label(record) if record is not None else ""

    def __call__(self, **kwargs):
        attrs = {"id": self.id, "type": "text", "name": self.name + "-label", "autocomplete": "off", "role": "combobox",
                 "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": self.id + "-options",
                 "placeholder": self.placeholder, **(self.render_kw or {}), **kwargs}
        text = self.text if self.text is not None else self.label_of(self.data)
        inputs = "".join(f' {key}="{escape(value)}"' if value is not True else f" {key}" for key, value in attrs.items() if value is not False)
        return Markup(f'<div class="picker" data-picker="{url_for("master.pick", kind=self.kind)}"><input{inputs} value="{escape(text)}">'
                      f'<input type="hidden" name="{escape(self.name)}" value="{self.data or ""}" data-picker-value>'
                      f'<ul class="picker-options" role="listbox" id="{escape(self.id)}-options" hidden></ul></div>')
