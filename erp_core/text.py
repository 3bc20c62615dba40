"""What text the app accepts, in one place for the API, the web forms, the command line and the
services: no control characters (C0, C1), no line or paragraph separators (U+2028/U+2029), and no
format or zero-width characters (U+200B, U+200D, U+FEFF, bidirectional controls...). They are
invisible, make look-alike names, and PostgreSQL refuses NUL outright. Names that identify
things (serial and lot names) are also normalised to NFC, so that "é" typed two ways is one name."""
from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

# The Unicode categories Cc (controls), Cf (format), Zl and Zp (line and paragraph separators), as
# of Unicode 14, spelled out: scanning all of Unicode for them at import would cost half a second.
_INVISIBLE = ("\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064"
              "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
              "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")
FORBIDDEN = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
# Multi-line fields (a pasted list) may hold line breaks and tabs, nothing else invisible.
FORBIDDEN_IN_LINES = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INVISIBLE}]")


def text_problem(value: str, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be stored as text, in a sentence; None when it can."""
    found = (FORBIDDEN_IN_LINES if multiline else FORBIDDEN).search(value)
    if found is None:
        return None
    char = found.group(0)
    name = unicodedata.name(char, "a control character")
    return (f"It contains an invisible character (U+{ord(char):04X}, {name.lower()}) at position {found.start() + 1}; "
            "type the text again, or check the scanner's or the program's settings.")


def text_problems(value: str | None, field: str, limit: int) -> list[dict]:
    """The problems of a text field of a record: too long, or holding an invisible character."""
    if value is None:
        return []
    if len(value) > limit:
        return [{"field": field, "code": "too_long", "message": f"Use at most {limit} characters ({len(value)} given)."}]
    problem = text_problem(value)
    return [{"field": field, "code": "invalid_text", "message": problem}] if problem else []


def normalized_name(value: str) -> str:
    """A name as stored and compared: trimmed, in Unicode NFC."""
    return unicodedata.normalize("NFC", value.strip())


def _check(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


Text = Annotated[str, AfterValidator(_check)]
"""A text field of an API body or query string: refused with 400 when it holds an invisible character."""
