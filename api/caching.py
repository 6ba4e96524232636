"""Conditional requests and CORS for the cached snapshot (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from email.utils import format_datetime


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of ``If-None-Match`` against our strong ETag."""
    if not if_none_match:
        return False
    candidates = [item.strip() for item in if_none_match.split(",")]
    return any(c == "*" or c.removeprefix("W/") == etag.removeprefix("W/") for c in candidates)


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def cors_headers(origin: str | None, allowed: Sequence[str]) -> dict[str, str]:
    """``Access-Control-Allow-Origin`` for configured origins (``*`` allows any); always ``Vary: Origin``."""
    headers = {"Vary": "Origin"}
    if "*" in allowed:
        headers["Access-Control-Allow-Origin"] = "*"
    elif origin and origin.rstrip("/") in {item.rstrip("/") for item in allowed}:
        headers["Access-Control-Allow-Origin"] = origin
    if "Access-Control-Allow-Origin" in headers:
        headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified"
    return headers


def preflight_headers(origin: str | None, allowed: Sequence[str]) -> dict[str, str]:
    return {
        **cors_headers(origin, allowed),
        "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
        "Access-Control-Allow-Headers": "If-None-Match",
        "Access-Control-Max-Age": "86400",
    }
