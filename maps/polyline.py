"""Google's encoded polyline format (what Strava's ``summary_polyline`` holds), decoded strictly.

Hand-written rather than the ``polyline`` package: the format is twenty lines, and the app needs what
that package does not do: reject a truncated or foreign string, bound its work, and check every point
is on the globe. Precision 5 (1e-5 degrees, about a metre), as Strava and Google use.
"""

from __future__ import annotations

from collections.abc import Iterable

Point = tuple[float, float]  # (latitude, longitude) in degrees

PRECISION = 5
_FACTOR = 10**PRECISION
_MAX_CHUNKS = 7  # 35 bits: more than any coordinate delta needs (360e5 fits 26 bits)


class PolylineError(ValueError):
    """The text is not an encoded polyline of points on the globe (the message never quotes it)."""


def decode_polyline(text: str, max_points: int) -> list[Point]:
    """The points of ``text``; raises :class:`PolylineError` if it does not decode, holds more than
    ``max_points`` points or leaves the globe."""
    numbers: list[int] = []
    value = shift = chunks = 0
    for char in text:
        code = ord(char) - 63
        if not 0 <= code < 64:
            raise PolylineError("a character outside the polyline alphabet")
        value |= (code & 0x1F) << shift
        shift += 5
        chunks += 1
        if chunks > _MAX_CHUNKS:
            raise PolylineError("a number longer than any coordinate")
        if code < 0x20:
            numbers.append(~(value >> 1) if value & 1 else value >> 1)
            value = shift = chunks = 0
            if len(numbers) > 2 * max_points:
                raise PolylineError(f"more than {max_points} points")
    if chunks or len(numbers) % 2:
        raise PolylineError("truncated")
    points: list[Point] = []
    lat = lng = 0
    for index in range(0, len(numbers), 2):
        lat += numbers[index]
        lng += numbers[index + 1]
        if not (-90 * _FACTOR <= lat <= 90 * _FACTOR and -180 * _FACTOR <= lng <= 180 * _FACTOR):
            raise PolylineError("a point outside the globe")
        points.append((lat / _FACTOR, lng / _FACTOR))
    return points


def encode_polyline(points: Iterable[Point]) -> str:
    """The encoded polyline of ``points`` (rounded to the format's precision)."""
    previous = (0, 0)
    out: list[str] = []
    for lat, lng in points:
        current = (round(lat * _FACTOR), round(lng * _FACTOR))
        out.extend(_encode_number(now - before) for now, before in zip(current, previous, strict=True))
        previous = current
    return "".join(out)


def _encode_number(value: int) -> str:
    bits = ~(value << 1) if value < 0 else value << 1
    out: list[str] = []
    while bits >= 0x20:
        out.append(chr((0x20 | (bits & 0x1F)) + 63))
        bits >>= 5
    out.append(chr(bits + 63))
    return "".join(out)
