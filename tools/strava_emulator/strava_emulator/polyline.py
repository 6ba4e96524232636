"""Google's encoded polyline format (what Strava's ``summary_polyline`` holds)."""

from __future__ import annotations

from collections.abc import Iterable


def encode_polyline(points: Iterable[tuple[float, float]], precision: int = 5) -> str:
    """Encode ``(lat, lng)`` points as a polyline string."""
    factor = 10**precision
    previous = (0, 0)
    chunks: list[str] = []
    for lat, lng in points:
        current = (round(lat * factor), round(lng * factor))
        for now, before in zip(current, previous, strict=True):
            chunks.append(_encode_number(now - before))
        previous = current
    return "".join(chunks)


def _encode_number(value: int) -> str:
    bits = ~(value << 1) if value < 0 else value << 1
    out: list[str] = []
    while bits >= 0x20:
        out.append(chr((0x20 | (bits & 0x1F)) + 63))
        bits >>= 5
    out.append(chr(bits + 63))
    return "".join(out)


def decode_polyline(text: str, precision: int = 5) -> list[tuple[float, float]]:
    """Inverse of :func:`encode_polyline`."""
    numbers: list[int] = []
    shift = result = 0
    for char in text:
        chunk = ord(char) - 63
        result |= (chunk & 0x1F) << shift
        shift += 5
        if chunk < 0x20:
            numbers.append(~(result >> 1) if result & 1 else result >> 1)
            shift = result = 0
    factor = 10**precision
    points: list[tuple[float, float]] = []
    lat = lng = 0
    for index in range(0, len(numbers) - 1, 2):
        lat += numbers[index]
        lng += numbers[index + 1]
        points.append((lat / factor, lng / factor))
    return points
