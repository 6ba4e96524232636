"""Fixtures for client tests against the Strava emulator over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest
from strava_emulator.testing import RunningEmulator

from strava import DEFAULT_SCOPES, StravaClient, StravaConfig, TokenGrant, granted_scopes

REDIRECT_URI = "http://127.0.0.1/callback"


class RecordingClock:
    """The wall clock, remembering the last time it was read (to check computed boundaries)."""

    def __init__(self) -> None:
        self.last = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        self.last = datetime.now(timezone.utc)
        return self.last


@pytest.fixture
async def http_session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def clock() -> RecordingClock:
    return RecordingClock()


@pytest.fixture
def make_client(http_session: aiohttp.ClientSession, clock: RecordingClock) -> Callable[..., StravaClient]:
    """``make_client(emulator, timeout_s=.., client_secret=..)`` -> a client aimed at the emulator."""

    def make(emulator: RunningEmulator, *, timeout_s: float = 5.0, **overrides: str) -> StravaClient:
        config = StravaConfig(
            client_id=overrides.get("client_id", emulator.client_id),
            client_secret=overrides.get("client_secret", emulator.client_secret),
            api_base=emulator.api_base,
            oauth_base=emulator.oauth_base,
            timeout_s=timeout_s,
        )
        return StravaClient(config, http_session, clock=clock)

    return make


@pytest.fixture
def client(strava_emulator: RunningEmulator, make_client: Callable[..., StravaClient]) -> StravaClient:
    return make_client(strava_emulator)


async def browser_approval(
    client: StravaClient,
    session: aiohttp.ClientSession,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    state: str = "state-1",
    extra_query: str = "",
) -> dict[str, str]:
    """GET the authorize URL like a browser that does not follow the redirect; the redirect's query."""
    url = client.authorize_url(REDIRECT_URI, state, scopes) + extra_query
    async with session.get(url, allow_redirects=False) as response:
        assert response.status == 302, await response.text()
        location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI)
    return dict(parse_qsl(urlsplit(location).query, keep_blank_values=True))


async def connect(
    client: StravaClient, session: aiohttp.ClientSession, scopes: tuple[str, ...] = DEFAULT_SCOPES
) -> TokenGrant:
    """Approve, exchange the code, and fill the grant's scopes from the redirect."""
    redirect = await browser_approval(client, session, scopes)
    grant = await client.exchange_code(redirect["code"])
    return TokenGrant(grant.tokens, grant.athlete, granted_scopes(redirect["scope"]))
