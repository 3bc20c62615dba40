"""The stock charts: receipts and deliveries per week (dashboard) and a product's stock over time
(product page), laid out by the host's erp_core.charts from services.reports."""
from __future__ import annotations

from erp_core.charts import Chart, Series, bar_chart, step_chart
from erp_core.forms import format_number

from ..services.reports import moves_per_week, stock_levels

WEEKS, DAYS = 8, 90


def _short(day) -> str:
    return f"{day:%b} {day.day}"


def moves_per_week_chart() -> Chart:
    mondays, counts = moves_per_week(WEEKS)
    receipts, deliveries = counts["receipt"], counts["delivery"]
    return bar_chart("moves-per-week", "Receipts and deliveries per week",
                     f"Receipts and deliveries validated in each of the last {WEEKS} weeks, from the week of "
                     f"{mondays[0].isoformat()}: {sum(receipts)} receipts and {sum(deliveries)} deliveries in all.",
                     "Week of", [_short(m) for m in mondays], [Series("Receipts", receipts), Series("Deliveries", deliveries)])


def stock_chart(product) -> Chart:
    levels = stock_levels(product.id, DAYS)
    values = [level for _, level, _ in levels]
    rows = [(day.isoformat(), [level]) for day, level, changed in levels if changed or day == levels[-1][0]]
    return step_chart(f"stock-{product.id}", f"Stock of {product.name} over time",
                      f"Units of {product.name} in the warehouse's own locations at the end of each of the last {DAYS} days: "
                      f"{format_number(values[-1])} now, {format_number(min(values))} at the lowest and "
                      f"{format_number(max(values))} at the highest.",
                      "Day", [_short(day) for day, _, _ in levels], [Series("In stock", values)], rows)
