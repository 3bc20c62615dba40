"""Form pieces every addon's pages share: numbers typed as people write them, and the problems a
service reports placed next to the fields that caused them."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import DecimalField, PasswordField, StringField, TextAreaField
from wtforms.widgets import TextInput

from .text import text_problem

GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d*)?$")  # 1,299 or 12,345.50: commas group thousands


def format_number(value, places: int | None = None, grouping: bool = True) -> str:
    """How the app writes a number: ``2.000`` as 2, ``0.3350`` as 0.335, and with ``places`` a fixed
    number of decimals (amounts: 1,299.00); thousands are grouped unless ``grouping`` is off."""
    if value is None:
        return ""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if places is not None:
        return f"{number:,.{places}f}" if grouping else f"{number:.{places}f}"
    number = number.normalize()
    return f"{number:,f}" if grouping else f"{number:f}"


def parse_number(text: str) -> Decimal:
    """A number as people type it, including the way the app shows it: 12.50, 12,5 (a decimal
    comma) and 1,299.00 (grouped thousands). Raises ValueError with what to type instead."""
    text = text.strip().replace(" ", "").replace("\u00a0", "")
    if GROUPED.match(text):
        text = text.replace(",", "")
    elif "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("Enter a number, such as 12.50.") from None
    if not number.is_finite():
        raise ValueError("Enter a number, such as 12.50.")
    return number


class ErpForm(FlaskForm):
    """A form whose text fields refuse invisible characters (erp_core.text), each next to its field;
    a text area may hold line breaks."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self._text_fields(self):
            problem = text_problem(field.data, multiline=isinstance(field, TextAreaField)) if isinstance(field.data, str) else None
            if problem:
                field.errors = list(field.errors) + [problem]
                valid = False
        return valid

    @classmethod
    def _text_fields(cls, form):
        for field in form:
            if hasattr(field, "form") and hasattr(field.form, "_fields"):  # a FormField
                yield from cls._text_fields(field.form)
            elif hasattr(field, "entries"):  # a FieldList
                for entry in field.entries:
                    yield from cls._text_fields(entry.form) if hasattr(entry, "form") else [entry]
            elif isinstance(field, (StringField, PasswordField)):
                yield field


def read_only(form) -> None:
    """Show ``form`` to someone who may read the record but not change it: every field disabled."""
    for field in form:
        if field.type != "CSRFTokenField":
            field.render_kw = {**(field.render_kw or {}), "disabled": True}


class NumberField(DecimalField):
    """A decimal typed as text (phones show the number pad), read by ``parse_number``."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, places=None, render_kw={"inputmode": "decimal", "autocomplete": "off"}, **kwargs)

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = parse_number(text) if text else None

    def _value(self):
        return self.raw_data[0] if self.raw_data else format_number(self.data, grouping=False)


class ErrorPlaces:
    """Where each problem a service reports goes on a form: ``details`` name fields by path, such
    as ``name`` or ``lines.2.quantity`` (the quantity of the third entry of the form's ``lines``).

    ``entries`` gives, for a list, the entry forms in the order the service saw them (when the
    view left empty rows out); ``aliases`` maps a service's field name to the form's. Problems of a
    whole list (``lines``) are kept in ``list_errors`` for the template to show above it."""

    def __init__(self, form, aliases: dict[str, str] | None = None, entries: dict[str, list] | None = None):
        self.form = form
        self.aliases = aliases or {}
        self.entries = entries or {}
        self.list_errors: dict[str, list[str]] = {}

    def field(self, path: str):
        node, parts = self.form, self.aliases.get(path, path).split(".")
        for index, part in enumerate(parts):
            if part.isdigit():
                listed = self.entries.get(parts[index - 1]) if index else None
                listed = listed if listed is not None else [e.form for e in getattr(node, "entries", [])]
                node = listed[int(part)] if int(part) < len(listed) else None
            else:
                node = getattr(node, part, None) if part else None
            if node is None:
                return None
        return node if hasattr(node, "errors") and not hasattr(node, "entries") else None

    def place(self, details: list[dict]) -> list[dict]:
        """Attach each detail's message to its field; returns the details no field took."""
        left = []
        for detail in details:
            path = detail.get("field") or ""
            field = self.field(path) if path else None
            if field is not None:
                field.errors = list(field.errors) + [detail["message"]]
            elif path in self.entries or (path and hasattr(getattr(self.form, path, None), "entries")):
                self.list_errors.setdefault(path, []).append(detail["message"])
            else:
                left.append(detail)
        return left
