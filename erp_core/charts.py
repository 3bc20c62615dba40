"""Charts drawn on the server as SVG (templates core/chart.html and core/_chart.svg), for any addon:
no script, no style sheet of their own (colours are SVG attributes, which the pages' Content-Security-
Policy allows, unlike the inline <style> and <script> that charting libraries such as pygal embed), a
title and a description for screen readers, and the same numbers as a table under the picture."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from .forms import format_number

WIDTH, HEIGHT = 480, 240  # the viewBox: drawn at the width of its column, down to a phone's
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 12, 26  # room for the value labels (left) and the category labels (below)
COLOURS = ("#2f5aa8", "#b35900", "#2e7d4f")  # blue, orange, green: told apart with colour-blindness too
MAX_X_LABELS = 8


def _colour(index: int) -> str:
    return COLOURS[index % len(COLOURS)]


@dataclass(frozen=True)
class Series:
    label: str
    values: list  # one number per category (bars) or per point (steps)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str
    category: str
    value: object
    colour: str


@dataclass(frozen=True)
class Line:
    series: str
    path: str  # an SVG path: a step to each point's value
    colour: str


@dataclass(frozen=True)
class Chart:
    key: str          # unique on its page: the SVG's ids start with it
    title: str
    description: str  # what the picture shows, in words (its <desc>)
    category_label: str  # what a category is ("Week of"), the data table's first heading
    series: list[Series]
    y_ticks: list[tuple[float, str]]   # (y, label)
    x_labels: list[tuple[float, str]]  # (x, label)
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    rows: list[tuple[str, list]] = field(default_factory=list)  # the data table: (category, value of each series)
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM

    @property
    def colours(self) -> list[str]:
        """Each series' colour, for the legend: the one its bars or line are drawn in."""
        return [_colour(k) for k in range(len(self.series))]


def _ticks(low: float, high: float) -> list[float]:
    """Round values from ``low`` to at least ``high``: 0, 5, 10... at a step of 1, 2 or 5 times a power of
    ten, at least 1 (counts of units), at least two of them (an empty chart still has an axis)."""
    raw = max(high - low, 4) / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    return [start + i * step for i in range(max(1, math.ceil((high - start) / step)) + 1)]


def _scale(series: list[Series]):
    values = [float(v) for s in series for v in s.values] or [0.0]
    ticks = _ticks(min(0.0, min(values)), max(values))
    low, high = ticks[0], ticks[-1]
    plot = HEIGHT - TOP - BOTTOM

    def y(value) -> float:
        return round(TOP + plot * (high - float(value)) / (high - low), 1)

    return y, [(y(t), format_number(Decimal(str(t)))) for t in ticks]


def _every(labels: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """At most MAX_X_LABELS of the category labels, evenly spread, so that they never overlap."""
    step = math.ceil(len(labels) / MAX_X_LABELS)
    return labels[::step]


def bar_chart(key: str, title: str, description: str, category_label: str, categories: list[str], series: list[Series]) -> Chart:
    """Bars side by side for each category, one per series."""
    y, y_ticks = _scale(series)
    band = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    bar_width = band * 0.8 / max(len(series), 1)
    bars = [Bar(round(LEFT + band * i + band * 0.1 + bar_width * k, 1), min(y(value), y(0)), round(bar_width, 1),
                round(abs(y(0) - y(value)), 1), s.label, category, value, _colour(k))
            for k, s in enumerate(series) for i, (category, value) in enumerate(zip(categories, s.values))]
    x_labels = _every([(round(LEFT + band * (i + 0.5), 1), c) for i, c in enumerate(categories)])
    rows = [(c, [s.values[i] for s in series]) for i, c in enumerate(categories)]
    return Chart(key, title, description, category_label, series, y_ticks, x_labels, bars=bars,
                 rows=rows, baseline=y(0))


def step_chart(key: str, title: str, description: str, category_label: str, categories: list[str], series: list[Series],
               rows: list[tuple[str, list]]) -> Chart:
    """A line per series that holds each value until the next point (a level: stock, a balance);
    ``rows`` are the points worth a row in the table (where something changed)."""
    y, y_ticks = _scale(series)
    span = (WIDTH - LEFT - RIGHT) / max(len(categories) - 1, 1)
    lines = []
    for k, s in enumerate(series):
        path = f"M{LEFT},{y(s.values[0])}" + "".join(f" H{round(LEFT + span * i, 1)} V{y(v)}" for i, v in enumerate(s.values) if i)
        lines.append(Line(s.label, path, _colour(k)))
    x_labels = _every([(round(LEFT + span * i, 1), c) for i, c in enumerate(categories)])
    return Chart(key, title, description, category_label, series, y_ticks, x_labels, lines=lines,
                 rows=rows, baseline=y(0))
