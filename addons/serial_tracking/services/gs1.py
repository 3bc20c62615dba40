"""GS1 in what a scanner types and on what a label carries. Pure functions over text: no database,
no application. The GS1 syntax (Application Identifiers, element strings, Digital Link URIs,
GTINs) is read with biip; the decisions below are ours.

``interpret(raw)`` answers a ``Scan`` whose ``kind`` says what the text is:

- ``serial``: a plain serial number, in ``serial`` (trimmed, otherwise as scanned);
- ``gtin``: a product barcode (EAN-8, UPC-A, EAN-13, GTIN-14) with a valid check digit, in ``gtin``
  as GTIN-14;
- ``gs1``: GS1 data: ``gtin`` (AI 01) or ``content_gtin`` (AI 02) as GTIN-14, ``serial`` (AI 21),
  ``lot`` (AI 10) and ``expiry`` (AI 17, a date; day 00 is the month's last day);
- ``invalid_gs1``: text that is GS1 by its form but broken; ``error`` says what is wrong (a wrong
  check digit names the digit expected).

How a text is read, first match wins:

1. Surrounding white space is dropped (a leading or trailing GS too: it carries nothing).
2. A symbology identifier (``]`` + two characters, sent by scanners set up to send them) says
   which kind of symbol was read:
   - a GS1 symbol (``]C1`` GS1-128, ``]d2`` GS1 DataMatrix, ``]Q3`` GS1 QR Code, ``]e0``-``]e2``
     GS1 DataBar): the rest is an element string, or a Digital Link URI in ``]d2``/``]Q3``; if it is
     neither, ``invalid_gs1``;
   - an EAN/UPC or ITF-14 symbol (``]E0``, ``]E3``, ``]E4``, ``]I1``): the rest is a GTIN, or ``invalid_gs1``;
   - any other symbol (``]C0`` Code 128, ``]d1`` DataMatrix, ``]Q1`` QR Code, ...) holds no element
     string: the identifier is dropped and the rest read as in 3, without 3e.
3. Otherwise, by the text's form:
   a. it starts with ``(`` + 2 to 4 digits + ``)``: the bracketed form ``(01)09506000134352(21)ABC``;
   b. it starts with ``http://`` or ``https://``: a GS1 Digital Link URI
      (``https://id.example.com/01/09506000134352/10/LOT-7/21/ABC?17=270331``);
   c. it holds a GS (FNC1, 0x1D): an element string;
   d. 8, 12, 13 or 14 digits with a valid check digit: a product barcode (``gtin``);
   e. it starts with ``01`` or ``02`` and the whole text reads as an element string: ``gs1``
      (``invalid_gs1`` when a check digit inside is wrong);
   f. anything else is a plain serial.
   a, b and c are GS1 by their form: when they do not parse, the answer is ``invalid_gs1``.

So a string that is not valid GS1 is a plain serial: ``10D9T`` stays ``10D9T`` although biip alone
reads it as AI 10 (lot ``D9T``), and so do ``SN-2026-0001`` and digits with a wrong check digit.
Known limits: a lost GS cannot be noticed (AI 21 then swallows the lot after it, up to 20
characters), and an all-digit serial that happens to be a valid GTIN, or that starts with 01 and
reads as an element string, is taken for one; scanners that send symbology identifiers avoid both.

For labels, ``gs1_data(gtin, serial, lot, expiry)`` builds the element string and its
human-readable form (HRI) for AI 01 + 21 (and 10, 17), and refuses what GS1 cannot carry.
``gtin14`` and ``gtin_spellings`` (from ``erp_core.barcodes``) turn a product's barcode into
the GTIN-14 that GS1 data carries, and back into the barcodes a product may have stored.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from biip import ParseConfig, ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from biip.symbology import GS1Symbology, SymbologyIdentifier

from erp_core.barcodes import check_digit, gtin14, gtin_spellings, is_gtin

__all__ = ["GS", "GS1Data", "GS1DataError", "Scan", "gs1_data", "gtin14", "gtin_spellings", "interpret"]

GS = "\x1d"  # the group separator a scanner sends for FNC1 inside GS1 data
ScanKind = Literal["serial", "gtin", "gs1", "invalid_gs1"]

_ELEMENT_STRING_SYMBOLS = GS1Symbology.with_gs1_messages() | {GS1Symbology.GS1_COMPOSITE_WITH_SEPARATOR_CHAR,
                                                              GS1Symbology.GS1_COMPOSITE_WITH_ESCAPE_CHAR}
_DIGITAL_LINK_SYMBOLS = {GS1Symbology.GS1_DATAMATRIX, GS1Symbology.GS1_QR_CODE}
_GTIN_SYMBOLS = GS1Symbology.with_gtin()
_BRACKETED = re.compile(r"\(\d{2,4}\)")
_URL = ("http://", "https://")
_NO_MATCH = re.compile(r"Failed to match '(?P<data>[^']*)' with GS1 AI \((?P<ai>\d+)\) pattern")
_AI_FORMAT = re.compile(r"N\d\+(?P<kind>[NX])(?P<upto>\.\.)?(?P<length>\d+)")
# GS1 "character set 82", the characters AI 10 and AI 21 may hold: no space, no # $ @ [ \ ] ^ ` { | } ~.
_CSET82 = re.compile(r"[A-Za-z0-9!\"%&'()*+,\-./:;<=>?_]{1,20}")


@dataclass(frozen=True)
class Scan:
    """What a scanner's text is (see the module's description). GTINs are always 14 digits."""

    kind: ScanKind
    raw: str
    serial: str | None = None
    gtin: str | None = None
    content_gtin: str | None = None
    lot: str | None = None
    expiry: date | None = None
    symbology: str | None = None  # the identifier the scanner sent, such as "]d2"
    hri: str | None = None        # GS1 data in bracketed form, "(01)09506000134352(21)ABC"
    error: str | None = None      # for invalid_gs1: a sentence saying what is wrong


def interpret(raw: str, separators: Iterable[str] = (GS,)) -> Scan:
    """What ``raw``, the text a scanner typed, means. ``separators``: the characters that stand for
    FNC1 between element strings; GS (0x1D) by default, add one (such as ``~``) when the scanners
    are set up to send it instead."""
    config = ParseConfig(separator_chars=tuple(separators))
    text = raw.strip()
    symbology = _symbology(text)
    if symbology is not None:
        body = text[len(symbology.value):]
        if symbology.gs1_symbology in _ELEMENT_STRING_SYMBOLS:
            if body.startswith(_URL) and symbology.gs1_symbology in _DIGITAL_LINK_SYMBOLS:
                return _digital_link(raw, body, config, symbology.value)
            return _element_string(raw, body, config, symbology.value)
        if symbology.gs1_symbology in _GTIN_SYMBOLS:
            return _gtin(raw, body, config, symbology.value)
        text = body.strip()
    sent = symbology.value if symbology else None
    if _BRACKETED.match(text):
        return _bracketed(raw, text, config, sent)
    if text.startswith(_URL):
        return _digital_link(raw, text, config, sent)
    if any(separator in text for separator in config.separator_chars):
        return _element_string(raw, text, config, sent)
    if is_gtin(text):
        return Scan("gtin", raw, gtin=gtin14(text), symbology=sent)
    if symbology is None and text.startswith(("01", "02")):
        try:
            return _from_elements(raw, GS1Message.parse(text, config=config).element_strings, sent)
        except ParseError:
            pass  # digits that merely start like GS1 data
    return Scan("serial", raw, serial=text, symbology=sent)


def _symbology(text: str) -> SymbologyIdentifier | None:
    if len(text) < 3 or not text.startswith("]"):
        return None
    try:
        return SymbologyIdentifier.extract(text)
    except ParseError:  # "]" and two characters no symbology has: part of the data
        return None


def _invalid(raw: str, sent: str | None, error: str) -> Scan:
    return Scan("invalid_gs1", raw, symbology=sent, error=error)


def _problem(what: str, exc: ParseError) -> str:
    """biip's reason in words: a value that does not fit its AI is named with what the AI holds, not
    with the regular expression biip checks it with."""
    found = _NO_MATCH.search(str(exc))
    if not found:
        return f"{what}: {exc}"
    ai = GS1ApplicationIdentifier.extract(found["ai"])
    value = found["data"][len(ai.ai):]
    shape = _AI_FORMAT.fullmatch(ai.format)
    fits = shape and shape["kind"] == "N" and value.isdigit() and len(value) == int(shape["length"])
    if shape is None or fits:  # the right digits, such as a 13th month in a date
        return f"{what}: ({ai.ai}) {ai.description} cannot be “{value}”."
    length = f"1 to {shape['length']}" if shape["upto"] else shape["length"]
    kind = "digits" if shape["kind"] == "N" else "letters, digits or !\"%&'()*+,-./:;<=>?_ (no spaces)"
    return f"{what}: ({ai.ai}) {ai.description} must be {length} {kind}, not “{value}”."


def _element_string(raw: str, body: str, config: ParseConfig, sent: str | None) -> Scan:
    if not body:
        return _invalid(raw, sent, "The scan holds a GS1 symbology identifier but no data.")
    try:
        return _from_elements(raw, GS1Message.parse(body, config=config).element_strings, sent)
    except ParseError as exc:
        return _invalid(raw, sent, _problem("Not a valid GS1 element string", exc))


def _bracketed(raw: str, text: str, config: ParseConfig, sent: str | None) -> Scan:
    try:
        message = GS1Message.parse_hri(text, config=config)
    except ParseError as exc:
        return _invalid(raw, sent, _problem("Not valid GS1 data in brackets", exc))
    # biip drops spaces, and cuts a value at a "(" it holds ("(21)A(B)C" would give serial "A"):
    # unless the text reads back the same, it cannot be trusted.
    if message.as_hri() != "".join(text.split()):
        return _invalid(raw, sent, f"The bracketed GS1 data is ambiguous: it reads as {message.as_hri()}, which is not what was "
                                   "scanned (a value holding brackets cannot be written in this form).")
    return _from_elements(raw, message.element_strings, sent)


def _digital_link(raw: str, url: str, config: ParseConfig, sent: str | None) -> Scan:
    try:
        return _from_elements(raw, GS1DigitalLinkURI.parse(url, config=config).element_strings, sent)
    except ParseError as exc:
        return _invalid(raw, sent, _problem("Not a valid GS1 Digital Link URI", exc))


def _gtin(raw: str, body: str, config: ParseConfig, sent: str | None) -> Scan:
    if body.isascii() and body.isdigit() and len(body) in (8, 12, 13, 14) and not is_gtin(body):
        return _invalid(raw, sent, _wrong_check_digit("The product barcode", body))
    try:
        return Scan("gtin", raw, gtin=Gtin.parse(body, config=config).as_gtin_14(), symbology=sent)
    except ParseError as exc:
        return _invalid(raw, sent, f"Not a valid product barcode: {exc}")


def _wrong_check_digit(what: str, digits: str) -> str:
    return f"{what} {digits} has a wrong check digit: it should end in {check_digit(digits[:-1])}, not {digits[-1]}."


def _from_elements(raw: str, elements: list[GS1ElementString], sent: str | None) -> Scan:
    """The scan of parsed GS1 data. biip parses a GTIN with a wrong check digit without raising and
    only notes it on the element, so every element is checked here."""
    problems = []
    for element in elements:
        if element.gtin_error:
            problems.append(_wrong_check_digit(f"The GTIN in ({element.ai.ai})", element.value))
        problems += [f"({element.ai.ai}): {error}" for error in (element.sscc_error, element.gln_error) if error]
    if problems:
        return _invalid(raw, sent, " ".join(problems))
    # One element per AI, compared exactly (biip's own lookup matches AIs by prefix).
    by_ai = {element.ai.ai: element for element in elements}

    def value(ai: str) -> str | None:
        return by_ai[ai].value if ai in by_ai else None

    def gtin(ai: str) -> str | None:
        return by_ai[ai].gtin.as_gtin_14() if ai in by_ai and by_ai[ai].gtin else None

    return Scan("gs1", raw, serial=value("21"), gtin=gtin("01"), content_gtin=gtin("02"), lot=value("10"),
                expiry=by_ai["17"].date if "17" in by_ai else None, symbology=sent,
                hri="".join(element.as_hri() for element in elements))


# ---------------------------------------------------------------- GS1 data for labels


class GS1DataError(ValueError):
    """The values cannot be carried as GS1 data; the message says which one and why."""


@dataclass(frozen=True)
class GS1Data:
    """The GS1 data of one unit's label."""

    element_string: str       # what a scanner sends after "]d2": the AIs, a GS after a variable-length one that is not last
    hri: str                  # "(01)09506000134352(21)ABC123", the human-readable form
    hri_lines: tuple[str, ...]  # one AI per line, for the label's text: "(01) 09506000134352", "(21) ABC123"
    encoder_input: str        # "[01]09506000134352[21]ABC123": square brackets, which no AI 10/21 value can hold


def gs1_data(gtin: str, serial: str, lot: str | None = None, expiry: date | None = None) -> GS1Data:
    """AI 01 (the GTIN, any length, as GTIN-14), 17 (expiry), 10 (lot) and 21 (serial), in that order:
    the fixed-length AIs first, so the data needs at most one separator. Raises ``GS1DataError``
    for a GTIN with a wrong check digit, a lot or serial GS1 cannot hold (1 to 20 characters of
    letters, digits and ``!"%&'()*+,-./:;<=>?_``), or an expiry date a scanner would read back in
    another century."""
    if not is_gtin(gtin):
        raise GS1DataError(f"{gtin!r} is not a GTIN with a valid check digit.")
    elements = [("01", gtin14(gtin))]
    if expiry is not None:
        elements.append(("17", expiry.strftime("%y%m%d")))
    for ai, value, what in (("10", lot, "lot"), ("21", serial, "serial number")):
        if value is None and ai == "10":
            continue
        if not _CSET82.fullmatch(value or ""):
            raise GS1DataError(f"The {what} {value!r} cannot be GS1 data (AI {ai}): it must be 1 to 20 letters, digits or "
                               "!\"%&'()*+,-./:;<=>?_ (no spaces).")
        elements.append((ai, value))
    element_string = ""
    for position, (ai, value) in enumerate(elements):
        last = position == len(elements) - 1
        element_string += ai + value + ("" if last or ai in ("01", "17") else GS)
    read_back = interpret(element_string)
    if read_back.kind != "gs1" or read_back.expiry != expiry or (read_back.serial, read_back.lot) != (serial, lot):
        raise GS1DataError(f"The GS1 data of {serial!r} does not read back as written ({read_back.error or read_back.hri}); "
                           "an expiry date must be within 49 years before or 50 years after today.")
    return GS1Data(element_string=element_string, hri="".join(f"({ai}){value}" for ai, value in elements),
                   hri_lines=tuple(f"({ai}) {value}" for ai, value in elements),
                   encoder_input="".join(f"[{ai}]{value}" for ai, value in elements))
