"""A unit's journey drawn as SVG on the server: one lane per location (its node at the top), one
row per move, an arrow from the lane it left to the lane it reached, and the move's date,
document and user written above it (not beside it, so that a phone shows them without scrolling). Returns and corrections are drawn in their own colour and dash, so
that the picture tells at a glance where the history was undone or put right."""
from __future__ import annotations

from dataclasses import dataclass

LANE = 108          # width of one location's lane
TOP = 52            # space for the nodes' names above the first row
ROW = 76            # height of one move: two lines of text, then its arrow
MIN_WIDTH = 330     # room for a row's text when there are few lanes
NAME_CHARS = 14     # longer location names show their last part on the node (the full name is its tooltip)

STROKES = {"move": ("#2f5aa8", ""), "return": ("#9a4a00", "7 4"), "correction": ("#6b3fa0", "2 3")}
KIND_LABELS = {"move": "", "return": "Return", "correction": "Correction"}


@dataclass(frozen=True)
class Node:
    x: int
    name: str
    label: str


@dataclass(frozen=True)
class Edge:
    y: int
    x1: int
    x2: int
    step: dict
    colour: str
    dash: str
    kind_label: str


@dataclass(frozen=True)
class Journey:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int


def _short(name: str) -> str:
    if len(name) <= NAME_CHARS:
        return name
    last = name.rsplit("/", 1)[-1]
    return last if len(last) <= NAME_CHARS else last[:NAME_CHARS - 1] + "…"


def journey_layout(steps: list[dict]) -> Journey:
    """Where each node and arrow goes for ``steps`` (``services.serial_journey``); an edge's ``y``
    is the top of its row."""
    lanes: dict[str, int] = {}
    for step in steps:
        for name in (step["source"], step["dest"]):
            lanes.setdefault(name, LANE // 2 + LANE * len(lanes))
    nodes = [Node(x, name, _short(name)) for name, x in lanes.items()]
    edges = [Edge(TOP + ROW * i, lanes[step["source"]], lanes[step["dest"]], step, *STROKES[step["kind"]], KIND_LABELS[step["kind"]])
             for i, step in enumerate(steps)]
    return Journey(nodes, edges, max(LANE * len(lanes), MIN_WIDTH), TOP + ROW * len(steps))
