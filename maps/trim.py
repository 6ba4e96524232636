"""The published route of one activity: decoded, validated, trimmed for privacy, then simplified.

Trimming hides a circle round the start and the end (the polyline's first and last points, and
Strava's ``start_latlng``/``end_latlng`` when given) and every privacy zone. The circle round a start is
not centred on it (its drawn edge would give the start away): its centre lies at a secret offset of 0.3
to 0.5 ``radius_m`` from the start (:mod:`maps.veil`) and its radius is 1.5 ``radius_m``, so no published
point lies within ``radius_m`` of a start or an end, nor within 1.5 ``radius_m`` of a hidden centre.
Without a key nothing is published. Where points were removed mid-route the route is cut in parts, so
no drawn line crosses a hidden circle. Parts of one point are dropped, and a route left with fewer than
``min_points`` points is not published at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from maps.geo import Zone
from maps.polyline import Point, PolylineError, decode_polyline, encode_polyline
from maps.simplify import simplify
from maps.veil import MAX_OFFSET, hidden_centre

MAX_POLYLINE_CHARS = 100_000  # Strava's summary polylines are a few kB; larger is not a summary
MAX_DECODED_POINTS = 20_000
PUBLISHED_POINTS = 300  # per route, all parts together
MIN_POINTS = 5


class RouteRejectedError(ValueError):
    """The polyline is not a route worth publishing; the message says why, never quotes it."""


@dataclass(frozen=True)
class MapPolicy:
    """How routes are published (``SNAPSHOT_MAPS=outline``); ``key`` draws the hidden circles' offsets
    (:func:`maps.veil.map_key`; empty: no route is published)."""

    key: bytes = field(repr=False)
    radius_m: float = 500.0  # SNAPSHOT_MAP_PRIVACY_RADIUS_M
    zones: tuple[Zone, ...] = ()  # SNAPSHOT_PRIVACY_ZONES
    max_points: int = PUBLISHED_POINTS
    min_points: int = MIN_POINTS


def public_route(
    polyline: str | None,
    policy: MapPolicy,
    start: Point | None = None,
    end: Point | None = None,
) -> list[str] | None:
    """The route to publish as encoded polyline parts, or ``None`` when there is none to publish (no
    polyline, or too little left after trimming). Raises :class:`RouteRejectedError` for a polyline
    that is huge, does not decode or leaves the globe."""
    if not polyline or not policy.key:
        return None
    if len(polyline) > MAX_POLYLINE_CHARS:
        raise RouteRejectedError(f"polyline longer than {MAX_POLYLINE_CHARS} characters")
    try:
        points = decode_polyline(polyline, MAX_DECODED_POINTS)
    except PolylineError as error:
        raise RouteRejectedError(f"polyline rejected: {error}") from None
    if not points:
        return None
    parts = trimmed(points, policy, start, end)
    if sum(len(part) for part in parts) < policy.min_points:
        return None
    return [encode_polyline(part) for part in simplify(parts, policy.max_points)]


def trimmed(
    points: Sequence[Point], policy: MapPolicy, start: Point | None = None, end: Point | None = None
) -> list[list[Point]]:
    """The parts of ``points`` outside every hidden circle (start, end, zones), each of two points or
    more."""
    ends = [points[0], points[-1], *(point for point in (start, end) if point is not None)]
    hidden = (1 + MAX_OFFSET) * policy.radius_m
    centres = (hidden_centre(point, policy.key, policy.radius_m) for point in dict.fromkeys(ends))
    circles = [Zone(lat, lng, hidden) for lat, lng in centres]
    circles += policy.zones
    parts: list[list[Point]] = [[]]
    for point in points:
        if any(zone.holds(point) for zone in circles):
            if parts[-1]:
                parts.append([])
        else:
            parts[-1].append(point)
    return [part for part in parts if len(part) >= 2]


def route_points(parts: Sequence[str]) -> list[list[Point]]:
    """A published route (as stored in the snapshot) decoded; parts that do not decode are skipped."""
    decoded: list[list[Point]] = []
    for part in parts:
        if not isinstance(part, str):
            continue
        try:
            points = decode_polyline(part, MAX_DECODED_POINTS)
        except PolylineError:
            continue
        if len(points) >= 2:
            decoded.append(points)
    return decoded
