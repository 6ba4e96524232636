"""Rate-limit header parsing and window arithmetic (pure; time passed in)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from strava.ratelimits import (
    RateLimitUsage,
    next_daily_reset,
    next_window_reset,
    parse_rate_limit_headers,
    retry_at,
)

UTC = timezone.utc
NOW = datetime(2026, 7, 1, 14, 7, tzinfo=UTC)

WIRE_HEADERS = {
    "X-Ratelimit-Limit": "200,2000",
    "X-Ratelimit-Usage": "79,222",
    "X-Readratelimit-Limit": "100,1000",
    "X-Readratelimit-Usage": "78,221",
}


def usage(**changes: int | None) -> RateLimitUsage:
    values: dict[str, Any] = {
        "limit_15min": 200,
        "limit_daily": 2000,
        "usage_15min": 10,
        "usage_daily": 100,
        "read_limit_15min": 100,
        "read_limit_daily": 1000,
        "read_usage_15min": 10,
        "read_usage_daily": 100,
        "observed_at": NOW,
    }
    values.update(changes)
    return RateLimitUsage(**values)


def test_parses_wire_casing() -> None:
    parsed = parse_rate_limit_headers(WIRE_HEADERS, NOW)
    assert parsed == RateLimitUsage(200, 2000, 79, 222, 100, 1000, 78, 221, NOW)


def test_parses_documented_casing() -> None:
    headers = {"X-RateLimit-Limit": "600,6000", "X-RateLimit-Usage": "692,700"}
    parsed = parse_rate_limit_headers(headers, NOW)
    assert parsed is not None
    assert (parsed.limit_15min, parsed.usage_15min, parsed.usage_daily) == (600, 692, 700)


def test_missing_read_headers_leave_read_fields_none() -> None:
    headers = {"x-ratelimit-limit": "200,2000", "x-ratelimit-usage": "1,2"}
    parsed = parse_rate_limit_headers(headers, NOW)
    assert parsed is not None
    assert parsed.read_limit_15min is None
    assert parsed.read_usage_daily is None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Ratelimit-Limit": "200,2000"},
        {"X-Ratelimit-Limit": "200", "X-Ratelimit-Usage": "1,2"},
        {"X-Ratelimit-Limit": "a,b", "X-Ratelimit-Usage": "1,2"},
    ],
)
def test_absent_or_malformed_overall_headers_give_none(headers: dict[str, str]) -> None:
    assert parse_rate_limit_headers(headers, NOW) is None


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 7, 1, 14, 59, 59, tzinfo=UTC), datetime(2026, 7, 1, 15, 0, tzinfo=UTC)),
        (datetime(2026, 7, 1, 15, 0, 0, tzinfo=UTC), datetime(2026, 7, 1, 15, 15, tzinfo=UTC)),
        (datetime(2026, 7, 1, 15, 0, 0, 1, tzinfo=UTC), datetime(2026, 7, 1, 15, 15, tzinfo=UTC)),
        (datetime(2026, 7, 1, 15, 44, 59, 999999, tzinfo=UTC), datetime(2026, 7, 1, 15, 45, tzinfo=UTC)),
        (datetime(2026, 12, 31, 23, 50, tzinfo=UTC), datetime(2027, 1, 1, 0, 0, tzinfo=UTC)),
    ],
)
def test_next_window_reset_is_strictly_after_now(now: datetime, expected: datetime) -> None:
    assert next_window_reset(now) == expected


def test_window_reset_converts_other_offsets_to_utc() -> None:
    from datetime import timedelta

    tz = timezone(timedelta(hours=5, minutes=30))
    now = datetime(2026, 7, 1, 20, 0, tzinfo=tz)  # 14:30 UTC
    assert next_window_reset(now) == datetime(2026, 7, 1, 14, 45, tzinfo=UTC)


def test_naive_now_is_taken_as_utc_and_stays_naive() -> None:
    assert next_window_reset(datetime(2026, 7, 1, 14, 59, 59)) == datetime(2026, 7, 1, 15, 0)
    assert next_daily_reset(datetime(2026, 7, 1, 14, 59, 59)) == datetime(2026, 7, 2)


def test_next_daily_reset() -> None:
    assert next_daily_reset(datetime(2026, 7, 1, 0, 0, tzinfo=UTC)) == datetime(2026, 7, 2, tzinfo=UTC)
    assert next_daily_reset(datetime(2026, 7, 1, 23, 59, 59, tzinfo=UTC)) == datetime(2026, 7, 2, tzinfo=UTC)


def test_retry_at_waits_for_window_when_only_15min_is_spent() -> None:
    assert retry_at(usage(usage_15min=200), NOW) == datetime(2026, 7, 1, 14, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "changes", [{"usage_daily": 2000}, {"usage_daily": 2500}, {"read_usage_daily": 1000}]
)
def test_retry_at_waits_for_midnight_when_a_daily_bucket_is_spent(changes: dict[str, int]) -> None:
    assert retry_at(usage(**changes), NOW) == datetime(2026, 7, 2, tzinfo=UTC)


def test_retry_at_without_usage_waits_for_window() -> None:
    assert retry_at(None, NOW) == datetime(2026, 7, 1, 14, 15, tzinfo=UTC)


def test_exhaustion_flags() -> None:
    assert not usage().window_exhausted
    assert not usage().daily_exhausted
    assert usage(read_usage_15min=100).window_exhausted
    no_read = usage(read_limit_daily=None, read_usage_daily=None)
    assert not no_read.daily_exhausted


def test_usage_dict_round_trips_through_json() -> None:
    import json

    original = parse_rate_limit_headers(WIRE_HEADERS, NOW)
    assert original is not None
    restored = RateLimitUsage.from_dict(json.loads(json.dumps(original.to_dict())))
    assert restored == original
    partial = usage(
        read_limit_15min=None, read_limit_daily=None, read_usage_15min=None, read_usage_daily=None
    )
    assert RateLimitUsage.from_dict(partial.to_dict()) == partial


@pytest.mark.parametrize("broken", [{}, {"limit_15min": "200"}, {"observed_at": "yesterday"}])
def test_usage_from_malformed_dict_raises_value_error(broken: dict[str, Any]) -> None:
    data = usage().to_dict() | broken if broken else {}
    with pytest.raises(ValueError, match="malformed rate-limit usage"):
        RateLimitUsage.from_dict(data)
