"""Strava webhooks end to end: devhost + Azurite + the emulator, which sends its events to the app."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from orchestrations.contract import (
    deauthorization_instance_id,
    debounce_instance_id,
    lifecycle_instance_id,
    snapshot_instance_id,
)
from storage import ActivityStore, SnapshotStore, SyncStateStore, TableService
from tests.e2e.webhooks import (
    EMULATOR_FLAGS,
    VERIFY_TOKEN,
    WEBHOOK_SETTINGS,
    activity_ids,
    connected_and_subscribed,
    event,
    instance,
    post_event,
    stats_calls,
    strava_api_calls,
    wait_for_finished_run,
    wait_for_phase,
    wait_for_stats,
)

pytestmark = pytest.mark.e2e


async def test_handshake_echoes_the_challenge_only_for_the_right_token(launch_app):
    app = launch_app(*EMULATOR_FLAGS, **WEBHOOK_SETTINGS)
    query = {"hub.mode": "subscribe", "hub.challenge": "c-123", "hub.verify_token": VERIFY_TOKEN}
    status, headers, body = await app.request("GET", "/api/strava/webhook", params=query)
    assert (status, json.loads(body)) == (200, {"hub.challenge": "c-123"})
    assert headers["Content-Type"].startswith("application/json")
    for wrong in ({**query, "hub.verify_token": "guess"}, {**query, "hub.mode": "unsubscribe"}, {}):
        status, _, body = await app.request("GET", "/api/strava/webhook", params=wrong)
        assert status == 403
        assert json.loads(body)["error"] == "verification_failed"

    other = launch_app(*EMULATOR_FLAGS, **{**WEBHOOK_SETTINGS, "STRAVA_WEBHOOK_VERIFY_TOKEN": "another"})
    status, _, body = await other.request("GET", "/api/strava/webhook", params=query)
    assert status == 403


async def test_subscription_calls_past_strava_s_rate_limit_answer_429_with_retry_after(launch_app):
    app = launch_app(*EMULATOR_FLAGS, **WEBHOOK_SETTINGS)
    status, _, _ = await app.request("GET", "/api/strava/subscription")
    assert status == 200  # precondition: the call works while the limit allows it
    app.emulator.configure(read_rate_limit="1,1000")
    app.emulator.reset_counters()
    answers = [await app.request("GET", "/api/strava/subscription") for _ in range(2)]
    assert answers[0][0] == 200
    status, headers, body = answers[1]
    assert (status, json.loads(body)["error"]) == (429, "strava_rate_limited")
    assert 1 <= int(headers["Retry-After"]) <= 15 * 60


async def test_create_burst_private_and_delete_reach_the_stats_with_one_refresh_per_burst(launch_app):
    app = launch_app(*EMULATOR_FLAGS, **WEBHOOK_SETTINGS)
    athlete_id, _ = await connected_and_subscribed(app)
    status, _, body = await app.request("GET", "/api/strava/subscription")
    assert (status, json.loads(body)["points_here"]) == (200, True)

    started = time.monotonic()
    created = app.emulator.create_activity(athlete_id, name="Webhook Run", distance=7000.0)
    document = await wait_for_stats(app, lambda doc: created["id"] in activity_ids(doc))
    freshness = time.monotonic() - started
    assert document["recent_activities"][0]["name"] == "Webhook Run"
    await wait_for_phase(app, debounce_instance_id(athlete_id), "idle")
    first_run = await wait_for_finished_run(app, snapshot_instance_id(athlete_id))

    before = stats_calls(app)
    burst = app.emulator.create_activity(athlete_id, name="Morning Ride", sport_type="Ride")
    app.emulator.update_activity(burst["id"], name="Morning Ride (hilly)")
    app.emulator.update_activity(burst["id"], sport_type="GravelRide")
    app.emulator.wait_for_webhooks(settled=4)
    await wait_for_stats(
        app,
        lambda doc: any(
            item["id"] == burst["id"] and item["sport_type"] == "GravelRide"
            for item in doc["recent_activities"]
        ),
    )
    await wait_for_phase(app, debounce_instance_id(athlete_id), "idle", refreshes=2)
    await wait_for_finished_run(app, snapshot_instance_id(athlete_id), after=first_run)
    assert stats_calls(app) - before == 1  # three events, one snapshot refresh
    _, _, page = await app.request("GET", f"/api/athletes/{athlete_id}/status")
    assert json.loads(page)["webhooks"]["refreshes"] == 2

    app.emulator.update_activity(burst["id"], visibility="only_me")
    await wait_for_stats(app, lambda doc: burst["id"] not in activity_ids(doc))
    app.emulator.delete_activity(created["id"])
    await wait_for_stats(app, lambda doc: created["id"] not in activity_ids(doc))
    print(f"\nfreshness with a 2 s quiet window: create -> in /api/stats in {freshness:.1f} s")
    assert app.emulator.webhooks()["failed"] == 0
    await app.assert_no_secret_leaked()
    assert all(VERIFY_TOKEN not in text for text in [*app.bodies, app.host.log_text()])


async def test_deauthorization_deletes_the_athletes_data_and_reads_answer_410(launch_app):
    app = launch_app(*EMULATOR_FLAGS, **WEBHOOK_SETTINGS)
    athlete_id, _ = await connected_and_subscribed(app)
    assert app.emulator.deauthorize(athlete_id)["event_sent"]
    await wait_for_phase(app, deauthorization_instance_id(athlete_id), "deleted")

    for path in ("/api/stats", f"/api/athletes/{athlete_id}/stats", f"/api/athletes/{athlete_id}/snapshot"):
        status, _, body = await app.request("GET", path)
        assert (status, json.loads(body)["error"]) == (410, "deauthorized"), path
    status, _, body = await app.request("GET", f"/api/athletes/{athlete_id}/status")
    diagnosis = json.loads(body)
    assert (status, diagnosis["token"]["status"]) == (200, "deauthorized")
    assert diagnosis["problems"][0]["problem"] == "deauthorized"
    [record] = await app.stored_tokens()
    assert (record.access_token, record.refresh_token, record.publish_consent) == ("", "", False)
    async with TableService.from_connection_string(app.connection_string) as tables:
        assert await SnapshotStore(tables, f"{app.table_prefix}Snapshots").head(athlete_id) is None
        assert await ActivityStore(tables, f"{app.table_prefix}Activities").all(athlete_id) == []
        sync = await SyncStateStore(tables, f"{app.table_prefix}History").get(athlete_id)
        assert sync.public_athlete() is None
    assert await instance(app, lifecycle_instance_id(athlete_id)) is None  # ended and purged

    calls = strava_api_calls(app)
    app.emulator.create_activity(athlete_id)  # Strava sends nothing for a deauthorized athlete ...
    spoofed = event(athlete_id, 1, aspect_type="create")  # ... and a forged event changes nothing
    assert (await post_event(app, spoofed))[1]["outcome"] == "ignored"
    assert strava_api_calls(app) == calls


async def test_spoofed_unknown_and_malformed_events_call_nothing(launch_app):
    app = launch_app(*EMULATOR_FLAGS, **WEBHOOK_SETTINGS)
    athlete_id, subscription_id = await connected_and_subscribed(app)
    calls = strava_api_calls(app)
    other_athlete = app.athlete_ids()[1]
    for forged in (
        event(athlete_id, subscription_id + 1),
        event(other_athlete, subscription_id),
        event(
            athlete_id,
            subscription_id + 1,
            object_type="athlete",
            object_id=athlete_id,
            aspect_type="update",
            updates={"authorized": "false"},
        ),
    ):
        assert await post_event(app, forged) == (200, {"received": True, "outcome": "ignored"})
    malformed_bodies: list[object] = [
        {"object_type": "activity"},
        [],
        event(athlete_id, subscription_id, object_id="1"),
        event(athlete_id, subscription_id, updates={"title": {"nested": 1}}),
    ]
    for malformed in malformed_bodies:
        status, body = await post_event(app, malformed)
        assert (status, body["error"]) == (400, "malformed_event")
    status, _, body = await app.request("POST", "/api/strava/webhook", data=b"\xff{not json")
    assert status == 400 and "Traceback" not in body
    assert await instance(app, debounce_instance_id(athlete_id)) is None
    assert strava_api_calls(app) == calls
    _, _, page = await app.request("GET", f"/api/athletes/{athlete_id}/status")
    assert json.loads(page)["token"]["status"] == "active"


async def test_duplicate_deliveries_do_no_double_work(launch_app):
    app = launch_app(*EMULATOR_FLAGS, **WEBHOOK_SETTINGS)
    athlete_id, subscription_id = await connected_and_subscribed(app)
    created = app.emulator.create_activity(athlete_id, name="Sent twice")
    app.emulator.wait_for_webhooks(settled=1)
    await wait_for_stats(app, lambda doc: created["id"] in activity_ids(doc))
    await wait_for_phase(app, debounce_instance_id(athlete_id), "idle", refreshes=1)
    first_run = await wait_for_finished_run(app, snapshot_instance_id(athlete_id))
    before = stats_calls(app)

    twice = event(
        athlete_id,
        subscription_id,
        object_id=created["id"],
        aspect_type="update",
        updates={"title": "Sent twice"},
        event_time=1_700_000_000,
    )
    first, second = await asyncio.gather(post_event(app, twice), post_event(app, twice))
    outcomes = sorted([first[1]["outcome"], second[1]["outcome"]])
    assert outcomes[0] == "duplicate" and outcomes[1] in ("started", "signalled")
    # idle once the refresh has started its snapshot run, which may not have read Strava yet
    await wait_for_phase(app, debounce_instance_id(athlete_id), "idle", refreshes=2)
    await wait_for_finished_run(app, snapshot_instance_id(athlete_id), after=first_run)
    assert (await post_event(app, twice))[1]["outcome"] == "duplicate"  # Strava's retry, later
    found = await instance(app, debounce_instance_id(athlete_id))
    assert found is not None
    custom = found["customStatus"]
    assert (custom["phase"], custom["refreshes"]) == ("idle", 2)  # nothing was signalled
    assert stats_calls(app) - before == 1


async def test_a_debounce_interrupted_by_kill_9_still_refreshes(launch_app):
    app = launch_app(*EMULATOR_FLAGS, **{**WEBHOOK_SETTINGS, "WEBHOOK_DEBOUNCE_SECONDS": "5"})
    athlete_id, _ = await connected_and_subscribed(app)
    created = app.emulator.create_activity(athlete_id, name="Survives a crash")
    await wait_for_phase(app, debounce_instance_id(athlete_id), "debouncing")
    app.host.kill()
    app.host.restart()
    await wait_for_stats(app, lambda doc: created["id"] in activity_ids(doc))


async def test_concurrent_first_events_settle_on_one_debouncer_and_one_refresh(launch_app):
    app = launch_app(*EMULATOR_FLAGS, **WEBHOOK_SETTINGS)
    athlete_id, subscription_id = await connected_and_subscribed(app)
    previous_run = await wait_for_finished_run(app, snapshot_instance_id(athlete_id))
    before = stats_calls(app)
    events = [
        event(athlete_id, subscription_id, object_id=1000 + n, event_time=1_700_000_000) for n in range(20)
    ]
    answers = await asyncio.gather(*(post_event(app, body) for body in events))
    assert {status for status, _ in answers} == {200}
    outcomes = [body["outcome"] for _, body in answers]
    assert outcomes.count("started") == 1, outcomes
    await wait_for_phase(app, debounce_instance_id(athlete_id), "idle", refreshes=1)
    await wait_for_finished_run(app, snapshot_instance_id(athlete_id), after=previous_run)  # budget waits
    assert stats_calls(app) - before == 1
