"""Route outlines for the public page: decode Strava's ``summary_polyline``, validate it, trim it around
the start, the end and the owner's privacy zones, simplify it, and project it for SVG. Pure; no I/O.

Names load from their modules on first use (PEP 562), so importing one module of the package does
not compile the rest (cold start, tests/app/test_cold_start.py)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maps.geo import Zone, parse_zones
    from maps.polyline import PolylineError, decode_polyline, encode_polyline
    from maps.trim import MapPolicy, RouteRejectedError, public_route, route_points

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
}

__all__ = [
    "MapPolicy",
    "PolylineError",
    "RouteRejectedError",
    "Zone",
    "decode_polyline",
    "encode_polyline",
    "parse_zones",
    "public_route",
    "route_points",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
