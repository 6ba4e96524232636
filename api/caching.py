"""Conditional requests, content codings and CORS for the cached snapshot (pure)."""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache

import brotli

CODINGS = ("br", "gzip")  # the content codings we serve, preferred first


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of ``If-None-Match`` against our strong ETag."""
    if not if_none_match:
        return False
    candidates = [item.strip() for item in if_none_match.split(",")]
    return any(c == "*" or c.removeprefix("W/") == etag.removeprefix("W/") for c in candidates)


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP date (IMF-fixdate or the obsolete forms) as an aware UTC datetime; ``None`` if invalid."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    except (TypeError, ValueError, IndexError, OverflowError):  # a year past C's long, or 9999 in UTC
        return None


def not_modified(
    if_none_match: str | None, if_modified_since: str | None, etag: str, last_modified: datetime
) -> bool:
    """RFC 9110 §13.2.2 for GET/HEAD: ``If-None-Match`` decides when present, else ``If-Modified-Since``
    (at one-second precision, as HTTP dates have; an invalid date is ignored)."""
    if if_none_match is not None:
        return etag_matches(if_none_match, etag)
    since = parse_http_date(if_modified_since)
    return since is not None and last_modified.replace(microsecond=0) <= since


@lru_cache(maxsize=256)  # clients repeat a handful of header values; parsing is most of a warm view
def choose_coding(accept_encoding: str | None, available: tuple[str, ...] = CODINGS) -> str | None:
    """The content coding to send for ``Accept-Encoding`` (RFC 9110 §12.5.3), ``None`` for identity.

    The highest ``q`` wins, ties go to the order of ``available``; ``q=0`` refuses a coding, ``*``
    stands for every coding not named; a malformed ``q`` counts as 0.
    """
    if not accept_encoding:
        return None
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, _, params = item.partition(";")
        name = name.strip().lower()
        if name == "x-gzip":
            name = "gzip"
        if name:
            weights[name] = _quality(params)
    best, best_q = None, 0.0
    for coding in available:
        q = weights.get(coding, weights.get("*", 0.0))
        if q > best_q:
            best, best_q = coding, q
    return best


DRAWN_BROTLI_QUALITY = 5  # ~2.5 ms for a 60 kB poster; 11 (the best) took ~100-180 ms for ~30% fewer bytes


@lru_cache(maxsize=128)  # every card, poster and widget document kept drawn (api/embeds.py), in each coding
def encode(body: bytes, coding: str) -> bytes:
    """``body``, drawn on this request, in a content coding of :data:`CODINGS`: gzip level 9 without a
    timestamp, brotli at :data:`DRAWN_BROTLI_QUALITY`, so that each new option combination a client asks
    for costs about its drawing (the snapshot's JSON, compressed once per snapshot in read_cache, keeps
    brotli's best)."""
    if coding == "gzip":
        return gzip.compress(body, compresslevel=9, mtime=0)
    return brotli.compress(body, quality=DRAWN_BROTLI_QUALITY)


def _quality(params: str) -> float:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


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
        "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since",
        "Access-Control-Max-Age": "86400",
    }
