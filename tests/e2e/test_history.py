"""Activity history end to end: backfill, aggregates against the emulator's ground truth, incremental
refreshes of two read calls, resume after kill -9, and the shared rate budget under a tiny limit."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timezone
from typing import Any

import pytest

from storage import ActivityStore, SyncStateStore, TableService
from tests.e2e.conftest import AppUnderTest
from tests.history.truth import assert_history_matches, local_day, today_of

pytestmark = pytest.mark.e2e


def reads(counters: dict[str, Any]) -> int:
    return sum(int(n) for route, n in counters["requests"].items() if route.startswith("GET /api/v3/"))


def list_calls(counters: dict[str, Any]) -> int:
    return int(counters["requests"].get("GET /api/v3/athlete/activities", 0))


async def snapshot(app: AppUnderTest, athlete_id: int) -> dict[str, Any]:
    _, body = await app.wait_for(f"/api/athletes/{athlete_id}/snapshot")
    document: dict[str, Any] = json.loads(body)
    return document


async def run_snapshot(app: AppUnderTest, athlete_id: int) -> dict[str, Any]:
    _, _, body = await app.request("POST", f"/api/athletes/{athlete_id}/snapshot")
    status_url = json.loads(body)["statusQueryGetUri"]
    deadline = time.monotonic() + 40
    while True:
        _, _, body = await app.request("GET", status_url)
        run: dict[str, Any] = json.loads(body)
        if run["runtimeStatus"] in ("Completed", "Failed"):
            return run
        assert time.monotonic() < deadline, run
        await asyncio.sleep(0.2)


def published_truth(app: AppUnderTest, athlete_id: int) -> list[dict[str, Any]]:
    return [a for a in app.emulator.ground_truth(athlete_id) if a["visibility"] == "everyone"]


async def test_backfill_aggregates_match_ground_truth_and_a_refresh_costs_two_reads(launch_app):
    app = launch_app("--activities", "700", SNAPSHOT_GOALS="Run:1000km,Ride:5000km,Walk:20mi/month")
    await app.connect()
    athlete_id = app.athlete_ids()[0]
    await app.wait_for_history(athlete_id, timeout=90)  # not only saved: the publishing run has ended
    document = await snapshot(app, athlete_id)

    truth = published_truth(app, athlete_id)
    assert len(truth) < 700  # the emulator hides some activities: they must not count
    now = datetime.fromisoformat(document["generated_at"].replace("Z", "+00:00"))
    assert_history_matches(document, truth, now)
    newest = sorted(truth, key=lambda a: a["start_date"], reverse=True)[:30]
    assert [a["id"] for a in document["recent_activities"]] == [a["id"] for a in newest]
    assert "polyline" not in json.dumps(document) and "latlng" not in json.dumps(document)

    today = today_of(truth, now)
    runs = sum(a["distance"] for a in truth if a["sport_type"] == "Run" and local_day(a).year == today.year)
    walks = sum(
        a["distance"]
        for a in truth
        if a["sport_type"] == "Walk" and local_day(a).replace(day=1) == today.replace(day=1)
    )
    goals = {goal["sport_type"]: goal for goal in document["goals"]}
    assert goals["Run"]["period"] == "year" and goals["Run"]["target_m"] == 1_000_000
    assert abs(goals["Run"]["done_m"] - runs) <= 0.06
    assert goals["Run"]["fraction"] == round(goals["Run"]["done_m"] / 1_000_000, 4)
    assert goals["Ride"]["target_m"] == 5_000_000
    assert goals["Walk"]["period"] == "month" and abs(goals["Walk"]["done_m"] - walks) <= 0.06

    # a refresh after the backfill: stats + one page, nothing else
    app.emulator.reset_counters()
    run = await run_snapshot(app, athlete_id)
    assert run["runtimeStatus"] == "Completed", run
    counters = app.emulator.stats()
    assert reads(counters) == 2, counters["requests"]
    assert list_calls(counters) == 1
    assert run["output"]["outcome"] == "unchanged"  # nothing new: same document, same ETag for sites
    await app.assert_no_secret_leaked()


async def stored_cursor(app: AppUnderTest, athlete_id: int) -> int:
    async with TableService.from_connection_string(app.connection_string) as tables:
        state = await SyncStateStore(tables, f"{app.table_prefix}History").get(athlete_id)
    return state.next_page if state.mode else 0


@pytest.mark.slow(15)
async def test_backfill_resumes_where_it_stopped_after_kill_9(launch_app):
    pages = 8  # 1,600 activities, 200 a page
    app = launch_app("--activities", str(pages * 200), "--latency-ms", "400")
    await app.connect()
    athlete_id = app.athlete_ids()[0]
    deadline = time.monotonic() + 60
    while (page := await stored_cursor(app, athlete_id)) < 4:
        assert time.monotonic() < deadline, page
        await asyncio.sleep(0.1)
    app.host.kill()
    before_restart = list_calls(app.emulator.stats())
    app.host.restart()

    await app.wait_for_history(athlete_id, timeout=120)  # and no run in flight: every call is counted
    document = await snapshot(app, athlete_id)
    truth = published_truth(app, athlete_id)
    assert document["history"]["activity_count"] == len(truth)
    now = datetime.fromisoformat(document["generated_at"].replace("Z", "+00:00"))
    assert_history_matches(document, truth, now)
    after = list_calls(app.emulator.stats())
    # pages page..8, the empty page and the final refresh's page; at most one page fetched twice
    assert after - before_restart <= (pages - page + 1) + 1 + 1 + 1, (page, before_restart, after)
    assert before_restart >= page  # the pages before the kill were not fetched again from page 1 ...
    assert after < pages + 1 + 1 + page  # ... which a restart from page 1 would have needed


def quarter_hour() -> int:
    """Which 15-minute window of Strava's (and the app's budget's) the wall clock is in."""
    return int(time.time()) // 900


async def three_refreshes(app: AppUnderTest, athlete_id: int) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Under a read limit of 5: two refreshes, then a third that must wait for the budget. Returns the
    third's custom status, the emulator's counters and the third's status URL."""
    app.emulator.configure(read_rate_limit="5,1000")
    app.emulator.reset_counters()
    for _ in range(2):
        run = await run_snapshot(app, athlete_id)
        assert run["runtimeStatus"] == "Completed", run
    _, _, body = await app.request("POST", f"/api/athletes/{athlete_id}/snapshot")
    status_url = json.loads(body)["statusQueryGetUri"]
    deadline = time.monotonic() + 60
    while True:
        _, _, body = await app.request("GET", status_url)
        custom = json.loads(body).get("customStatus") or {}
        if custom.get("phase") == "waiting_for_budget":
            return custom, app.emulator.stats(), status_url
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.2)


async def test_three_refreshes_under_a_read_limit_of_5_stop_at_4_calls_without_a_429(launch_app):
    app = launch_app("--activities", "150")
    await app.connect()
    athlete_id = app.athlete_ids()[0]
    await app.wait_for_history(athlete_id, timeout=90)  # else the first refresh may join the publishing one
    # The three refreshes must share one 15-minute window. Nothing waits for a fresh one: if a quarter
    # hour passed during the scenario, the waiting refresh goes on at once, and the scenario runs again
    # in the new window (it takes seconds, so a second boundary cannot fall inside it).
    for _ in range(2):
        window = quarter_hour()
        custom, counters, status_url = await three_refreshes(app, athlete_id)
        if quarter_hour() == window:
            break
        deadline = time.monotonic() + 60
        while json.loads((await app.request("GET", status_url))[2])["runtimeStatus"] != "Completed":
            assert time.monotonic() < deadline, "the refresh that waited did not go on after the reset"
            await asyncio.sleep(0.2)
    else:
        raise AssertionError("two quarter-hour boundaries within two short scenarios")

    assert reads(counters) == 4, counters["requests"]
    assert counters["faults"]["rate_limited"] == 0
    window_end = datetime.fromtimestamp(window * 900 + 900, timezone.utc)
    assert custom["until"] == window_end.strftime("%Y-%m-%dT%H:%M:01Z")
    assert "read 15min usage 4/5" in custom["reason"]

    _, _, body = await app.request("GET", f"/api/athletes/{athlete_id}/status")
    budget = json.loads(body)["rate_budget"]
    [waiting] = budget["waiting"]
    assert waiting["work"] == f"snapshot refresh of athlete {athlete_id}"
    assert waiting["until"] == window_end.strftime("%Y-%m-%dT%H:%M:%SZ")
    read_15 = next(w for w in budget["windows"] if w["bucket"] == "read" and w["window"] == "15min")
    assert read_15 == {"bucket": "read", "window": "15min", "used": 4, "limit": 5}


async def stored_activities(app: AppUnderTest, athlete_id: int) -> dict[int, dict[str, Any]]:
    async with TableService.from_connection_string(app.connection_string) as tables:
        items = await ActivityStore(tables, f"{app.table_prefix}Activities").all(athlete_id)
    return {int(item["id"]): item for item in items}


async def run_event(app: AppUnderTest, event: dict[str, Any]) -> dict[str, Any]:
    path = f"/runtime/webhooks/durabletask/orchestrators/activity_event/activity-event-{event['activity_id']}"
    status, _, body = await app.request("POST", path, json=event)
    assert status == 202, body
    _, body = await app.wait_for(json.loads(body)["statusQueryGetUri"], 200)
    output: dict[str, Any] = json.loads(body)["output"]
    return output


async def test_webhook_events_update_and_remove_single_activities(launch_app):
    app = launch_app("--activities", "150")
    await app.connect()
    athlete_id = app.athlete_ids()[0]
    await app.wait_for_history(athlete_id)
    truth = app.emulator.ground_truth(athlete_id)
    public = next(a for a in truth if a["visibility"] == "everyone")
    hidden = next(a for a in truth if a["visibility"] != "everyone")
    assert set(await stored_activities(app, athlete_id)) == {
        a["id"] for a in truth if a["visibility"] == "everyone"
    }

    app.emulator.reset_counters()
    app.emulator.edit_activity(public["id"], name="Renamed by a webhook")
    event = {"athlete_id": athlete_id, "activity_id": public["id"], "aspect": "update"}
    assert await run_event(app, event) == {"outcome": "applied", "stored": True, "removed": False}
    assert (await stored_activities(app, athlete_id))[public["id"]]["name"] == "Renamed by a webhook"
    assert app.emulator.stats()["requests"] == {"GET /api/v3/activities/{activity_id}": 1}

    event = {"athlete_id": athlete_id, "activity_id": hidden["id"], "aspect": "create"}
    assert await run_event(app, event) == {"outcome": "applied", "stored": False, "removed": False}
    assert hidden["id"] not in await stored_activities(app, athlete_id)  # never stored: not published

    event = {"athlete_id": athlete_id, "activity_id": public["id"], "aspect": "delete"}
    assert await run_event(app, event) == {"outcome": "applied", "stored": True, "removed": False}
    assert public["id"] in await stored_activities(app, athlete_id)  # Strava still has it: kept
    app.emulator.delete_activity(public["id"])
    assert await run_event(app, event) == {"outcome": "applied", "stored": False, "removed": True}
    assert public["id"] not in await stored_activities(app, athlete_id)  # Strava answered 404
    assert app.emulator.stats()["requests"] == {"GET /api/v3/activities/{activity_id}": 4}  # each read


async def test_a_rescan_removes_what_turned_private_and_keeps_the_aggregates_true(launch_app):
    app = launch_app("--activities", "450")
    await app.connect()
    athlete_id = app.athlete_ids()[0]
    await app.wait_for_history(athlete_id)
    before = published_truth(app, athlete_id)
    old = before[-1]  # far older than the refresh's overlap: only a full scan sees it again
    app.emulator.edit_activity(old["id"], visibility="only_me")
    app.emulator.edit_activity(before[-2]["id"], name="Renamed long ago")

    run = await run_snapshot(app, athlete_id)  # a refresh's page does not reach back that far
    assert run["runtimeStatus"] == "Completed"
    assert old["id"] in await stored_activities(app, athlete_id)

    path = f"/runtime/webhooks/durabletask/orchestrators/history_sync/history-sync-{athlete_id}"
    status, _, body = await app.request("POST", path, json={"athlete_id": athlete_id, "mode": "rescan"})
    assert status == 202, body
    _, body = await app.wait_for(json.loads(body)["statusQueryGetUri"], 200, timeout=60)
    assert json.loads(body)["output"]["outcome"] == "complete"
    await app.wait_for_history(athlete_id)

    stored = await stored_activities(app, athlete_id)
    assert old["id"] not in stored
    assert stored[before[-2]["id"]]["name"] == "Renamed long ago"
    truth = published_truth(app, athlete_id)
    assert set(stored) == {a["id"] for a in truth}
    document = await snapshot(app, athlete_id)
    now = datetime.fromisoformat(document["generated_at"].replace("Z", "+00:00"))
    assert_history_matches(document, truth, now)
    assert document["history"]["activity_count"] == len(before) - 1


async def test_an_activity_deleted_during_a_rescan_shifts_no_page_and_costs_no_other(launch_app):
    """Pages by key: a deletion on Strava between two pages of a re-scan (which shifted every later
    page by offset, so one existing activity was never read and then removed) loses nothing else."""
    app = launch_app("--athletes", "1", "--activities", "450")
    await app.connect()
    athlete_id = app.athlete_ids()[0]
    await app.wait_for_history(athlete_id)
    newest = published_truth(app, athlete_id)[0]

    listing = "GET /api/v3/athlete/activities"
    app.emulator.hold(listing)
    path = f"/runtime/webhooks/durabletask/orchestrators/history_sync/history-sync-{athlete_id}"
    status, _, body = await app.request("POST", path, json={"athlete_id": athlete_id, "mode": "rescan"})
    assert status == 202, body
    status_url = json.loads(body)["statusQueryGetUri"]
    await asyncio.to_thread(app.emulator.wait_until_held, 1)  # the first page, about to be read
    await asyncio.to_thread(app.emulator.release, True)
    await asyncio.to_thread(app.emulator.wait_until_held, 1)  # the first page was read; the second waits
    app.emulator.delete_activity(newest["id"])  # the first page's newest: offsets would shift by one
    app.emulator.release()
    _, body = await app.wait_for(status_url, 200, timeout=60)
    assert json.loads(body)["output"]["outcome"] == "complete"
    await app.wait_for_history(athlete_id)  # the refresh the scan started (its recent page sees the delete)

    stored = await stored_activities(app, athlete_id)
    truth = published_truth(app, athlete_id)
    assert newest["id"] not in stored
    assert set(stored) == {a["id"] for a in truth}


@pytest.mark.parametrize("order", ["newest_first", "oldest_first"])
async def test_refreshes_are_right_whichever_order_strava_sends_after_pages_in(launch_app, order):
    """Strava does not document the order of an ``after=`` page: the sync must not depend on it."""
    app = launch_app("--athletes", "1", "--activities", "120", "--after-order", order)
    await app.connect()
    athlete_id = app.athlete_ids()[0]
    await app.wait_for_history(athlete_id)

    def started(seconds_ago: int) -> str:
        return datetime.fromtimestamp(time.time() - seconds_ago, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    created = [
        app.emulator.create_activity(athlete_id, start_date=started(ago), visibility="everyone")
        for ago in (3600, 1800, 600)
    ]
    for step in ("store the new ones", "see one deleted and one more created"):
        if step.startswith("see"):
            app.emulator.delete_activity(created[1]["id"])
            app.emulator.create_activity(athlete_id, start_date=started(300), visibility="everyone")
        run = await run_snapshot(app, athlete_id)
        assert run["runtimeStatus"] == "Completed", step
        stored = await stored_activities(app, athlete_id)
        assert set(stored) == {a["id"] for a in published_truth(app, athlete_id)}, step
    document = await snapshot(app, athlete_id)
    generated = datetime.fromisoformat(document["generated_at"].replace("Z", "+00:00"))
    assert_history_matches(document, published_truth(app, athlete_id), generated)
