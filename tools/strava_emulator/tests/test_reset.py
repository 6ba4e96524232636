"""``POST /_emulator/reset``: back to the state the emulator started in, so tests can share one."""

from __future__ import annotations

import asyncio

import pytest

from tests.calls import api_get, connect


async def test_reset_restores_data_tokens_settings_counters_and_holds(session, start_strava_emulator):
    emu = start_strava_emulator("--athletes", "2", "--activities", "20", "--token-ttl", "600")
    athletes = emu.athletes()
    first = athletes[0]["id"]
    token = (await connect(session, emu))["access_token"]
    emu.create_activity(first, name="added")
    emu.edit_athlete(first, firstname="Changed")
    emu.configure(app_inactive=True, clock_offset=3600)
    emu.hold("GET /api/v3/athlete")
    parked = asyncio.ensure_future(api_get(session, emu, "/athlete", token))
    await asyncio.to_thread(emu.wait_until_held, 1)

    emu.reset()

    status, _, _ = await parked  # a parked request goes on (its token is gone by now)
    assert status == 401
    assert emu.athletes() == athletes
    assert emu.stats()["requests"] == {}
    status, _, _ = await api_get(session, emu, "/athlete", token)
    assert status == 401  # tokens issued before the reset are unknown
    fresh = (await connect(session, emu))["access_token"]
    status, athlete, _ = await api_get(session, emu, "/athlete", fresh)
    assert status == 200 and athlete["firstname"] != "Changed"  # and the app is active again


async def test_the_shared_emulator_is_reset_for_each_test_one(strava_emulator):
    strava_emulator.configure(app_inactive=True)
    strava_emulator.create_activity(strava_emulator.athletes()[0]["id"], name="left behind")


async def test_the_shared_emulator_is_reset_for_each_test_two(strava_emulator):
    assert strava_emulator.stats()["requests"] == {}
    [first, *_] = strava_emulator.athletes()
    assert first["activities"] == 400


async def test_a_reset_with_flags_is_a_start_with_those_flags_and_later_resets_return_to_them(
    session, start_strava_emulator
):
    emu = start_strava_emulator()
    as_started = emu.athletes()
    other = emu.restart_as("--athletes", "1", "--activities", "5", "--client-secret", "other-secret")
    assert other.base_url == emu.base_url and other.client_secret == "other-secret"
    assert [athlete["activities"] for athlete in other.athletes()] == [5]
    assert (await connect(session, other))["access_token"]  # the new credentials are the app's now
    other.create_activity(other.athletes()[0]["id"], name="added")
    other.reset()
    assert [athlete["activities"] for athlete in other.athletes()] == [5]
    assert emu.restart_as().athletes() == as_started


@pytest.mark.parametrize(
    ("flags", "reason"),
    [(["--port", "1"], "--host and --port"), (["--athletes", "many"], "invalid int"), ("--seed", "list")],
)
async def test_a_reset_with_bad_flags_is_refused_and_resets_nothing(session, strava_emulator, flags, reason):
    strava_emulator.create_activity(strava_emulator.athletes()[0]["id"], name="kept")
    async with session.post(f"{strava_emulator.base_url}/_emulator/reset", json={"flags": flags}) as answer:
        assert answer.status == 400 and reason in (await answer.json())["message"]
    assert strava_emulator.athletes()[0]["activities"] == 401
