"""Product barcodes: the GS1 check digit of EAN-8, UPC-A, EAN-13 and GTIN-14 codes, and their
normal form, the 14-digit GTIN. Pure functions: no database, no application.

A barcode that is all digits and 8, 12, 13 or 14 long is taken for a GTIN and must have a valid
check digit; any other barcode (letters, other lengths) is an internal code and has no check digit.
"""
from __future__ import annotations

GTIN_NAMES = {8: "an EAN-8", 12: "a UPC-A", 13: "an EAN-13", 14: "a GTIN-14"}


def check_digit(digits: str) -> int:
    """The GS1 (mod 10) check digit that completes ``digits``: from the right, the digits are
    weighted 3, 1, 3, 1, ...; the check digit brings their sum up to a multiple of ten."""
    total = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(digits)))
    return -total % 10


def is_gtin_shaped(code: str | None) -> bool:
    """All ASCII digits, 8, 12, 13 or 14 of them: meant as a GTIN, so it must carry a check digit."""
    return bool(code) and code.isascii() and code.isdigit() and len(code) in GTIN_NAMES


def check_digit_problem(code: str | None) -> str | None:
    """Why ``code`` is not a valid GTIN although it looks like one (a sentence naming the expected
    check digit), or None: a valid GTIN, or a code that is no GTIN at all."""
    if not is_gtin_shaped(code):
        return None
    expected = check_digit(code[:-1])
    if int(code[-1]) == expected:
        return None
    return (f"{code} looks like {GTIN_NAMES[len(code)]} barcode but its check digit is wrong: the last digit should be "
            f"{expected}, not {code[-1]} ({code[:-1]}{expected}). Check for a typing mistake.")


def is_gtin(code: str | None) -> bool:
    return is_gtin_shaped(code) and check_digit_problem(code) is None


def gtin14(code: str | None) -> str | None:
    """The 14-digit form of a valid GTIN-8, -12, -13 or -14 (zero-padded on the left), the form GS1
    data carries in AI 01; None for anything else."""
    return code.zfill(14) if is_gtin(code) else None


def gtin_spellings(gtin: str) -> list[str]:
    """Every way a product's barcode field may hold this GTIN (given in any length): the GTIN-14 and
    its shorter forms whose dropped digits are zeros. ``Product.barcode.in_(gtin_spellings(g))``
    finds the product of a GTIN scanned from GS1 data."""
    full = gtin.zfill(14)
    return [full[14 - length:] for length in (14, 13, 12, 8) if set(full[:14 - length]) <= {"0"}]
