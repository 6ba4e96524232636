"""The token lifecycle, replayed through the SDK with host-shaped histories."""

import json
from datetime import datetime, timedelta, timezone

from orchestrations.contract import READ_TOKEN_STATE, REFRESH_NOW_EVENT, REFRESH_TOKEN
from orchestrations.token_lifecycle import token_lifecycle
from tests.orchestrations.harness import Harness

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
EXPIRES = T0 + timedelta(hours=6)
MARGIN_S = 1200


def fire_at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sleeping_lifecycle(input_=None):
    harness = Harness(token_lifecycle, input_ or {"athlete_id": 42}, T0)
    step = harness.run()
    [read] = step.new
    assert read["functionName"] == READ_TOKEN_STATE and read["actionType"] == 1  # with retry
    state = {"status": "active", "expires_at": int(EXPIRES.timestamp()), "refresh_margin_s": MARGIN_S}
    step = harness.at(T0 + timedelta(seconds=1)).complete(read["id"], state).run()
    return harness, step


def test_sleeps_until_expiry_minus_margin_then_refreshes_and_continues_as_new():
    harness, step = sleeping_lifecycle()
    timer, wait = step.new
    due = EXPIRES - timedelta(seconds=MARGIN_S)
    assert timer["actionType"] == 5 and timer["fireAt"] == fire_at(due)
    assert wait["actionType"] == 6 and wait["externalEventName"] == REFRESH_NOW_EVENT
    assert step.custom_status["phase"] == "sleeping"
    assert step.custom_status["next_refresh_at"] == "2026-11-24T17:40:00Z"

    step = harness.at(due).fire(timer["id"], timer["fireAt"]).run()
    [refresh] = step.new
    assert refresh["functionName"] == REFRESH_TOKEN
    assert '"force": false' in refresh["input"]

    new_expiry = int((due + timedelta(hours=6)).timestamp())
    step = (
        harness.at(due + timedelta(seconds=1))
        .complete(refresh["id"], {"outcome": "refreshed", "expires_at": new_expiry})
        .run()
    )
    [continued] = step.new
    assert step.done and continued["actionType"] == 4  # ContinueAsNew
    assert '"last_outcome": "refreshed"' in continued["input"]
    assert '"consecutive_failures": 0' in continued["input"]


def test_refresh_now_event_wakes_it_early_and_cancels_the_timer():
    harness, _ = sleeping_lifecycle()
    early = T0 + timedelta(minutes=5)
    step = harness.at(early).raise_event(REFRESH_NOW_EVENT, {"reason": "unauthorized"}).run()
    [refresh] = step.new
    assert refresh["functionName"] == REFRESH_TOKEN and '"force": true' in refresh["input"]
    cancelled = [a for a in step.state["actions"][0] if a.get("actionType") == 11]
    timer_action = cancelled[0]["compoundActions"][0]
    assert timer_action["isCanceled"] is True


def test_a_reauthorization_wake_rereads_without_forcing_a_strava_refresh():
    harness, step = sleeping_lifecycle()
    step = (
        harness.at(T0 + timedelta(minutes=1))
        .raise_event(REFRESH_NOW_EVENT, '{"reason": "reauthorized"}')
        .run()
    )
    [refresh] = step.new
    assert '"force": false' in refresh["input"]


def test_revoked_refresh_token_ends_the_lifecycle_with_the_status_set():
    harness, step = sleeping_lifecycle()
    timer, _ = step.new
    step = harness.at(EXPIRES).fire(timer["id"], timer["fireAt"]).run()
    [refresh] = step.new
    failure = {"kind": "reauthorization_required", "message": "400 RefreshToken.refresh_token invalid"}
    step = harness.complete(refresh["id"], {"failure": failure}).run()
    assert step.done and not step.new  # no continue_as_new, no timer
    assert step.custom_status["phase"] == "ended"
    assert step.custom_status["reason"] == "reauthorization_required"
    assert step.state["output"] == {"athlete_id": 42, "ended": "reauthorization_required"}


def test_transient_failure_backs_off_on_a_durable_timer_and_never_ends():
    harness, step = sleeping_lifecycle({"athlete_id": 42, "consecutive_failures": 2})
    timer, _ = step.new
    step = harness.at(EXPIRES - timedelta(seconds=MARGIN_S)).fire(timer["id"], timer["fireAt"]).run()
    [refresh] = step.new
    step = harness.complete(refresh["id"], {"failure": {"kind": "unavailable", "message": "503"}}).run()
    backoff_timer, wake = step.new
    assert backoff_timer["actionType"] == 5
    assert wake["externalEventName"] == REFRESH_NOW_EVENT  # still wakes for a rejected token
    assert backoff_timer["fireAt"] == fire_at(harness.now + timedelta(minutes=2))  # 30 s * 2**(3-1)
    assert step.custom_status["phase"] == "backing_off"
    assert step.custom_status["consecutive_failures"] == 3
    step = (
        harness.at(harness.now + timedelta(minutes=2))
        .fire(backoff_timer["id"], backoff_timer["fireAt"])
        .run()
    )
    [continued] = step.new
    assert continued["actionType"] == 4 and '"consecutive_failures": 3' in continued["input"]


def test_rate_limit_waits_for_the_window_reset_without_counting_a_failure():
    harness, step = sleeping_lifecycle()
    timer, _ = step.new
    step = harness.at(EXPIRES - timedelta(seconds=MARGIN_S)).fire(timer["id"], timer["fireAt"]).run()
    [refresh] = step.new
    failure = {"kind": "rate_limited", "message": "429", "retry_at": "2026-11-24T17:45:00Z"}
    step = harness.complete(refresh["id"], {"failure": failure}).run()
    wait, _ = step.new
    assert wait["fireAt"] == "2026-11-24T17:45:01.000000Z"
    assert step.custom_status["consecutive_failures"] == 0


def test_no_token_stored_ends_at_once():
    harness = Harness(token_lifecycle, {"athlete_id": 7}, T0)
    [read] = harness.run().new
    step = harness.complete(
        read["id"], {"status": "missing", "expires_at": None, "refresh_margin_s": 60}
    ).run()
    assert step.done and step.state["output"] == {"athlete_id": 7, "ended": "missing"}


def test_same_token_returned_sets_a_floor_so_it_cannot_spin():
    harness, step = sleeping_lifecycle()
    timer, _ = step.new
    due = EXPIRES - timedelta(seconds=MARGIN_S)
    step = harness.at(due).fire(timer["id"], timer["fireAt"]).run()
    [refresh] = step.new
    step = harness.complete(
        refresh["id"], {"outcome": "unchanged", "expires_at": int(EXPIRES.timestamp())}
    ).run()
    [continued] = step.new
    assert '"earliest_refresh_at": "2026-11-24T17:45:00Z"' in continued["input"]  # due + margin / 4


def test_a_rejected_token_reported_during_backoff_forces_the_next_refresh():
    harness, step = sleeping_lifecycle()
    timer, _ = step.new
    step = harness.at(EXPIRES - timedelta(seconds=MARGIN_S)).fire(timer["id"], timer["fireAt"]).run()
    [refresh] = step.new
    step = harness.complete(refresh["id"], {"failure": {"kind": "unavailable", "message": "503"}}).run()
    step = (
        harness.at(harness.now + timedelta(seconds=5))
        .raise_event(REFRESH_NOW_EVENT, {"reason": "unauthorized"})
        .run()
    )
    [continued] = step.new
    assert continued["actionType"] == 4
    assert '"force_pending": true' in continued["input"]

    # the next execution refreshes at once, forced, without sleeping
    harness, step = Harness(token_lifecycle, json.loads(continued["input"]), T0), None
    [read] = harness.run().new
    state = {"status": "active", "expires_at": int(EXPIRES.timestamp()), "refresh_margin_s": MARGIN_S}
    [refresh] = harness.complete(read["id"], state).run().new
    assert refresh["functionName"] == REFRESH_TOKEN
    assert '"force": true' in refresh["input"]
