"""The eternal token lifecycle on short-lived tokens, through a kill -9 of the host."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

pytestmark = pytest.mark.e2e

# Each refresh must get a new token: the emulator scales Strava's "more than an hour left, same token" rule
# to TTL/6 (2 s here), so a margin of 2 s meets it and leaves the app 2 s of slack before expiry.
TOKEN_TTL_S = 12
MARGIN_S = 2


@pytest.mark.slow(20)
async def test_refreshes_before_every_expiry_and_survives_kill_9(launch_app):
    app = launch_app("--token-ttl", str(TOKEN_TTL_S), TOKEN_REFRESH_MARGIN_SECONDS=str(MARGIN_S))
    status, _, _ = await app.connect()
    assert status == 200
    athlete_id = app.athlete_ids()[0]
    await app.wait_for("/api/stats")
    [first] = await app.stored_tokens()

    # kill -9 while the lifecycle sleeps on its durable timer, before that timer is due
    status_path = f"/api/athletes/{athlete_id}/status"
    _, body = await app.wait_for(status_path, contains='"phase":"sleeping"')
    assert app.emulator.stats()["refreshes"]["new_access_token"] == 0, "the first token was already refreshed"
    assert time.time() < first.expires_at - MARGIN_S, "no time left to kill the host before the timer"
    app.host.kill()
    app.host.restart()

    seen_tokens = {first.access_token}
    deadline = time.monotonic() + 3 * TOKEN_TTL_S
    while app.emulator.stats()["refreshes"]["new_access_token"] < 2:  # the one across the kill, then one more
        assert time.monotonic() < deadline, app.emulator.stats()
        [record] = await app.stored_tokens()
        assert record.expires_at > time.time(), "the stored access token expired before it was refreshed"
        seen_tokens.add(record.access_token)
        # keep the API busy with whatever token is current, so an expired one would be caught
        await app.request("POST", f"/api/athletes/{athlete_id}/snapshot")
        await asyncio.sleep(1)  # polling pace (the loop waits on the counter above)

    counters = app.emulator.stats()
    assert set(counters["rejected_tokens"].values()) == {0}, counters["rejected_tokens"]
    assert counters["refreshes"]["rejected"] == 0  # a stale refresh token was never used
    assert counters["refreshes"]["same_access_token"] == 0  # never refreshed twice for one expiry
    [record] = await app.stored_tokens()
    assert len(seen_tokens | {record.access_token}) == 3

    _, _, body = await app.request("GET", status_path)
    assert '"runtime_status":"Running"' in body
    assert '"last_outcome":"refreshed"' in body
    await app.assert_no_secret_leaked()


async def test_revoked_access_ends_the_lifecycle_and_the_status_says_how_to_fix_it(launch_app):
    app = launch_app("--token-ttl", "8", TOKEN_REFRESH_MARGIN_SECONDS="1")
    await app.connect()
    athlete_id = app.athlete_ids()[0]
    await app.wait_for("/api/stats")
    [record] = await app.stored_tokens()
    async with app.http.post(
        f"{app.emulator.oauth_base}/deauthorize", headers={"Authorization": f"Bearer {record.access_token}"}
    ) as response:
        assert response.status == 200

    # the lifecycle's next refresh (due a few seconds after connecting) meets the revoked grant and ends
    _, body = await app.wait_for(
        f"/api/athletes/{athlete_id}/status", contains='"runtime_status":"Completed"'
    )
    assert '"reauthorization_required"' in body
    assert "/api/strava/authorize" in body

    # nothing is published once access has lapsed; the owner still reads it with a key
    for path in (f"/api/athletes/{athlete_id}/stats", "/api/stats"):
        status, _, body = await app.request("GET", path)
        assert status == 410, path
        assert json.loads(body)["error"] == "not_connected"
    status, _, body = await app.request("POST", f"/api/athletes/{athlete_id}/snapshot")
    assert status == 409
    assert json.loads(body)["error"] == "not_active"
    await app.wait_for(f"/api/athletes/{athlete_id}/snapshot")
    await app.assert_no_secret_leaked()


@pytest.mark.slow(14)
async def test_a_fetch_meeting_a_rejected_token_wakes_the_lifecycle_and_the_snapshot_recovers(launch_app):
    app = launch_app()
    await app.connect()
    athlete_id = app.athlete_ids()[0]
    await app.wait_for("/api/stats")
    await app.wait_for_history(athlete_id)  # else the POST below may join the backfill's own refresh
    [before] = await app.stored_tokens()

    # Strava's clock moves past expiry while the lifecycle still sleeps towards its timer
    app.emulator.configure(clock_offset=6 * 3600 + 60)
    _, _, body = await app.request("POST", f"/api/athletes/{athlete_id}/snapshot")
    _, status_body = await app.wait_for(json.loads(body)["statusQueryGetUri"], 200, timeout=40)
    run = json.loads(status_body)
    assert run["runtimeStatus"] == "Completed", run
    counters = app.emulator.stats()
    assert counters["rejected_tokens"]["expired"] >= 1  # the fetches met the 401 ...
    assert counters["refreshes"]["new_access_token"] == 1  # ... and exactly one refresh answered it
    [after] = await app.stored_tokens()
    assert after.access_token != before.access_token
    _, _, body = await app.request("GET", f"/api/athletes/{athlete_id}/status")
    assert json.loads(body)["lifecycle"]["runtime_status"] == "Running"
    await app.assert_no_secret_leaked()


async def test_watchdog_restarts_a_stopped_lifecycle_and_takes_scheduled_snapshots(launch_app):
    app = launch_app(SNAPSHOT_SCHEDULE="*/2 * * * * *")
    await app.connect()
    athlete_id = app.athlete_ids()[0]
    await app.wait_for("/api/stats")
    instance = f"/runtime/webhooks/durabletask/instances/token-lifecycle-{athlete_id}"
    status, _, _ = await app.request("POST", f"{instance}/terminate?reason=test")
    assert status == 202

    await app.wait_for_log("was not running; restarted")
    _, body = await app.wait_for(instance, 202, contains='"runtimeStatus": "Running"')  # 202 while running
    assert json.loads(body)["runtimeStatus"] == "Running"
    await app.wait_for_log(f"scheduled snapshot stats-snapshot-{athlete_id}")
    _, body = await app.wait_for(f"/api/athletes/{athlete_id}/status")
    assert json.loads(body)["snapshot"]["generation"] >= 1
