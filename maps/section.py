"""The snapshot's ``routes`` section: every stored route, newest first, simplified for the poster.

Built from the activity store at save time (its routes are already trimmed), so the poster of any year
is drawn from the snapshot alone. Bounded: the newest ``MAX_ROUTES`` routes, ``POSTER_POINTS`` points each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
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
        route = poster_route(tuple(part for part in item["route"] if isinstance(part, str)))
        if route:
            entries.append({**{name: item.get(name) for name in ROUTE_FIELDS}, "route": list(route)})
    return entries


@lru_cache(maxsize=4096)
def poster_route(route: tuple[str, ...]) -> tuple[str, ...]:
    """``route`` simplified to the poster's budget; remembered, as each save reads every route again
    (~0.4 ms a route, cold)."""
    return tuple(encode_polyline(part) for part in simplify(route_points(route), POSTER_POINTS))


def without_routes(stored: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The activities without their ``route`` (maps turned off since they were stored)."""
    return [{name: value for name, value in item.items() if name != "route"} for item in stored]
