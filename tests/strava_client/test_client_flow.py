"""The client against the emulator over loopback: OAuth, data calls, pagination, expiry, rotation."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import pytest
from strava_emulator.testing import RunningEmulator

from strava import (
    DEFAULT_SCOPES,
    ClientCredentialsError,
    MissingScopeError,
    ReauthorizationRequiredError,
    StravaClient,
    UnauthorizedError,
)
from strava.errors import ATHLETE_LIMIT_TEXT
from tests.strava_client.conftest import REDIRECT_URI, browser_approval, connect


async def test_authorize_exchange_and_read_everything(
    client: StravaClient, http_session: aiohttp.ClientSession, strava_emulator: RunningEmulator
) -> None:
    redirect = await browser_approval(client, http_session, state="xyz")
    assert redirect["state"] == "xyz"
    grant = await client.exchange_code(redirect["code"])
    assert grant.athlete is not None
    expected = strava_emulator.athletes()[0]
    assert grant.athlete.id == expected["id"]
    assert grant.scopes == frozenset()
    assert grant.tokens.expires_in is not None
    assert grant.tokens.expires_in > 0

    athlete = await client.get_athlete(grant.tokens.access_token)
    assert (athlete.id, athlete.firstname) == (expected["id"], expected["firstname"])
    stats = await client.get_stats(grant.tokens.access_token, athlete.id)
    assert stats.all_run_totals.count >= 0
    assert client.last_rate_limit is not None
    assert client.last_rate_limit.usage_15min == 2


async def test_expired_token_refresh_and_rotated_refresh_token(
    client: StravaClient, http_session: aiohttp.ClientSession, strava_emulator: RunningEmulator
) -> None:
    strava_emulator.configure(token_ttl=6)
    old = (await connect(client, http_session)).tokens
    same = await client.refresh(old.refresh_token)  # > ttl/6 left: Strava hands back the same pair
    assert same.access_token == old.access_token
    assert same.refresh_token == old.refresh_token

    strava_emulator.configure(clock_offset=7)  # the emulator's clock jumps past expiry
    with pytest.raises(UnauthorizedError) as expired:
        await client.get_athlete(old.access_token)
    assert expired.value.status == 401

    new = await client.refresh(old.refresh_token)
    assert new.access_token != old.access_token
    assert new.refresh_token != old.refresh_token
    assert (await client.get_athlete(new.access_token)).id > 0
    with pytest.raises(ReauthorizationRequiredError):
        await client.refresh(old.refresh_token)


async def test_deauthorize_kills_tokens(client: StravaClient, http_session: aiohttp.ClientSession) -> None:
    tokens = (await connect(client, http_session)).tokens
    await client.deauthorize(tokens.access_token)
    with pytest.raises(UnauthorizedError):
        await client.get_athlete(tokens.access_token)
    with pytest.raises(ReauthorizationRequiredError):
        await client.refresh(tokens.refresh_token)


async def test_reused_code_requires_reauthorization(
    client: StravaClient, http_session: aiohttp.ClientSession
) -> None:
    code = (await browser_approval(client, http_session))["code"]
    await client.exchange_code(code)
    with pytest.raises(ReauthorizationRequiredError) as reused:
        await client.exchange_code(code)
    assert reused.value.errors[0].resource == "AuthorizationCode"


async def test_missing_scope(client: StravaClient, http_session: aiohttp.ClientSession) -> None:
    grant = await connect(client, http_session, scopes=("read",))
    assert grant.scopes == frozenset({"read"})
    with pytest.raises(MissingScopeError) as missing:
        await client.list_activities(grant.tokens.access_token)
    assert missing.value.missing_scope == "activity:read"


@pytest.mark.parametrize(
    "overrides", [{"client_secret": "wrong-secret"}, {"client_id": "999"}], ids=["secret", "client_id"]
)
async def test_bad_client_credentials(
    strava_emulator: RunningEmulator,
    make_client: Callable[..., StravaClient],
    client: StravaClient,
    http_session: aiohttp.ClientSession,
    overrides: dict[str, str],
) -> None:
    code = (await browser_approval(client, http_session))["code"]
    with pytest.raises(ClientCredentialsError):
        await make_client(strava_emulator, **overrides).exchange_code(code)
    with pytest.raises(ClientCredentialsError):
        await make_client(strava_emulator, **overrides).refresh("whatever")


async def test_athlete_cap(
    client: StravaClient, http_session: aiohttp.ClientSession, strava_emulator: RunningEmulator
) -> None:
    """As Strava: the athlete sees an HTML error page at authorize and never comes back with a code."""
    strava_emulator.configure(athlete_cap=1)
    await connect(client, http_session)
    second = strava_emulator.athletes()[1]["id"]
    url = client.authorize_url(REDIRECT_URI, "state-2", DEFAULT_SCOPES) + f"&athlete_id={second}"
    async with http_session.get(url, allow_redirects=False) as response:
        assert (response.status, response.content_type) == (403, "text/html")
        assert ATHLETE_LIMIT_TEXT in await response.text()
        assert "Location" not in response.headers
