"""Typed, path-aware reads from decoded JSON objects.

Lenient where Strava is loose (whole numbers sent as floats, missing optional fields),
strict where it matters. Failures raise ``BadResponseError`` naming the field, never its value.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from strava.errors import BadResponseError
from timestamps import parse_utc, parse_wall_time

_URL_SCHEMES = ("https://", "http://")


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type (for error messages that must not echo values)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number" if isinstance(value, int) or value.is_integer() else "fractional number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "unknown"


class JsonObject:
    """One decoded JSON object with typed accessors; ``path`` names it in errors."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, dict):
            raise BadResponseError(f"{path}: expected an object, got {json_type(data)}")
        self._data: dict[str, Any] = data
        self.path = path

    def _fail(self, key: str, expected: str) -> BadResponseError:
        got = json_type(self._data.get(key)) if key in self._data else "nothing"
        return BadResponseError(f"{self.path}.{key}: expected {expected}, got {got}")

    def get(self, key: str) -> object:
        """The raw value, or None when absent."""
        return self._data.get(key)

    def has(self, key: str) -> bool:
        """Present and not null."""
        return self._data.get(key) is not None

    def identifier(self, key: str) -> int:
        """A required JSON integer (ids: floats are refused)."""
        value = self._data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, "an integer")
        return value

    def whole(self, key: str) -> int:
        """A required whole number; ``474287.0`` is accepted, ``12.5`` is not."""
        value = self.opt_whole(key)
        if value is None:
            raise self._fail(key, "a whole number")
        return value

    def opt_whole(self, key: str) -> int | None:
        value = self._data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(key, "a whole number")
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise self._fail(key, "a whole number")
        return int(value)

    def number(self, key: str) -> float:
        value = self.opt_number(key)
        if value is None:
            raise self._fail(key, "a number")
        return value

    def opt_number(self, key: str) -> float | None:
        value = self._data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self._fail(key, "a number")
        return float(value)

    def text(self, key: str) -> str:
        value = self._data.get(key)
        if not isinstance(value, str):
            raise self._fail(key, "a string")
        return value

    def secret(self, key: str) -> str:
        """A required non-empty string (tokens: the value never reaches a message)."""
        value = self._data.get(key)
        if not isinstance(value, str) or not value:
            raise self._fail(key, "a non-empty string")
        return value

    def opt_text(self, key: str) -> str | None:
        value = self._data.get(key)
        if value is not None and not isinstance(value, str):
            raise self._fail(key, "a string")
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self._data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._fail(key, "a boolean")
        return value

    def url(self, key: str) -> str | None:
        """An absolute http(s) URL; relative placeholders (``avatar/athlete/large.png``) give None."""
        value = self.opt_text(key)
        return value if value and value.startswith(_URL_SCHEMES) else None

    def utc_time(self, key: str) -> datetime:
        value = self.opt_utc_time(key)
        if value is None:
            raise self._fail(key, "an ISO-8601 UTC timestamp")
        return value

    def opt_utc_time(self, key: str) -> datetime | None:
        value = self.opt_text(key)
        if value is None:
            return None
        try:
            return parse_utc(value, require_zone=True)
        except ValueError:
            raise self._fail(key, "an ISO-8601 UTC timestamp") from None

    def wall_time(self, key: str) -> datetime:
        value = self._data.get(key)
        if isinstance(value, str):
            try:
                return parse_wall_time(value)
            except ValueError:
                pass
        raise self._fail(key, "an ISO-8601 local timestamp")

    def latlng(self, key: str) -> tuple[float, float] | None:
        """``[lat, lng]``; ``[]`` or null give None."""
        value = self._data.get(key)
        if value is None or value == []:
            return None
        if not isinstance(value, list) or len(value) != 2:
            raise self._fail(key, "[lat, lng]")
        pair = JsonObject({"lat": value[0], "lng": value[1]}, f"{self.path}.{key}")
        return pair.number("lat"), pair.number("lng")

    def child(self, key: str) -> JsonObject | None:
        """A nested object, or None when absent/null."""
        value = self._data.get(key)
        return None if value is None else JsonObject(value, f"{self.path}.{key}")
