"""Routes onto a drawing: an equirectangular projection around the route's middle latitude, fitted
into a box with its aspect kept and centred (north up). Good for a city-sized outline."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from maps.polyline import Point


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float


def fit(parts: Sequence[Sequence[Point]], box: Box) -> list[list[tuple[float, float]]]:
    """The parts as drawing coordinates inside ``box`` (nothing for no points)."""
    points = [point for part in parts for point in part]
    if not points:
        return []
    lats = [lat for lat, _ in points]
    lngs = [lng for _, lng in points]
    scale_x = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = (max(lngs) - min(lngs)) * scale_x
    span_y = max(lats) - min(lats)
    span = max(span_x, span_y) or 1.0
    unit = min(box.width / span if span_x else math.inf, box.height / span if span_y else math.inf)
    unit = unit if math.isfinite(unit) else min(box.width, box.height) / span
    left = box.x + (box.width - span_x * unit) / 2
    top = box.y + (box.height - span_y * unit) / 2
    west, north = min(lngs), max(lats)
    return [
        [(left + (lng - west) * scale_x * unit, top + (north - lat) * unit) for lat, lng in part]
        for part in parts
    ]


def path_data(parts: Sequence[Sequence[tuple[float, float]]]) -> str:
    """SVG path data: one ``M`` and ``L``s per part, in tenths of a unit (numbers only)."""
    commands: list[str] = []
    for part in parts:
        for index, (x, y) in enumerate(part):
            commands.append(f"{'L' if index else 'M'}{x:.1f} {y:.1f}")
    return "".join(commands)
