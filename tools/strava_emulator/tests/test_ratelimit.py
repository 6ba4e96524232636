"""Rate limits: pure window math with injected time, and headers/429 over real HTTP."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from strava_emulator.config import Limits
from strava_emulator.ratelimit import Bucket, RateLimiter, day_start, seconds_until_window_reset, window_start

from tests.calls import api_get, connect, post_token

RATE_LIMITED = {
    "message": "Rate Limit Exceeded",
    "errors": [{"resource": "Application", "field": "rate limit", "code": "exceeded"}],
}


def _fresh_window_offset() -> float:
    """A clock offset that puts the emulator 5 s into a 15-minute window, so no reset hits mid-test."""
    now = time.time()
    return window_start(now) + 15 * 60 + 5 - now


def _at(hour: int, minute: int, second: int = 0, day: int = 18) -> float:
    return datetime(2025, 10, day, hour, minute, second, tzinfo=timezone.utc).timestamp()


def test_windows_align_to_quarter_hours_and_utc_midnight():
    assert window_start(_at(12, 14, 59)) == _at(12, 0)
    assert window_start(_at(12, 15)) == _at(12, 15)
    assert window_start(_at(12, 44, 30)) == _at(12, 30)
    assert window_start(_at(23, 59, 59)) == _at(23, 45)
    assert day_start(_at(23, 59, 59)) == _at(0, 0)
    assert seconds_until_window_reset(_at(12, 29, 30)) == 30


def test_bucket_resets_at_each_boundary():
    bucket = Bucket()
    for _ in range(3):
        bucket.count(_at(12, 14, 50))
    assert bucket.usage_header() == "3,3"
    bucket.count(_at(12, 15, 0))
    assert bucket.usage_header() == "1,4"
    bucket.count(_at(0, 0, 1, day=19))
    assert bucket.usage_header() == "1,1"


def test_limiter_counts_rejected_requests_and_both_buckets():
    limiter = RateLimiter.fresh()
    overall, read = Limits(2, 100), Limits(100, 1000)
    for _ in range(3):
        limiter.count(_at(9, 1), is_read=True)
    assert limiter.exceeded(overall, read)
    headers = limiter.headers(overall, read)
    assert headers == {
        "X-Ratelimit-Limit": "2,100",
        "X-Ratelimit-Usage": "3,3",
        "X-Readratelimit-Limit": "100,1000",
        "X-Readratelimit-Usage": "3,3",
    }
    limiter.count(_at(9, 16), is_read=False)
    assert not limiter.exceeded(overall, read)
    assert limiter.headers(overall, read)["X-Readratelimit-Usage"] == "0,3"


async def test_headers_on_every_api_response_and_429_past_the_limit(session, start_strava_emulator):
    emu = start_strava_emulator("--rate-limit", "3,50", "--read-rate-limit", "10,20")
    token = (await connect(session, emu))["access_token"]
    emu.configure(clock_offset=_fresh_window_offset())
    _, _, ok = await api_get(session, emu, "/athlete", token)
    _, _, unauthorized = await api_get(session, emu, "/athlete", "garbage")
    names = {name.decode() for name, _ in ok.raw_headers}
    assert {
        "X-Ratelimit-Limit",
        "X-Ratelimit-Usage",
        "X-Readratelimit-Limit",
        "X-Readratelimit-Usage",
    } <= names
    assert ok.headers["X-Ratelimit-Usage"] == "1,1"
    assert unauthorized.status == 401 and unauthorized.headers["X-Ratelimit-Usage"] == "2,2"
    await api_get(session, emu, "/athlete", token)
    status, body, limited = await api_get(session, emu, "/athlete", token)
    assert (status, body) == (429, RATE_LIMITED)
    assert limited.headers["X-Ratelimit-Limit"] == "3,50"
    assert limited.headers["X-Ratelimit-Usage"] == "4,4"
    assert limited.headers["X-Readratelimit-Usage"] == "4,4"
    assert emu.stats()["faults"]["rate_limited"] == 1
    # the token endpoint neither counts nor carries the headers
    status, _, headers = await post_token(session, emu, grant_type="refresh_token", refresh_token="x")
    assert status == 400 and "X-Ratelimit-Usage" not in headers
    emu.configure(rate_limit="100,1000")
    status, _, after = await api_get(session, emu, "/athlete", token)
    assert status == 200 and after.headers["X-Ratelimit-Usage"] == "5,5"


async def test_read_limit_applies_too(session, start_strava_emulator):
    emu = start_strava_emulator("--read-rate-limit", "1,1000")
    token = (await connect(session, emu))["access_token"]
    emu.configure(clock_offset=_fresh_window_offset())
    assert (await api_get(session, emu, "/athlete", token))[0] == 200
    assert (await api_get(session, emu, "/athlete", token))[0] == 429


def test_the_read_bucket_counts_every_call_but_uploads_whatever_the_method():
    from aiohttp.test_utils import make_mocked_request
    from strava_emulator.app import is_read

    for method, path in (
        ("GET", "/api/v3/athlete"),
        ("POST", "/api/v3/push_subscriptions"),
        ("DELETE", "/api/v3/push_subscriptions/1"),
        ("PUT", "/api/v3/activities/1"),
    ):
        assert is_read(make_mocked_request(method, path)), (method, path)
    for path in ("/api/v3/uploads", "/api/v3/activities", "/api/v3/activities/1/media"):
        assert not is_read(make_mocked_request("POST", path)), path


async def test_a_non_get_call_uses_up_the_read_limit_too(session, start_strava_emulator):
    emu = start_strava_emulator("--read-rate-limit", "1,1000")
    token = (await connect(session, emu))["access_token"]
    emu.configure(clock_offset=_fresh_window_offset())
    query = {"client_id": emu.client_id, "client_secret": emu.client_secret}
    async with session.delete(f"{emu.api_base}/push_subscriptions/424242", params=query) as response:
        assert response.headers["X-ReadRateLimit-Usage"].startswith("1,")
    assert (await api_get(session, emu, "/athlete", token))[0] == 429
