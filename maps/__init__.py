"""Route outlines for the public page: decode Strava's ``summary_polyline``, validate it, trim it around
the start and the end (circles at a secret offset from them) and the owner's privacy zones, simplify
it, and project it for SVG. Pure; no I/O.

Each name loads from its module on first use (``lazy_exports``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lazy_exports import lazy_exports

if TYPE_CHECKING:
    from maps.geo import Zone, parse_zones
    from maps.polyline import PolylineError, decode_polyline, encode_polyline
    from maps.trim import MapPolicy, RouteRejectedError, public_route, route_points
    from maps.veil import map_key

_HOMES = {
    "Zone": "maps.geo",
    "parse_zones": "maps.geo",
    "PolylineError": "maps.polyline",
    "decode_polyline": "maps.polyline",
    "encode_polyline": "maps.polyline",
    "MapPolicy": "maps.trim",
    "RouteRejectedError": "maps.trim",
    "public_route": "maps.trim",
    "route_points": "maps.trim",
    "map_key": "maps.veil",
}

__all__ = [
    "MapPolicy",
    "PolylineError",
    "RouteRejectedError",
    "Zone",
    "decode_polyline",
    "encode_polyline",
    "map_key",
    "parse_zones",
    "public_route",
    "route_points",
]

if not TYPE_CHECKING:  # to the type checker the names are the imports above
    __getattr__ = lazy_exports(__name__, _HOMES)
