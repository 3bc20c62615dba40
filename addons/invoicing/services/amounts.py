"""Amounts of invoicing documents: subtotals, tax and totals in cents, and the bounds of what the
columns can hold, so a value is either stored exactly or refused (never silently rounded)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# Digits after the point each line value may carry, the largest magnitude (12 integer digits at
# most, what the columns hold), and the code of a refusal.
LINE_NUMBERS = {"quantity": (3, Decimal("1e12"), "invalid_quantity"), "unit_price": (4, Decimal("1e12"), "invalid_amount"),
                "tax_rate": (3, Decimal("1000"), "invalid_amount")}
MAX_AMOUNT = Decimal("1e13")  # amounts are NUMERIC(16, 2)


def problem(field: str, code: str, message: str, **extra) -> dict:
    return {"field": field, "code": code, "message": message, **extra}


def round_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Amounts:
    subtotals: list[Decimal]
    untaxed: Decimal
    tax: Decimal
    total: Decimal


def compute_amounts(lines: list[dict]) -> Amounts:
    """Each line's subtotal is rounded to cents; the tax is summed over the lines and rounded once.
    static/invoice_form.js computes the same way so the totals shown while typing match."""
    subtotals = [round_cents(Decimal(line["quantity"]) * Decimal(line["unit_price"])) for line in lines]
    untaxed = sum(subtotals, Decimal("0.00"))
    tax = round_cents(sum((s * Decimal(line["tax_rate"] or 0) / 100 for s, line in zip(subtotals, lines)), Decimal("0")))
    return Amounts(subtotals, untaxed, tax, untaxed + tax)


def number_problems(value: Decimal | None, field: str, label: str, places: int, limit: Decimal, code: str) -> list[dict]:
    if value is None:
        return []
    if not value.is_finite() or abs(value) >= limit:
        return [problem(field, code, f"{label} must be a number smaller than {limit:,.0f}.")]
    if value != value.quantize(Decimal(1).scaleb(-places)):
        return [problem(field, "too_precise", f"{label} may have at most {places} digits after the decimal point.")]
    return []


def amount_problems(amounts: Amounts) -> list[dict]:
    too_large = [problem(f"lines.{index}", "invalid_amount", f"Line {index + 1}: the subtotal must be smaller than {MAX_AMOUNT:,.0f}.")
                 for index, subtotal in enumerate(amounts.subtotals) if abs(subtotal) >= MAX_AMOUNT]
    if not too_large and max(abs(amounts.untaxed), abs(amounts.total)) >= MAX_AMOUNT:
        too_large.append(problem("lines", "invalid_amount", f"The total must be smaller than {MAX_AMOUNT:,.0f}."))
    return too_large
