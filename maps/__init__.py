"""Route outlines for the public page: decode Strava's ``summary_polyline``, validate it, trim it around
the start and the end (circles at a secret offset from them) and the owner's privacy zones, simplify
it, and project it for SVG. Pure; no I/O."""

from maps.geo import Zone, parse_zones
from maps.polyline import PolylineError, decode_polyline, encode_polyline
from maps.trim import MapPolicy, RouteRejectedError, public_route, route_points
from maps.veil import map_key

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
