"""A product's own rules for its serial numbers: a pattern every name must fully match, shown to
people in words ("LT-, a capital letter, 3 digits"), and an option that turns names to upper case
as they are scanned or typed."""
from __future__ import annotations

import re
from functools import lru_cache

from erp_core.text import normalized_name

PATTERN_MAX = 200
_CATEGORIES = {"CATEGORY_DIGIT": "a digit", "CATEGORY_WORD": "a letter, digit or _", "CATEGORY_SPACE": "a space"}


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a product's serial pattern, or None."""
    if len(pattern) > PATTERN_MAX:
        return f"A serial pattern has at most {PATTERN_MAX} characters."
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"This is not a valid pattern ({exc}); write it as a Python regular expression, e.g. LT-[A-Z]\\d{{3}}."
    return None


@lru_cache(maxsize=256)
def compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def serial_for(raw: str, uppercase: bool) -> str:
    """A name as the product stores it: trimmed, NFC, and in upper case when the product asks."""
    name = normalized_name(raw)
    return name.upper() if uppercase else name


@lru_cache(maxsize=256)
def in_words(pattern: str) -> str:
    """The pattern as a person reads it; the pattern itself when it is too clever to describe."""
    try:
        from re import _parser  # the parser of the re module: a pattern's structure, not its text

        return ", ".join(_describe(_parser.parse(pattern), _parser)) or pattern
    except Exception:  # noqa: BLE001 - a description is a courtesy; the pattern is shown instead
        return pattern


def _describe(items, parser) -> list[str]:
    words: list[str] = []
    literal = ""
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            literal += chr(arg)
            continue
        if literal:
            words.append(f'"{literal}"')
            literal = ""
        if name == "MAX_REPEAT" or name == "MIN_REPEAT":
            low, high, inner = arg
            what = _describe(inner, parser)
            if len(what) != 1:
                raise ValueError("a repeated group")
            words.append(_count(low, high, what[0], parser))
        elif name == "IN":
            words.append(_set(arg))
        elif name == "ANY":
            words.append("any character")
        elif name in ("AT",):
            continue
        elif name == "SUBPATTERN":
            words += _describe(arg[-1], parser)
        elif name == "BRANCH":
            options = [" ".join(_describe(branch, parser)) for branch in arg[1]]
            words.append(" or ".join(options))
        else:
            raise ValueError(name)
    if literal:
        words.append(f'"{literal}"')
    return words


def _set(members) -> str:
    parts = []
    for op, arg in members:
        name = str(op)
        if name == "RANGE":
            low, high = chr(arg[0]), chr(arg[1])
            parts.append({("A", "Z"): "a capital letter", ("a", "z"): "a small letter", ("0", "9"): "a digit"}.get(
                (low, high), f"a character from {low} to {high}"))
        elif name == "LITERAL":
            parts.append(f'"{chr(arg)}"')
        elif name == "CATEGORY":
            parts.append(_CATEGORIES.get(str(arg), "a character"))
        else:
            raise ValueError(name)
    return " or ".join(parts)


def _count(low: int, high, what: str, parser) -> str:
    unbounded = high == parser.MAXREPEAT
    if " or " in what:  # "a capital letter or a digit", repeated
        how_many = f"{low}" if low == high else f"{low} or more" if unbounded else f"{low} to {high}"
        return f"{how_many} characters, each {what}"
    noun = what.removeprefix("a ").removeprefix("an ")
    plural = noun if noun.endswith("s") else noun.replace("letter", "letters").replace("digit", "digits").replace("character", "characters")
    if low == high:
        return what if low == 1 else f"{low} {plural}"
    if unbounded:
        return f"{low} or more {plural}" if low > 1 else ("one or more " + plural if low == 1 else "any number of " + plural)
    if low == 0 and high == 1:
        return f"maybe {what}"
    return f"{low} to {high} {plural}"
