"""Strava webhooks end to end: devhost + Azurite + the emulator, which sends its events to the app."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import time
from typing import Any

import pytest

from orchestrations.contract import (
    deauthorization_instance_id,
    debounce_instance_id,
    lifecycle_instance_id,
    snapshot_instance_id,
)
from storage import ActivityStore, SnapshotStore, SyncStateStore, TableService
from tests.e2e.conftest import AppUnderTest, browser_session
from tests.e2e.webhooks import (
    ACCEPTED,
    EMULATOR_FLAGS,
    VERIFY_TOKEN,
    WEBHOOK_SETTINGS,
    activity_ids,
    budget_row,
    connected_and_subscribed,
    deauthorization_event,
    event,
    failed_instances,
    instance,
    post_event,
    stats_calls,
    stored_activity_ids,
    strava_api_calls,
    wait_for_finished_run,
    wait_for_phase,
    wait_for_stats,
    wait_until,
    wait_until_quiet,
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


@pytest.mark.slow(13)
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
    started = time.monotonic()
    assert app.emulator.deauthorize(athlete_id)["event_sent"]
    await wait_for_phase(app, deauthorization_instance_id(athlete_id), "deleted", timeout=60)
    print(f"\nreal deauthorization: erased {time.monotonic() - started:.1f} s after the event")
    assert app.emulator.stats()["refreshes"]["rejected"] >= 1  # confirmed: Strava refused the refresh

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
    assert await post_event(app, spoofed) == (200, ACCEPTED)
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
        assert await post_event(app, forged) == (200, ACCEPTED)
    malformed_bodies: list[object] = [
        {"object_type": "activity"},
        [],
        event(athlete_id, subscription_id, object_id="x1"),
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
    assert first == second == (200, ACCEPTED)
    # idle once the refresh has started its snapshot run, which may not have read Strava yet
    await wait_for_phase(app, debounce_instance_id(athlete_id), "idle", refreshes=2)
    await wait_for_finished_run(app, snapshot_instance_id(athlete_id), after=first_run)
    assert await post_event(app, twice) == (200, ACCEPTED)  # Strava's retry, later
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
    assert all(answer == (200, ACCEPTED) for answer in answers)
    assert app.host.log_text().count(f"of athlete {athlete_id}: started") == 1  # one debouncer
    await wait_for_phase(app, debounce_instance_id(athlete_id), "idle", refreshes=1)
    await wait_for_finished_run(app, snapshot_instance_id(athlete_id), after=previous_run)  # budget waits
    assert stats_calls(app) - before == 1


async def test_a_forged_deauthorization_erases_nothing_and_the_status_names_it(launch_app):
    app = launch_app(*EMULATOR_FLAGS, **WEBHOOK_SETTINGS)
    athlete_id, subscription_id = await connected_and_subscribed(app)
    stored = await stored_activity_ids(app, athlete_id)
    calls = strava_api_calls(app)
    assert await post_event(app, deauthorization_event(athlete_id, subscription_id)) == (200, ACCEPTED)
    await wait_for_phase(app, deauthorization_instance_id(athlete_id), "kept", verdict="granted")

    [record] = await app.stored_tokens()
    assert (record.status.value, bool(record.access_token), bool(record.refresh_token)) == (
        "active",
        True,
        True,
    )
    assert (await app.request("GET", "/api/stats"))[0] == 200
    assert await stored_activity_ids(app, athlete_id) == stored
    assert strava_api_calls(app) - calls == 1  # one read of the athlete with the stored token
    _, _, body = await app.request("GET", f"/api/athletes/{athlete_id}/status")
    status = json.loads(body)
    assert "unverified_deauthorization" in [item["problem"] for item in status["problems"]]
    assert status["webhooks"]["unverified_deauthorizations"] == 1
    assert status["token"]["status"] == "active"

    # more forged events during the pause are checked once after it, not once each
    for _ in range(5):
        assert await post_event(app, deauthorization_event(athlete_id, subscription_id)) == (200, ACCEPTED)
    assert strava_api_calls(app) - calls == 1


async def test_a_forged_delete_keeps_the_activity_strava_still_has(launch_app):
    app = launch_app(*EMULATOR_FLAGS, **WEBHOOK_SETTINGS)
    athlete_id, subscription_id = await connected_and_subscribed(app)
    _, _, body = await app.request("GET", "/api/stats")
    recent = json.loads(body)["recent_activities"]
    target = recent[-1]["id"]  # older than the sync overlap: the newest page does not restore it
    previous = await wait_for_finished_run(app, snapshot_instance_id(athlete_id))
    forged = event(
        athlete_id, subscription_id, object_id=target, aspect_type="delete", event_time=1_700_000_000
    )
    reply = await post_event(app, forged)
    assert reply[0] == 200
    await wait_for_phase(app, debounce_instance_id(athlete_id), "idle", refreshes=1)
    await wait_for_finished_run(app, snapshot_instance_id(athlete_id), after=previous)
    assert target in await stored_activity_ids(app, athlete_id)
    assert target in activity_ids(await wait_for_stats(app, lambda doc: True))
    assert reply == (200, ACCEPTED)

    app.emulator.delete_activity(target)  # the real delete: Strava answers 404, so it goes
    await wait_until(
        lambda: _absent(app, athlete_id, target), 60, "the deleted activity never left the store"
    )
    await wait_for_stats(app, lambda doc: target not in activity_ids(doc), timeout=60)


async def _absent(app: AppUnderTest, athlete_id: int, activity_id: int) -> bool:
    return activity_id not in await stored_activity_ids(app, athlete_id)


async def test_every_well_formed_event_gets_the_same_reply_and_malformed_ones_400(launch_app):
    app = launch_app(*EMULATOR_FLAGS, **WEBHOOK_SETTINGS)
    athlete_id, subscription_id = await connected_and_subscribed(app)
    real = app.emulator.ground_truth(athlete_id)[0]["id"]
    other = app.athlete_ids()[1]
    well_formed: list[dict[str, Any]] = [
        event(athlete_id, subscription_id, object_id=real, aspect_type="update", updates={"title": "a"}),
        event(athlete_id, subscription_id + 1, object_id=real, aspect_type="update"),  # wrong subscription
        event(other, subscription_id, object_id=real, aspect_type="update"),  # athlete not connected
        event(athlete_id, subscription_id, object_id=123_456_789, aspect_type="delete"),  # no such activity
        event(athlete_id, subscription_id, object_id=123_456_789, aspect_type="delete"),  # a duplicate
        deauthorization_event(athlete_id, subscription_id + 7),
        {  # a legacy subscription's string ids
            **event(athlete_id, subscription_id, object_id=real, aspect_type="update"),
            "subscription_id": str(subscription_id),
            "owner_id": str(athlete_id),
        },
    ]
    answers = [await asyncio.to_thread(app.emulator.deliver, body) for body in well_formed]
    assert {(answer["status"], answer["body"]) for answer in answers} == {(200, answers[0]["body"])}
    assert (answers[0]["status"], json.loads(answers[0]["body"])) == (200, ACCEPTED)

    malformed: list[bytes] = [
        b"[" * 5000 + b"]" * 5000,
        json.dumps({**well_formed[0], "updates": {"title": {"a": [[[[[1]]]]]}}}).encode(),
        json.dumps({**well_formed[0], "subscription_id": "12a"}).encode(),
        json.dumps({**well_formed[0], "object_id": -5}).encode(),
        b"\xff{",
    ]
    for body in malformed:
        answer = await asyncio.to_thread(app.emulator.deliver, body)
        assert answer["status"] == 400, answer
        assert json.loads(answer["body"])["error"] == "malformed_event"
        assert "Traceback" not in answer["body"] and "Error" not in json.loads(answer["body"])["message"]


async def test_a_flood_of_forged_updates_costs_a_few_calls_and_fails_nothing(launch_app):
    app = launch_app(*EMULATOR_FLAGS, **WEBHOOK_SETTINGS)
    athlete_id, subscription_id = await connected_and_subscribed(app)
    await wait_for_finished_run(app, snapshot_instance_id(athlete_id))
    calls = strava_api_calls(app)
    draw = random.Random(19)
    forged = [
        event(
            athlete_id,
            subscription_id,
            object_id=draw.randrange(10**9, 10**10),
            aspect_type="update",
            updates={"title": "x"},
        )
        for _ in range(200)
    ]
    answers = await asyncio.gather(*(post_event(app, body) for body in forged))
    assert {status for status, _ in answers} == {200}
    await wait_until_quiet(app, athlete_id)

    used = strava_api_calls(app) - calls
    print(f"\nflood of 200 forged updates: {used} Strava calls")
    assert used <= 10
    assert await failed_instances(app) == []
    size, state = await budget_row(app)
    assert size < 64 * 1024 and len(state["waiting"]) <= 16
    assert all(body == ACCEPTED for _, body in answers)


@pytest.mark.slow(13)
async def test_a_bulk_edit_making_500_activities_private_hides_them_all(launch_app):
    app = launch_app("--athletes", "2", "--activities", "600", **WEBHOOK_SETTINGS)
    athlete_id, _ = await connected_and_subscribed(app)
    calls = strava_api_calls(app)
    chosen = [
        item["id"] for item in app.emulator.ground_truth(athlete_id) if item["visibility"] != "only_me"
    ][:500]
    started = time.monotonic()
    assert app.emulator.bulk_edit(athlete_id, ids=chosen, visibility="only_me")["events_sent"] == len(chosen)

    async def hidden() -> bool:
        return not set(chosen) & await stored_activity_ids(app, athlete_id)

    await wait_until(hidden, 300, "the activities made private never all left the store")
    await wait_for_stats(app, lambda doc: not set(chosen) & activity_ids(doc), timeout=60)
    took = time.monotonic() - started
    await wait_until_quiet(app, athlete_id, timeout=300)
    used = strava_api_calls(app) - calls
    print(f"\nbulk edit of {len(chosen)} made private: hidden in {took:.1f} s with {used} Strava calls")
    assert used <= 30
    assert await failed_instances(app) == []


async def test_a_second_event_while_strava_s_first_answer_is_on_its_way_is_not_lost(launch_app):
    app = launch_app(*EMULATOR_FLAGS, **WEBHOOK_SETTINGS)
    athlete_id, _ = await connected_and_subscribed(app)
    _, _, body = await app.request("GET", "/api/stats")
    old = json.loads(body)["recent_activities"][-1]["id"]  # older than the sync overlap
    app.emulator.hold("GET /api/v3/activities/{activity_id}", answered=True)
    app.emulator.update_activity(old, name="Renamed")  # first event: the app reads the activity ...
    await asyncio.to_thread(app.emulator.wait_until_held, 1, 30)  # ... Strava answered: still public
    app.emulator.update_activity(old, visibility="only_me")  # second event, while that answer travels
    await asyncio.to_thread(app.emulator.wait_for_webhooks, settled=2)
    app.emulator.release()
    await wait_until(lambda: _absent(app, athlete_id, old), 60, "the activity made private stayed stored")


async def test_two_callbacks_for_different_athletes_at_once_bind_exactly_one(launch_app):
    app = launch_app(*EMULATOR_FLAGS)
    first, second = app.athlete_ids()[:2]
    async with browser_session() as other_browser:
        other = dataclasses.replace(app, http=other_browser)
        app.emulator.hold("POST /oauth/token")
        connects = [
            asyncio.create_task(app.connect(athlete_id=first)),
            asyncio.create_task(other.connect(athlete_id=second)),
        ]
        await asyncio.to_thread(app.emulator.wait_until_held, 2, 30)
        app.emulator.release()
        results = await asyncio.gather(*connects)
    assert sorted(status for status, _, _ in results) == [200, 403]
    [(_, refused, _)] = [result for result in results if result[0] == 403]
    assert "bound to another Strava athlete" in refused
    assert len(await app.stored_tokens()) == 1
    assert app.emulator.stats()["requests"].get("POST /oauth/deauthorize") == 1  # its grant revoked
