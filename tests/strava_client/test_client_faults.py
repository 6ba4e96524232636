"""Faults over loopback: rate limits, 5xx, hangs, malformed JSON, inactive app, refused connections."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp import web
from loopback.processes import free_port
from strava_emulator.testing import RunningEmulator

from strava import (
    ApplicationInactiveError,
    BadResponseError,
    RateLimitedError,
    StravaClient,
    StravaConfig,
    StravaUnavailableError,
    TruncatedResponseError,
    next_daily_reset,
    next_window_reset,
)
from tests.strava_client.conftest import RecordingClock, connect
from tests.strava_client.samples import activity_json


async def test_429_on_the_15min_bucket_waits_for_the_next_window(
    client: StravaClient,
    http_session: aiohttp.ClientSession,
    strava_emulator: RunningEmulator,
    clock: RecordingClock,
) -> None:
    token = (await connect(client, http_session)).tokens.access_token
    strava_emulator.configure(rate_limit="2,2000")
    await client.get_athlete(token)
    await client.get_athlete(token)
    with pytest.raises(RateLimitedError) as limited:
        await client.get_athlete(token)
    error = limited.value
    assert error.status == 429
    assert error.retry_at == next_window_reset(clock.last)
    assert error.usage is not None
    assert (error.usage.limit_15min, error.usage.usage_15min) == (2, 3)
    assert client.last_rate_limit == error.usage


async def test_429_on_a_daily_bucket_waits_for_midnight(
    client: StravaClient,
    http_session: aiohttp.ClientSession,
    strava_emulator: RunningEmulator,
    clock: RecordingClock,
) -> None:
    token = (await connect(client, http_session)).tokens.access_token
    strava_emulator.configure(read_rate_limit="100,1")
    await client.get_athlete(token)
    with pytest.raises(RateLimitedError) as limited:
        await client.get_athlete(token)
    assert limited.value.retry_at == next_daily_reset(clock.last)
    usage = limited.value.usage
    assert usage is not None
    assert usage.read_usage_daily == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_unavailable(
    client: StravaClient, http_session: aiohttp.ClientSession, strava_emulator: RunningEmulator, status: int
) -> None:
    token = (await connect(client, http_session)).tokens.access_token
    strava_emulator.configure(error_rates=[f"GET /api/v3/athlete={status}:1.0"])
    with pytest.raises(StravaUnavailableError) as failed:
        await client.get_athlete(token)
    assert failed.value.status == status
    assert "<html" not in str(failed.value)


async def test_a_hang_beyond_the_timeout_is_unavailable(
    strava_emulator: RunningEmulator,
    make_client: Callable[..., StravaClient],
    http_session: aiohttp.ClientSession,
) -> None:
    client = make_client(strava_emulator, timeout_s=0.5)
    token = (await connect(client, http_session)).tokens.access_token
    strava_emulator.configure(hang_rate=1.0, hang_seconds=2)
    started = time.monotonic()
    with pytest.raises(StravaUnavailableError, match="timed out") as hung:
        await client.get_athlete(token)
    assert time.monotonic() - started < 1.5
    assert hung.value.status is None


async def test_truncated_json_is_told_apart_as_cut_off(
    client: StravaClient, http_session: aiohttp.ClientSession, strava_emulator: RunningEmulator
) -> None:
    grant = await connect(client, http_session)
    strava_emulator.configure(malformed_rate=1.0)
    with pytest.raises(TruncatedResponseError, match="cut off"):
        await client.get_stats(grant.tokens.access_token, grant.athlete.id if grant.athlete else 0)
    with pytest.raises(TruncatedResponseError):
        await client.list_activities(grant.tokens.access_token)
    with pytest.raises(TruncatedResponseError):  # the token endpoint too: the answer may hold a new pair
        await client.refresh(grant.tokens.refresh_token)


async def test_inactive_app_fails_data_calls_but_refreshes(
    client: StravaClient, http_session: aiohttp.ClientSession, strava_emulator: RunningEmulator
) -> None:
    tokens = (await connect(client, http_session)).tokens
    strava_emulator.configure(app_inactive=True)
    with pytest.raises(ApplicationInactiveError) as inactive:
        await client.get_athlete(tokens.access_token)
    assert inactive.value.status == 403
    assert (await client.refresh(tokens.refresh_token)).access_token == tokens.access_token


async def test_refused_connection_is_unavailable(http_session: aiohttp.ClientSession) -> None:
    base = f"http://127.0.0.1:{free_port()}"
    config = StravaConfig("1", "s", api_base=f"{base}/api/v3", oauth_base=f"{base}/oauth", timeout_s=2)
    with pytest.raises(StravaUnavailableError, match="GET /api/v3/athlete"):
        await StravaClient(config, http_session).get_athlete("token")


# A scripted stand-in for cases the emulator does not serve on purpose.


@pytest.fixture
async def scripted_strava() -> AsyncIterator[tuple[str, list[str]]]:
    """Serves pages of 3, 1, 2 activities then []; answers 200 with a non-list or HTML on demand."""
    pages = {1: 3, 2: 1, 3: 2}
    seen: list[str] = []

    async def activities(request: web.Request) -> web.Response:
        seen.append(request.query_string)
        page = int(request.query["page"])
        count = pages.get(page, 0)
        return web.json_response([activity_json(id=page * 100 + i) for i in range(count)])

    async def athlete(request: web.Request) -> web.Response:
        return web.json_response({"message": "an object where a list belongs"})

    async def dropped_token_answer(request: web.Request) -> web.StreamResponse:
        """Promises 200 bytes, sends 20, and hangs up (a dropped connection mid-body)."""
        response = web.StreamResponse(headers={"Content-Type": "application/json", "Content-Length": "200"})
        await response.prepare(request)
        await response.write(b'{"access_token": "a')
        assert request.transport is not None
        request.transport.close()
        return response

    async def html_token_answer(request: web.Request) -> web.Response:
        return web.Response(text="<html>502 Bad Gateway</html>", content_type="text/html")

    app = web.Application()
    app.add_routes(
        [
            web.get("/api/v3/athlete/activities", activities),
            web.get("/api/v3/athlete", athlete),
            web.post("/dropped/oauth/token", dropped_token_answer),
            web.post("/html/oauth/token", html_token_answer),
        ]
    )
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


async def test_short_pages_mid_list_are_pages_like_any_other(
    scripted_strava: tuple[str, list[str]], http_session: aiohttp.ClientSession
) -> None:
    base, seen = scripted_strava
    config = StravaConfig("1", "s", api_base=f"{base}/api/v3", oauth_base=f"{base}/oauth")
    client = StravaClient(config, http_session)
    ids, page = [], 1
    while batch := await client.list_activities("t", page=page, per_page=3, after=1_700_000_000):
        ids += [a.id for a in batch]  # as the history scan pages: until the empty page, not a short one
        page += 1
    assert ids == [100, 101, 102, 200, 300, 301]
    assert seen == [f"page={p}&per_page=3&after=1700000000" for p in (1, 2, 3, 4)]
    assert client.last_rate_limit is None  # the script sends no rate-limit headers


async def test_wrong_json_shape_is_a_bad_response(
    scripted_strava: tuple[str, list[str]], http_session: aiohttp.ClientSession
) -> None:
    base, _ = scripted_strava
    config = StravaConfig("1", "s", api_base=f"{base}/api/v3", oauth_base=f"{base}/oauth")
    with pytest.raises(BadResponseError, match=r"Athlete\.id"):
        await StravaClient(config, http_session).get_athlete("t")


async def test_a_dropped_connection_is_cut_off_and_a_complete_wrong_body_is_not(
    scripted_strava: tuple[str, list[str]], http_session: aiohttp.ClientSession
) -> None:
    base, _ = scripted_strava
    dropped = StravaClient(StravaConfig("1", "s", oauth_base=f"{base}/dropped/oauth"), http_session)
    with pytest.raises(TruncatedResponseError, match="cut off"):
        await dropped.refresh("r")
    html = StravaClient(StravaConfig("1", "s", oauth_base=f"{base}/html/oauth"), http_session)
    with pytest.raises(BadResponseError, match="not JSON") as caught:
        await html.refresh("r")
    assert not isinstance(caught.value, TruncatedResponseError)


async def test_argument_checks(client: StravaClient) -> None:
    with pytest.raises(ValueError, match="per_page"):
        await client.list_activities("t", per_page=201)
    with pytest.raises(TypeError, match="after"):
        await client.list_activities("t", after=1.5e12)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="milliseconds"):
        await client.list_activities("t", before=1_700_000_000_000)
