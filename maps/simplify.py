"""Douglas-Peucker simplification to a point budget: every point gets the deviation at which the
algorithm would keep it, and the ``limit`` most significant points of all parts are kept (the ends of
each part always)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from maps.polyline import Point


def simplify(parts: Sequence[Sequence[Point]], limit: int) -> list[list[Point]]:
    """``parts`` with at most ``limit`` points in all (at least each part's two ends), in order."""
    if sum(len(part) for part in parts) <= limit:
        return [list(part) for part in parts]
    ranked = [_significance(part) for part in parts]
    inner = sorted(
        (-s, p, i) for p, scores in enumerate(ranked) for i, s in enumerate(scores) if s < math.inf
    )
    room = max(0, limit - sum(min(len(part), 2) for part in parts))
    keep = {(p, i) for _, p, i in inner[:room]}
    return [
        [point for i, point in enumerate(part) if ranked[p][i] == math.inf or (p, i) in keep]
        for p, part in enumerate(parts)
    ]


def _significance(part: Sequence[Point]) -> list[float]:
    """Per point, the Douglas-Peucker tolerance below which it is kept (ends: infinite); a child's
    score never exceeds its parent's, so any threshold keeps a valid Douglas-Peucker result."""
    scores = [0.0] * len(part)
    if not part:
        return scores
    scores[0] = scores[-1] = math.inf
    scale = math.cos(math.radians(sum(lat for lat, _ in part) / len(part)))
    flat = [(lng * scale, lat) for lat, lng in part]
    stack = [(0, len(part) - 1, math.inf)]
    while stack:
        first, last, ceiling = stack.pop()
        if last - first < 2:
            continue
        index, deviation = _farthest(flat, first, last)
        score = min(deviation, ceiling)
        scores[index] = score
        stack.append((first, index, score))
        stack.append((index, last, score))
    return scores


def _farthest(flat: Sequence[tuple[float, float]], first: int, last: int) -> tuple[int, float]:
    """The point strictly between ``first`` and ``last`` farthest from the segment joining them."""
    (ax, ay), (bx, by) = flat[first], flat[last]
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    best, farthest = first + 1, -1.0
    for index in range(first + 1, last):
        px, py = flat[index]
        t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
        ex, ey = px - ax - t * dx, py - ay - t * dy
        squared = ex * ex + ey * ey
        if squared > farthest:
            best, farthest = index, squared
    return best, math.sqrt(farthest)
