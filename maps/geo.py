"""Distances on the globe and privacy zones."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from maps.polyline import Point

EARTH_RADIUS_M = 6_371_008.8  # the mean radius
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180  # of latitude, on the mean sphere
MIN_ZONE_RADIUS_M = 100  # as SNAPSHOT_MAP_PRIVACY_RADIUS_M's floor: a smaller circle hides nothing
MAX_ZONE_RADIUS_M = 50_000
DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)  # not float()'s 1_0, ٤٧, 1e3 or nan
MAX_ZONES = 20


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres (haversine)."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Zone:
    """A circle no published point may fall in: ``lat,lon,radius_m``."""

    lat: float
    lon: float
    radius_m: float

    def holds(self, point: Point) -> bool:
        """Whether ``point`` is inside (a latitude band check first: most points are far away)."""
        if abs(point[0] - self.lat) * METRES_PER_DEGREE > self.radius_m * 1.01:
            return False
        return distance_m((self.lat, self.lon), point) <= self.radius_m


def parse_zones(text: str) -> tuple[Zone, ...]:
    """Zones from ``lat,lon,radius_m;lat,lon,radius_m`` (``;`` or new lines between zones), plain ASCII
    decimals, radii of :data:`MIN_ZONE_RADIUS_M` to :data:`MAX_ZONE_RADIUS_M`; raises ``ValueError`` on
    anything else."""
    zones: list[Zone] = []
    for raw in text.replace("\n", ";").split(";"):
        if not raw.strip():
            continue
        fields = [field.strip() for field in raw.split(",")]
        if len(fields) != 3 or not all(DECIMAL.fullmatch(field) for field in fields):
            raise ValueError("a zone is lat,lon,radius_m in decimal degrees and metres")
        lat, lon, radius = (float(field) for field in fields)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180 and MIN_ZONE_RADIUS_M <= radius <= MAX_ZONE_RADIUS_M):
            raise ValueError("a zone off the globe or with a radius out of range")
        zones.append(Zone(lat, lon, radius))
    if len(zones) > MAX_ZONES:
        raise ValueError("too many zones")
    return tuple(zones)
