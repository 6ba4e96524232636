"""Across a full flow with every fault, no token, code or client secret reaches a log line,
an exception text or a repr."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from loopback.processes import free_port
from strava_emulator.testing import RunningEmulator

from strava import StravaClient, StravaConfig, StravaError
from tests.strava_client.conftest import browser_approval


class Failures:
    """Runs calls that are expected to fail and keeps every text their exceptions expose."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.kinds: list[str] = []

    async def expect(self, call: Awaitable[Any]) -> None:
        with pytest.raises(StravaError) as caught:
            await call
        error: BaseException | None = caught.value
        self.kinds.append(type(caught.value).__name__)
        while error is not None:
            self.texts += [str(error), repr(error), repr(error.args)]
            error = error.__cause__ or error.__context__


@pytest.fixture
async def echoing_strava() -> AsyncIterator[str]:
    """A server whose error bodies echo the bearer token and the form, as a careless proxy might."""

    async def echo(request: web.Request) -> web.Response:
        form = await request.post()
        message = f"rejected {request.headers.get('Authorization', '')} {dict(form)}"
        return web.json_response({"message": message, "errors": []}, status=400)

    app = web.Application()
    app.add_routes([web.route("*", "/{tail:.*}", echo)])
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_no_secret_in_logs_exceptions_or_reprs(
    strava_emulator: RunningEmulator,
    make_client: Callable[..., StravaClient],
    http_session: aiohttp.ClientSession,
    echoing_strava: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    failures = Failures()
    client = make_client(strava_emulator, timeout_s=0.5)
    secrets = {strava_emulator.client_secret, "wrong-secret"}
    reprs: list[str] = [repr(client), repr(StravaConfig("1", strava_emulator.client_secret))]

    code = (await browser_approval(client, http_session))["code"]
    grant = await client.exchange_code(code)
    tokens = grant.tokens
    assert grant.athlete is not None
    secrets |= {code, tokens.access_token, tokens.refresh_token}
    reprs += [repr(grant), repr(tokens), repr(grant.athlete)]

    await client.get_athlete(tokens.access_token)
    await client.get_stats(tokens.access_token, grant.athlete.id)
    await client.list_activities(tokens.access_token, per_page=5)
    await failures.expect(client.exchange_code(code))
    await failures.expect(
        make_client(strava_emulator, client_secret="wrong-secret").refresh(tokens.refresh_token)
    )

    strava_emulator.configure(token_ttl=6, clock_offset=21600)
    await failures.expect(client.get_athlete(tokens.access_token))
    fresh = await client.refresh(tokens.refresh_token)
    secrets |= {fresh.access_token, fresh.refresh_token}
    reprs.append(repr(fresh))
    await failures.expect(client.refresh(tokens.refresh_token))

    for fault in (
        {"error_rates": ["*=503:1.0"]},
        {"error_rates": [], "malformed_rate": 1.0},
        {"malformed_rate": 0.0, "hang_rate": 1.0, "hang_seconds": 1.5},
        {"hang_rate": 0.0, "app_inactive": True},
        {"app_inactive": False, "rate_limit": "1,2000"},
    ):
        strava_emulator.configure(**fault)
        await failures.expect(client.get_athlete(fresh.access_token))
    strava_emulator.configure(rate_limit="200,2000")
    strava_emulator.reset_counters()
    await client.deauthorize(fresh.access_token)
    await failures.expect(client.get_athlete(fresh.access_token))

    echo_config = StravaConfig(
        "1",
        strava_emulator.client_secret,
        api_base=f"{echoing_strava}/api/v3",
        oauth_base=f"{echoing_strava}/oauth",
    )
    echo_client = StravaClient(echo_config, http_session)
    await failures.expect(echo_client.get_athlete(fresh.access_token))
    await failures.expect(echo_client.refresh(fresh.refresh_token))
    await failures.expect(echo_client.exchange_code(code))

    assert failures.kinds == [
        "ReauthorizationRequiredError",
        "ClientCredentialsError",
        "UnauthorizedError",
        "ReauthorizationRequiredError",
        "StravaUnavailableError",
        "TruncatedResponseError",
        "StravaUnavailableError",
        "ApplicationInactiveError",
        "RateLimitedError",
        "UnauthorizedError",
        "StravaError",
        "StravaError",
        "StravaError",
    ]
    strava_lines = [r.getMessage() for r in caplog.records if r.name == "strava"]
    assert len(strava_lines) == 19  # one DEBUG line per call
    assert all(r.levelno == logging.DEBUG for r in caplog.records if r.name == "strava")
    assert any("[redacted]" in text for text in failures.texts)
    exposed = "\n".join([caplog.text, *(r.getMessage() for r in caplog.records), *failures.texts, *reprs])
    leaked = [name for name in sorted(secrets) if name in exposed]
    assert not leaked, "a secret leaked"
