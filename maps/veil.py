"""Where the hidden circle around a start or an end lies: at a secret offset from the point.

A circle centred on the true start gives the start away: the drawn ends of many loops from one door lie
on that circle, and their average is the door. So the circle is centred at ``point + offset(point)``,
where the offset is a secret field: between :data:`MIN_OFFSET` and :data:`MAX_OFFSET` times the radius
long, in a direction and of a length drawn from an HMAC of the app's key at the corners of a 3-D
lattice :data:`LATTICE` radii wide and blended smoothly between them. The field is continuous, so starts a few
metres apart (GPS noise, a start either side of a lattice line) get circles a few metres apart, never two
circles whose intersection pins the door; and points a lattice cell or more apart get unrelated offsets,
so learning the offset at one known place (a race start) tells nothing of the offset at home.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import math
import struct

from maps.geo import EARTH_RADIUS_M, METRES_PER_DEGREE
from maps.polyline import Point

MIN_OFFSET = 0.3  # x radius: the least distance between a start and its circle's centre
MAX_OFFSET = 0.5  # x radius: so the circle (radius x 1 + MAX_OFFSET) still covers radius x 1 round it
LATTICE = 2.0  # x radius: the lattice the offsets are drawn at
LABEL = b"strava-snapshot/maps/hidden-centre/v1"


def map_key(secret: str) -> bytes:
    """The key the offsets are drawn with, from a secret the app holds (empty: no key, no routes)."""
    if not secret:
        return b""
    return hmac.new(secret.encode("utf-8"), LABEL, hashlib.sha256).digest()


def hidden_centre(point: Point, key: bytes, radius_m: float) -> Point:
    """The centre of the circle hidden around ``point``: ``point`` moved by the secret offset there."""
    lat, lng = point
    phi, lam = math.radians(lat), math.radians(lng)
    cell = LATTICE * radius_m / EARTH_RADIUS_M  # the lattice is in 3-D: no seam at a meridian or a pole
    xyz = (math.cos(phi) * math.cos(lam) / cell, math.cos(phi) * math.sin(lam) / cell, math.sin(phi) / cell)
    base = tuple(math.floor(c) for c in xyz)
    fractions = [_smooth(c - b) for c, b in zip(xyz, base, strict=True)]
    angle = length = 0.0
    for corner in itertools.product((0, 1), repeat=3):
        weight = math.prod(f if bit else 1 - f for f, bit in zip(fractions, corner, strict=True))
        corner_angle, corner_length = _corner(key, *(b + bit for b, bit in zip(base, corner, strict=True)))
        angle += weight * corner_angle  # angles blend as numbers, not vectors: the length never cancels
        length += weight * corner_length
    offset = radius_m * (MIN_OFFSET + (MAX_OFFSET - MIN_OFFSET) * length)
    return (
        lat + offset * math.cos(angle) / METRES_PER_DEGREE,
        lng + offset * math.sin(angle) / (METRES_PER_DEGREE * max(math.cos(phi), 1e-9)),
    )


def _corner(key: bytes, i: int, j: int, k: int) -> tuple[float, float]:
    """The secret angle (radians) and length (0..1) at lattice corner ``(i, j, k)``."""
    digest = hmac.new(key, struct.pack(">qqq", i, j, k), hashlib.sha256).digest()
    a, b = struct.unpack(">II", digest[:8])
    return 2 * math.pi * a / 2**32, b / 2**32


def _smooth(t: float) -> float:
    return t * t * (3 - 2 * t)
