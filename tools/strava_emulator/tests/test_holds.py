"""Hold and release: a held route parks requests until the test releases them; others pass."""

from __future__ import annotations

import asyncio

import pytest

from tests.calls import api_get, connect, refresh


async def test_a_held_route_waits_for_release_while_other_routes_answer(session, strava_emulator):
    emu = strava_emulator
    grant = await connect(session, emu)
    emu.hold("POST /oauth/token")
    refreshing = asyncio.create_task(refresh(session, emu, grant["refresh_token"]))
    await asyncio.to_thread(emu.wait_until_held, 1)
    assert not refreshing.done()
    status, _, _ = await api_get(session, emu, "/athlete", grant["access_token"])
    assert status == 200  # only the held route waits
    assert emu.stats()["refreshes"]["new_access_token"] == 0  # parked before the handler ran
    emu.release()
    status, body = await refreshing
    assert status == 200, body
    assert emu.stats()["refreshes"]["same_access_token"] == 1


async def test_holds_match_route_templates_and_release_ends_the_hold(session, strava_emulator):
    emu = strava_emulator
    token = (await connect(session, emu))["access_token"]
    athlete_id = emu.athletes()[0]["id"]
    emu.hold("GET /api/v3/athletes/{athlete_id}/stats")
    held = asyncio.create_task(api_get(session, emu, f"/athletes/{athlete_id}/stats", token))
    await asyncio.to_thread(emu.wait_until_held, 1)
    emu.release()
    assert (await held)[0] == 200
    status, _, _ = await api_get(session, emu, f"/athletes/{athlete_id}/stats", token)
    assert status == 200  # after release nothing is held


def test_waiting_for_a_request_that_never_comes_fails(strava_emulator):
    strava_emulator.hold("POST /oauth/token")
    with pytest.raises(AssertionError, match="504"):
        strava_emulator.wait_until_held(1, timeout=0.2)


async def test_bad_hold_requests_get_400(session, strava_emulator):
    for path, body in (("/_emulator/holds", {"routes": "POST /oauth/token"}), ("/_emulator/holds/wait", [])):
        async with session.post(strava_emulator.base_url + path, json=body) as response:
            assert response.status == 400
            assert "message" in await response.json()


async def test_release_keep_holding_steps_through_requests_one_by_one(session, strava_emulator):
    token = (await connect(session, strava_emulator))["access_token"]
    strava_emulator.hold("GET /api/v3/athlete")
    first = asyncio.create_task(api_get(session, strava_emulator, "/athlete", token))
    await asyncio.to_thread(strava_emulator.wait_until_held, 1)
    await asyncio.to_thread(strava_emulator.release, True)
    assert (await first)[0] == 200
    second = asyncio.create_task(api_get(session, strava_emulator, "/athlete", token))
    await asyncio.to_thread(strava_emulator.wait_until_held, 1)  # parked again
    assert not second.done()
    await asyncio.to_thread(strava_emulator.release)
    assert (await second)[0] == 200
