"""The shared rate budget (pure): shares per priority, in-flight calls, resets, and a simulated day."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from bench.rate_budget import simulate

from rate_budget import BudgetPolicy, BudgetState, reserve, settle, status_view, usage
from strava.ratelimits import RateLimitUsage

T0 = datetime(2026, 12, 1, 10, 3, 20, tzinfo=timezone.utc)


def reported(read_15: int, at: datetime, read_limit: int = 5, read_day: int = 0) -> RateLimitUsage:
    return RateLimitUsage(
        200, 2000, read_15, read_day or read_15, read_limit, 1000, read_15, read_day or read_15, at
    )


def test_three_refreshes_under_a_read_limit_of_5_stop_at_4_calls():
    state, spent, refreshes = BudgetState(), 0, 0
    now = T0
    for _ in range(3):
        state, decision = reserve(state, 2, "normal", "snapshot refresh of athlete 1", now)
        if not decision.granted:
            break
        refreshes += 1
        for _ in range(2):  # two calls, answered in turn
            spent += 1
            now += timedelta(seconds=1)
            state = settle(state, 1, reported(spent, now), now)
    assert (refreshes, spent) == (2, 4)
    assert decision.until == datetime(2026, 12, 1, 10, 15, tzinfo=timezone.utc)
    assert decision.reason.startswith("read 15min usage 4/5")
    view = status_view(state, now)
    assert view["waiting"] == [
        {
            "work": "snapshot refresh of athlete 1",
            "priority": "normal",
            "until": "2026-12-01T10:15:00Z",
            "reason": decision.reason,
        }
    ]
    # the next window is empty again: granted, and no longer waiting
    later = datetime(2026, 12, 1, 10, 15, 1, tzinfo=timezone.utc)
    state, decision = reserve(state, 2, "normal", "snapshot refresh of athlete 1", later)
    assert decision.granted and status_view(state, later)["waiting"] == []


def test_calls_in_flight_count_until_settled_so_concurrent_work_cannot_overspend():
    state = settle(BudgetState(), 0, reported(0, T0, read_limit=10), T0)
    state, first = reserve(state, 5, "normal", "a", T0)
    state, second = reserve(state, 4, "normal", "b", T0)  # 5 + 4 > 8 = 80 % of 10
    assert first.granted and not second.granted
    state = settle(state, 5, reported(5, T0 + timedelta(seconds=1), read_limit=10), T0 + timedelta(seconds=1))
    state, third = reserve(state, 3, "normal", "b", T0 + timedelta(seconds=2))
    assert third.granted


def test_background_work_keeps_to_its_share_and_leaves_room_for_refreshes_and_webhooks():
    state = settle(BudgetState(), 0, reported(4, T0, read_limit=10), T0)
    state, backfill = reserve(state, 2, "low", "history backfill", T0)  # 4 + 2 > 5 = 50 %
    assert not backfill.granted and "50 %" in backfill.reason
    state, webhook = reserve(state, 2, "high", "webhook", T0)
    assert webhook.granted


def test_a_daily_limit_waits_for_midnight_and_an_older_reading_never_replaces_a_newer_one():
    state = settle(BudgetState(), 0, reported(1, T0, read_limit=100, read_day=800), T0)
    state, decision = reserve(state, 1, "normal", "refresh", T0)
    assert not decision.granted
    assert decision.until == datetime(2026, 12, 2, tzinfo=timezone.utc)
    stale = reported(0, T0 - timedelta(seconds=5), read_limit=100, read_day=10)
    assert settle(state, 0, stale, T0).reported == state.reported


def test_the_state_survives_its_json_round_trip_and_windows_roll():
    state = settle(BudgetState(), 0, reported(3, T0), T0)
    state, _ = reserve(state, 1, "normal", "refresh", T0)
    state, _ = reserve(state, 2, "normal", "other", T0)
    assert BudgetState.from_json(state.to_json()) == state
    rows = {(row.bucket, row.window): row.used for row in usage(state, T0)}
    assert rows[("read", "15min")] == 4 and rows[("overall", "daily")] == 4
    rolled = {(r.bucket, r.window): r.used for r in usage(state, T0 + timedelta(minutes=15))}
    assert rolled[("read", "15min")] == 0 and rolled[("read", "daily")] == 4  # in flight: the day counts
    with pytest.raises(ValueError, match="malformed rate budget"):
        BudgetState.from_json({"waiting": {"x": {"work": "w"}}})


def test_a_simulated_day_of_ten_athletes_stays_within_80_percent_and_backfills_complete():
    result = simulate()
    read_15, read_day = result.limits[2:]
    assert result.rejected == 0
    assert result.peaks["15min"] <= 0.8 * read_15 and result.peaks["daily"] <= 0.8 * read_day
    assert result.calls["backfill"] == 10 * 26 and result.calls["webhook"] == 100
    assert result.calls["refresh"] == 10 * (3 + 11 * 2)  # nothing dropped: every refresh ran
    assert len(result.backfill_done) == 10
    assert max(result.backfill_done.values()) < datetime(2026, 12, 1, 3, tzinfo=timezone.utc)
    tight = simulate(policy=BudgetPolicy(cap_percent=80, background_percent=40))
    assert max(tight.backfill_done.values()) > max(result.backfill_done.values())  # the share decides
