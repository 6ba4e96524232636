"""What bounds an outsider's webhook events (pure): the budget's waiting list and the status naming a
failed reservation or an unconfirmed deauthorization."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from api.diagnosis import Observations, diagnose
from rate_budget import MAX_WAITING, BudgetState, reserve

NOW = datetime(2026, 12, 7, 12, 3, tzinfo=timezone.utc)


def observations(facts: dict[str, object]) -> Observations:
    return Observations(
        athlete_id=42,
        token_status="active",
        scopes=frozenset({"read", "activity:read_all"}),
        expires_at=int((NOW + timedelta(hours=5)).timestamp()),
        publish_consent=True,
        lifecycle_runtime_status="Running",
        lifecycle_status={"phase": "sleeping"},
        snapshot_run_status="Completed",
        snapshot_generated_at=NOW - timedelta(minutes=1),
        snapshot_generation=1,
        facts=facts,
        authorize_url="https://app.example/api/strava/authorize",
    )


def test_the_waiting_list_keeps_the_latest_few_whatever_number_of_runs_waits():
    state = BudgetState()
    for _ in range(80):  # fill the 15-minute read window's share
        state, _ = reserve(state, 1, "normal", "snapshot refresh of athlete 1", NOW)
    for number in range(500):
        state, decision = reserve(state, 1, "high", f"webhook update of activity {number}" * 10, NOW)
        assert not decision.granted
    assert len(state.waiting) == MAX_WAITING
    assert len(json.dumps(state.to_json())) < 16 * 1024  # far below Table Storage's 64 KiB
    assert any("activity 499" in key for key in state.waiting)  # the latest are kept
    oversized = {
        **state.to_json(),
        "waiting": {f"w{n}": state.to_json()["waiting"][next(iter(state.waiting))] for n in range(300)},
    }
    assert len(BudgetState.from_json(oversized).waiting) == MAX_WAITING  # an old, grown row shrinks


def test_a_failed_reservation_is_named_for_a_quarter_of_an_hour():
    at = "2026-12-07T12:00:00Z"
    status = diagnose(observations({"last_budget_error": "StorageError", "last_budget_error_at": at}), NOW)
    [found] = [item for item in status["problems"] if item["problem"] == "rate_budget_unavailable"]
    assert found["source"] == "rate_budget" and at in found["fix"]
    later = diagnose(observations({"last_budget_error_at": at}), NOW + timedelta(minutes=20))
    assert "rate_budget_unavailable" not in [item["problem"] for item in later["problems"]]


def test_an_unconfirmed_deauthorization_is_named_for_a_day():
    facts = {"unverified_deauthorizations": 3, "last_unverified_deauthorization_at": "2026-12-07T11:00:00Z"}
    status = diagnose(observations(facts), NOW)
    [found] = [item for item in status["problems"] if item["problem"] == "unverified_deauthorization"]
    assert found["source"] == "webhooks" and "nothing was erased" in found["fix"]
    assert diagnose(observations(facts), NOW + timedelta(days=2))["healthy"] is True
    assert diagnose(observations({"last_unverified_deauthorization_at": "junk"}), NOW)["healthy"] is True
