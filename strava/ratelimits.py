"""Strava rate-limit headers and window arithmetic (pure: time is always an argument).

Times: an aware ``now`` gives aware UTC results; a naive ``now`` is taken as UTC and gives
naive results, so callers never mix the two kinds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from timestamps import parse_utc

WINDOW = timedelta(minutes=15)

_OVERALL_LIMIT = "x-ratelimit-limit"
_OVERALL_USAGE = "x-ratelimit-usage"
_READ_LIMIT = "x-readratelimit-limit"
_READ_USAGE = "x-readratelimit-usage"


@dataclass(frozen=True)
class RateLimitUsage:
    """One response's view of the application's rate-limit buckets."""

    limit_15min: int
    limit_daily: int
    usage_15min: int
    usage_daily: int
    read_limit_15min: int | None
    read_limit_daily: int | None
    read_usage_15min: int | None
    read_usage_daily: int | None
    observed_at: datetime

    @property
    def daily_exhausted(self) -> bool:
        """True when the overall or the read daily bucket is used up."""
        if self.usage_daily >= self.limit_daily:
            return True
        return (
            self.read_limit_daily is not None
            and self.read_usage_daily is not None
            and self.read_usage_daily >= self.read_limit_daily
        )

    @property
    def window_exhausted(self) -> bool:
        """True when the overall or the read 15-minute bucket is used up."""
        if self.usage_15min >= self.limit_15min:
            return True
        return (
            self.read_limit_15min is not None
            and self.read_usage_15min is not None
            and self.read_usage_15min >= self.read_limit_15min
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (``observed_at`` as ISO-8601)."""
        data = asdict(self)
        data["observed_at"] = self.observed_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RateLimitUsage:
        """Inverse of :meth:`to_dict`; raises ``ValueError`` on malformed data."""
        try:
            observed_at = parse_utc(str(data["observed_at"]), require_zone=True)
            counts = {name: data[name] for name in _COUNT_FIELDS}
        except (KeyError, ValueError) as exc:
            raise ValueError(f"malformed rate-limit usage: {exc.__class__.__name__}") from None
        for name, value in counts.items():
            optional = name.startswith("read_")
            if not (isinstance(value, int) and not isinstance(value, bool)) and not (
                optional and value is None
            ):
                raise ValueError(f"malformed rate-limit usage: {name} is not an integer")
        return cls(observed_at=observed_at, **counts)


_COUNT_FIELDS = (
    "limit_15min",
    "limit_daily",
    "usage_15min",
    "usage_daily",
    "read_limit_15min",
    "read_limit_daily",
    "read_usage_15min",
    "read_usage_daily",
)


def _pair(value: str | None) -> tuple[int, int] | None:
    """Parse ``"<15min>,<daily>"``; None when absent or malformed."""
    if value is None:
        return None
    parts = value.split(",")
    if len(parts) != 2:
        return None
    try:
        return int(parts[0].strip()), int(parts[1].strip())
    except ValueError:
        return None


def parse_rate_limit_headers(headers: Mapping[str, str], now: datetime) -> RateLimitUsage | None:
    """Usage from a response's headers (names matched case-insensitively); None without them."""
    lowered = {name.lower(): value for name, value in headers.items()}
    limit = _pair(lowered.get(_OVERALL_LIMIT))
    usage = _pair(lowered.get(_OVERALL_USAGE))
    if limit is None or usage is None:
        return None
    read_limit = _pair(lowered.get(_READ_LIMIT))
    read_usage = _pair(lowered.get(_READ_USAGE))
    if read_limit is None or read_usage is None:
        read_limit = read_usage = None
    return RateLimitUsage(
        limit_15min=limit[0],
        limit_daily=limit[1],
        usage_15min=usage[0],
        usage_daily=usage[1],
        read_limit_15min=read_limit[0] if read_limit else None,
        read_limit_daily=read_limit[1] if read_limit else None,
        read_usage_15min=read_usage[0] if read_usage else None,
        read_usage_daily=read_usage[1] if read_usage else None,
        observed_at=now,
    )


def _as_utc(now: datetime) -> datetime:
    return now.astimezone(timezone.utc) if now.tzinfo is not None else now


def next_window_reset(now: datetime) -> datetime:
    """The next :00/:15/:30/:45 boundary strictly after ``now``."""
    moment = _as_utc(now)
    floor = moment.replace(minute=moment.minute // 15 * 15, second=0, microsecond=0)
    return floor + WINDOW


def next_daily_reset(now: datetime) -> datetime:
    """The next 00:00 UTC strictly after ``now``."""
    moment = _as_utc(now)
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + timedelta(days=1)


def retry_at(usage: RateLimitUsage | None, now: datetime) -> datetime:
    """When a rate-limited caller may try again: daily reset if a daily bucket is spent, else 15-min."""
    if usage is not None and usage.daily_exhausted:
        return next_daily_reset(now)
    return next_window_reset(now)
