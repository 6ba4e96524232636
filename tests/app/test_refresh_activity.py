"""The refresh activity against Azurite and the emulator, in-process: idempotency and write races.

Strava rotates refresh tokens strictly, so the pair it just issued is the only valid one: a write
conflict must not lose it, while a genuinely newer authorization must win.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timezone

import pytest

import services as services_module
import settings as settings_module
from activities.tokens import refresh_token
from storage import TokenRecord, TokenStatus


@pytest.fixture
async def app_services(azurite, start_strava_emulator, table_prefix, monkeypatch):
    """The app's services wired to Azurite and a slow emulator (300 ms a request)."""
    emulator = start_strava_emulator("--latency-ms", "300")
    env = {
        "AzureWebJobsStorage": azurite,
        "STRAVA_CLIENT_ID": emulator.client_id,
        "STRAVA_CLIENT_SECRET": emulator.client_secret,
        "STRAVA_API_BASE_URL": emulator.api_base,
        "STRAVA_OAUTH_BASE_URL": emulator.oauth_base,
        "TABLE_PREFIX": table_prefix,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings_module.load_settings.cache_clear()
    yield emulator
    await services_module.services().close()
    settings_module.load_settings.cache_clear()


async def connected(emulator) -> TokenRecord:
    grant = emulator.connect()
    svc = services_module.services()
    return await svc.tokens.replace(
        TokenRecord(
            athlete_id=grant["athlete"]["id"],
            access_token=grant["access_token"],
            refresh_token=grant["refresh_token"],
            expires_at=grant["expires_at"],
            scopes=frozenset({"read", "activity:read_all"}),
            status=TokenStatus.ACTIVE,
            publish_consent=True,
            updated_at=datetime.now(timezone.utc),
        )
    )


async def test_fresh_token_is_not_refreshed_and_a_second_run_is_harmless(app_services):
    record = await connected(app_services)
    request = {"athlete_id": record.athlete_id, "force": False}
    assert (await refresh_token._function._func(request))["outcome"] == "still_fresh"
    assert app_services.stats()["refreshes"] == {"new_access_token": 0, "same_access_token": 0, "rejected": 0}


async def test_a_conflicting_write_of_the_same_pair_does_not_lose_the_rotated_token(app_services):
    record = await connected(app_services)
    app_services.configure(clock_offset=6 * 3600 - 60)  # the token is due at Strava
    svc = services_module.services()
    refreshing = asyncio.create_task(
        refresh_token._function._func({"athlete_id": record.athlete_id, "force": True})
    )
    await asyncio.sleep(0.1)  # the activity has read the entity and waits for Strava
    await svc.tokens.replace(dataclasses.replace(record, publish_consent=False))  # e.g. a re-authorization
    result = await refreshing
    assert result["outcome"] == "refreshed"
    stored = await svc.tokens.get(record.athlete_id)
    assert stored is not None
    assert stored.refresh_token != record.refresh_token  # the rotated token was kept ...
    assert stored.publish_consent is False  # ... on top of the other writer's entity
    again = await svc.strava.refresh(stored.refresh_token)  # and Strava still accepts it
    assert again.access_token


async def test_a_newer_authorization_written_meanwhile_wins(app_services):
    record = await connected(app_services)
    app_services.configure(clock_offset=6 * 3600 - 60)
    svc = services_module.services()
    refreshing = asyncio.create_task(
        refresh_token._function._func({"athlete_id": record.athlete_id, "force": True})
    )
    await asyncio.sleep(0.1)
    newer = dataclasses.replace(record, access_token="a-newer-access", refresh_token="a-newer-refresh")
    await svc.tokens.replace(newer)
    result = await refreshing
    assert result["outcome"] == "still_fresh"
    stored = await svc.tokens.get(record.athlete_id)
    assert stored is not None
    assert stored.refresh_token == "a-newer-refresh"
