"""The snapshot's ``routes`` section: every stored route, newest first, simplified for the poster.

Built from the activity store at save time (its routes are already trimmed), so the poster of any year
is drawn from the snapshot alone. Bounded: the newest ``MAX_ROUTES`` routes, ``POSTER_POINTS`` points each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from maps.polyline import encode_polyline
from maps.simplify import simplify
from maps.trim import route_points

MAX_ROUTES = 1000
POSTER_POINTS = 40
ROUTE_FIELDS = ("id", "sport_type", "start_date_local", "distance_m", "moving_time_s")


def routes_section(stored: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The poster's entries of the stored (public) activities that have a route, newest first."""
    with_route = [item for item in stored if isinstance(item.get("route"), list) and item["route"]]
    newest = sorted(with_route, key=lambda item: (str(item["start_date"]), int(item["id"])), reverse=True)
    entries: list[dict[str, Any]] = []
    for item in newest[:MAX_ROUTES]:
        parts = simplify(route_points(item["route"]), POSTER_POINTS)
        if parts:
            entries.append({**{name: item.get(name) for name in ROUTE_FIELDS}, "route": _encoded(parts)})
    return entries


def without_routes(stored: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The activities without their ``route`` (maps turned off since they were stored)."""
    return [{name: value for name, value in item.items() if name != "route"} for item in stored]


def _encoded(parts: Sequence[Sequence[tuple[float, float]]]) -> list[str]:
    return [encode_polyline(part) for part in parts]
