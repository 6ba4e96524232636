"""Reading the snapshot document defensively: a missing, null or mistyped field reads as empty or 0."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from timestamps import parse_utc, parse_wall_time


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else []


def number(value: Any) -> float:
    """A finite number, else 0 (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value) if math.isfinite(value) else 0.0


def local_date(snapshot: Mapping[str, Any], moment: Any) -> str:
    """The athlete's local date (``YYYY-MM-DD``) of a UTC time (``2026-11-24T21:38:05Z``): shifted by
    the UTC offset of their newest activity (``start_date_local - start_date``), else UTC; ``""`` if
    ``moment`` is not such a time."""
    try:
        utc = parse_utc(str(moment)).replace(tzinfo=None)
    except ValueError:
        return ""
    newest = mapping(next(iter(sequence(snapshot.get("recent_activities"))), None))
    try:
        local = parse_wall_time(str(newest.get("start_date_local")))
        start = parse_utc(str(newest.get("start_date"))).replace(tzinfo=None)
        offset = local - start
    except ValueError:
        offset = timedelta(0)
    if abs(offset) > timedelta(hours=14):  # no place is further from UTC: bad data
        offset = timedelta(0)
    return (utc + offset).date().isoformat()
