"""The fan-out snapshot, replayed through the SDK with host-shaped histories."""

from datetime import datetime, timedelta, timezone

import pytest

from orchestrations.contract import (
    FETCH_ATHLETE,
    FETCH_STATS,
    RECORD_DIAGNOSTICS,
    REQUEST_TOKEN_REFRESH,
    SAVE_SNAPSHOT,
    SaveResult,
    fetch_failed,
    fetched,
)
from orchestrations.failures import Failure
from orchestrations.functions import stats_snapshot
from orchestrations.history_contract import PLAN_REFRESH, RESERVE_BUDGET, START_HISTORY_SYNC, SYNC_RECENT
from orchestrations.stats_snapshot import MAX_RATE_LIMIT_WAITS, MAX_ROUNDS, plan_retry
from tests.orchestrations.harness import Harness

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
ATHLETE = {"id": 42, "firstname": "Ada"}
STATS: dict[str, object] = {"totals": {}}
RECENT = {"changed": True, "full_page": False}
GRANTED = {"granted": True, "until": None, "reason": ""}
NO_PLAN = {"athlete": None, "scan": None}


def planned(plan=NO_PLAN):
    """Through the plan; returns the harness and the budget reservation."""
    harness = Harness(stats_snapshot, {"athlete_id": 42}, T0)
    [plan_call] = harness.run().new
    assert plan_call["functionName"] == PLAN_REFRESH
    [reserve] = harness.complete(plan_call["id"], plan).run().new
    assert reserve["functionName"] == RESERVE_BUDGET
    return harness, reserve


def fanned_out(plan=NO_PLAN):
    harness, reserve = planned(plan)
    step = harness.complete(reserve["id"], GRANTED).run()
    return harness, step


def test_three_fetches_in_one_fan_out_then_one_save():
    harness, step = fanned_out()
    assert [a["functionName"] for a in step.new] == [FETCH_ATHLETE, FETCH_STATS, SYNC_RECENT]
    assert all(a["actionType"] == 1 for a in step.new)  # each with retry
    ids = {a["functionName"]: a["id"] for a in step.new}

    # completions arrive in any order; nothing more is scheduled until all three are in
    step = harness.at(T0 + timedelta(seconds=1)).complete(ids[FETCH_STATS], fetched(STATS)).run()
    assert step.new == []
    harness.at(T0 + timedelta(seconds=2))
    harness.complete(ids[SYNC_RECENT], fetched(RECENT)).complete(ids[FETCH_ATHLETE], fetched(ATHLETE))
    step = harness.run()
    [save] = step.new
    assert save["functionName"] == SAVE_SNAPSHOT
    assert '"generated_at": "2026-11-24T12:00:02Z"' in save["input"]
    assert '"recent_activities": []' in save["input"]  # the save adds them from the activity store

    saved: SaveResult = {
        "saved": True,
        "generated_at": "2026-11-24T12:00:02Z",
        "generation": 3,
        "etag": '"sha256-x"',
        "size": 9,
        "activity_count": 2,
    }
    step = harness.complete(save["id"], saved).run()
    assert step.done and step.new == []
    assert step.state["output"] == {
        "athlete_id": 42,
        "outcome": "saved",
        "generated_at": "2026-11-24T12:00:02Z",
        "generation": 3,
        "etag": '"sha256-x"',
        "activity_count": 2,
    }


def test_rate_limited_fetch_waits_for_the_window_then_fetches_only_that_part():
    harness, step = fanned_out()
    ids = {a["functionName"]: a["id"] for a in step.new}
    limited = fetch_failed(Failure("rate_limited", "429", "2026-11-24T12:15:00Z"))
    harness.at(T0 + timedelta(seconds=1))
    harness.complete(ids[FETCH_ATHLETE], fetched(ATHLETE)).complete(ids[FETCH_STATS], fetched(STATS))
    step = harness.complete(ids[SYNC_RECENT], limited).run()
    [timer] = step.new
    assert timer["actionType"] == 5 and timer["fireAt"] == "2026-11-24T12:15:01.000000Z"
    step = harness.at(T0 + timedelta(minutes=15, seconds=1)).fire(timer["id"], timer["fireAt"]).run()
    [reserve] = step.new
    assert reserve["functionName"] == RESERVE_BUDGET and '"calls": 1' in reserve["input"]
    step = harness.complete(reserve["id"], GRANTED).run()
    assert [a["functionName"] for a in step.new] == [SYNC_RECENT]


def unauthorized_everywhere():
    harness, step = fanned_out()
    ids = {a["functionName"]: a["id"] for a in step.new}
    harness.at(T0 + timedelta(seconds=1))
    for name in (FETCH_ATHLETE, FETCH_STATS, SYNC_RECENT):
        harness.complete(ids[name], fetch_failed(Failure("unauthorized", "401")))
    return harness, harness.run()


def test_unauthorized_asks_the_lifecycle_to_refresh_with_retries_then_fetches_again():
    harness, step = unauthorized_everywhere()
    [ask] = step.new
    assert ask["functionName"] == REQUEST_TOKEN_REFRESH and ask["actionType"] == 1  # with retry
    step = harness.complete(ask["id"], {"lifecycle": "woken"}).run()
    [timer] = step.new
    assert timer["actionType"] == 5


def test_a_refresh_request_that_fails_even_after_retries_does_not_fail_the_run():
    harness, step = unauthorized_everywhere()
    [ask] = step.new
    step = harness.fail_every_attempt(ask["id"], REQUEST_TOKEN_REFRESH, 3, "storage unavailable").run()
    assert not step.done
    [timer] = step.new
    assert timer["actionType"] == 5
    step = harness.at(T0 + timedelta(seconds=11)).fire(timer["id"], timer["fireAt"]).run()
    [reserve] = step.new
    assert reserve["functionName"] == RESERVE_BUDGET and '"calls": 3' in reserve["input"]
    step = harness.complete(reserve["id"], GRANTED).run()
    assert sorted(a["functionName"] for a in step.new) == sorted([FETCH_ATHLETE, FETCH_STATS, SYNC_RECENT])


def test_a_cached_athlete_makes_a_refresh_two_calls_reserved_at_normal_priority():
    harness, reserve = planned({"athlete": ATHLETE, "scan": None})
    assert '"calls": 2' in reserve["input"] and '"priority": "normal"' in reserve["input"]
    step = harness.complete(reserve["id"], GRANTED).run()
    assert [a["functionName"] for a in step.new] == [FETCH_STATS, SYNC_RECENT]


def test_a_refused_budget_waits_on_a_durable_timer_for_the_reset_and_asks_again():
    harness, reserve = planned()
    refused = {"granted": False, "until": "2026-11-24T12:15:00Z", "reason": "read 15min usage 4/5"}
    step = harness.complete(reserve["id"], refused).run()
    [timer] = step.new
    assert timer["actionType"] == 5 and timer["fireAt"] == "2026-11-24T12:15:01.000000Z"
    assert step.custom_status == {
        "phase": "waiting_for_budget",
        "until": "2026-11-24T12:15:01Z",
        "reason": "read 15min usage 4/5",
        "parts": ["athlete", "stats", "recent"],
    }
    step = harness.at(T0 + timedelta(minutes=15, seconds=1)).fire(timer["id"], timer["fireAt"]).run()
    [again] = step.new
    assert again["functionName"] == RESERVE_BUDGET


def test_a_due_scan_or_a_full_page_starts_the_history_sync_after_the_save():
    for plan, recent, mode in (
        ({"athlete": ATHLETE, "scan": "backfill"}, RECENT, "backfill"),
        ({"athlete": ATHLETE, "scan": None}, {"changed": True, "full_page": True}, "rescan"),
    ):
        harness, step = fanned_out(plan)
        ids = {a["functionName"]: a["id"] for a in step.new}
        harness.complete(ids[FETCH_STATS], fetched(STATS)).complete(ids[SYNC_RECENT], fetched(recent))
        [save] = harness.run().new
        saved: SaveResult = {
            "saved": True,
            "generated_at": "x",
            "generation": 1,
            "etag": "e",
            "size": 1,
            "activity_count": 0,
        }
        [start] = harness.complete(save["id"], saved).run().new
        assert start["functionName"] == START_HISTORY_SYNC
        assert f'"mode": "{mode}"' in start["input"]


def test_inactive_application_gives_up_records_why_and_fails_without_saving():
    harness, step = fanned_out()
    ids = {a["functionName"]: a["id"] for a in step.new}
    inactive = fetch_failed(Failure("application_inactive", "403 Application.Status Inactive"))
    harness.at(T0 + timedelta(seconds=1))
    harness.complete(ids[FETCH_ATHLETE], inactive).complete(ids[FETCH_STATS], inactive)
    step = harness.complete(ids[SYNC_RECENT], inactive).run()
    [record] = step.new
    assert record["functionName"] == RECORD_DIAGNOSTICS and record["actionType"] == 1  # with retry
    assert '"last_snapshot_error": "application_inactive"' in record["input"]
    with pytest.raises(Exception, match="previous snapshot is still served"):  # the SDK raises on failure
        harness.complete(record["id"], None).run()


def test_the_failure_recorded_is_the_one_that_needs_the_owner():
    """A transient fault next to one that gives up: the status must not say it resumes by itself."""
    harness, step = fanned_out()
    ids = {a["functionName"]: a["id"] for a in step.new}
    harness.at(T0 + timedelta(seconds=1)).complete(ids[SYNC_RECENT], fetched(RECENT))
    harness.complete(ids[FETCH_ATHLETE], fetch_failed(Failure("unavailable", "503")))  # first by name
    harness.complete(ids[FETCH_STATS], fetch_failed(Failure("missing_scope", "401 activity:read_all")))
    [record] = harness.run().new
    assert record["functionName"] == RECORD_DIAGNOSTICS
    assert '"last_snapshot_error": "missing_scope"' in record["input"]
    assert '"last_snapshot_message": "401 activity:read_all"' in record["input"]


def test_diagnostics_that_cannot_be_recorded_do_not_hide_the_real_failure():
    harness, step = fanned_out()
    ids = {a["functionName"]: a["id"] for a in step.new}
    inactive = fetch_failed(Failure("application_inactive", "403 Application.Status Inactive"))
    harness.at(T0 + timedelta(seconds=1))
    for name in (FETCH_ATHLETE, FETCH_STATS, SYNC_RECENT):
        harness.complete(ids[name], inactive)
    [record] = harness.run().new
    with pytest.raises(Exception, match=r"application_inactive.*previous snapshot is still served"):
        harness.fail_every_attempt(record["id"], RECORD_DIAGNOSTICS, 3, "storage unavailable").run()


def test_plan_retry_rate_limits_do_not_burn_rounds_but_are_bounded():
    limited = {"activities": Failure("rate_limited", "429", "2026-11-24T12:15:00Z")}
    assert plan_retry(limited, 0, MAX_RATE_LIMIT_WAITS, T0) is not None
    assert plan_retry(limited, 0, MAX_RATE_LIMIT_WAITS + 1, T0) is None
    flaky = {"stats": Failure("unavailable", "503")}
    assert plan_retry(flaky, MAX_ROUNDS - 1, 0, T0) == T0 + timedelta(seconds=60)
    assert plan_retry(flaky, MAX_ROUNDS, 0, T0) is None
    assert plan_retry({"athlete": Failure("missing_scope", "401")}, 1, 0, T0) is None
    assert plan_retry({"athlete": Failure("unauthorized", "401")}, 1, 0, T0) == T0 + timedelta(seconds=10)
