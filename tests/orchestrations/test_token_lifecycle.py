"""The token lifecycle, replayed through the SDK with host-shaped histories."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from orchestrations.contract import (
    READ_TOKEN_STATE,
    REFRESH_NOW_EVENT,
    REFRESH_TOKEN,
    TokenState,
    refresh_failed,
    refreshed,
)
from orchestrations.failures import Failure
from orchestrations.functions import token_lifecycle
from orchestrations.token_lifecycle import LifecycleInput, plan_refresh
from tests.orchestrations.harness import Harness, Step
from timestamps import format_utc

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
EXPIRES = T0 + timedelta(hours=6)
MARGIN_S = 1200
DUE = EXPIRES - timedelta(seconds=MARGIN_S)


def fire_at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def token_state(expires: datetime = EXPIRES, requested: datetime | None = None) -> TokenState:
    return {
        "status": "active",
        "expires_at": int(expires.timestamp()),
        "refresh_margin_s": MARGIN_S,
        "refresh_requested_at": format_utc(requested) if requested else None,
    }


def execution(
    input_: dict[str, Any] | None = None, state: TokenState | None = None, now: datetime = T0
) -> tuple[Harness, Step]:
    """One execution up to what it does after reading the token state."""
    harness = Harness(token_lifecycle, input_ or {"athlete_id": 42}, now)
    [read] = harness.run().new
    assert read["functionName"] == READ_TOKEN_STATE and read["actionType"] == 1  # with retry
    step = harness.at(now + timedelta(seconds=1)).complete(read["id"], state or token_state()).run()
    return harness, step


def continued_input(step: Step) -> dict[str, Any]:
    [continued] = [a for a in step.new if a["actionType"] == 4]  # ContinueAsNew
    assert step.done
    parsed: dict[str, Any] = json.loads(continued["input"])
    return parsed


def refresh_at_due(input_: dict[str, Any] | None = None) -> tuple[Harness, dict[str, Any]]:
    harness, step = execution(input_)
    timer, _ = step.new
    step = harness.at(DUE).fire(timer["id"], timer["fireAt"]).run()
    [refresh] = step.new
    assert refresh["functionName"] == REFRESH_TOKEN
    return harness, refresh


def test_sleeps_until_expiry_minus_margin_then_refreshes_and_continues_as_new():
    harness, step = execution()
    timer, wait = step.new
    assert timer["actionType"] == 5 and timer["fireAt"] == fire_at(DUE)
    assert wait["actionType"] == 6 and wait["externalEventName"] == REFRESH_NOW_EVENT
    assert step.custom_status["phase"] == "sleeping"
    assert step.custom_status["next_refresh_at"] == "2026-11-24T17:40:00Z"

    step = harness.at(DUE).fire(timer["id"], timer["fireAt"]).run()
    [refresh] = step.new
    assert refresh["functionName"] == REFRESH_TOKEN
    assert '"force": false' in refresh["input"]

    new_expiry = int((DUE + timedelta(hours=6)).timestamp())
    step = (
        harness.at(DUE + timedelta(seconds=1))
        .complete(refresh["id"], refreshed("refreshed", new_expiry))
        .run()
    )
    nxt = continued_input(step)
    assert nxt["last_outcome"] == "refreshed"
    assert nxt["consecutive_failures"] == 0
    assert nxt["earliest_refresh_at"] is None


def test_a_wake_up_cancels_the_timer_and_starts_over_to_re_read():
    harness, _ = execution()
    step = (
        harness.at(T0 + timedelta(minutes=5)).raise_event(REFRESH_NOW_EVENT, {"reason": "reauthorized"}).run()
    )
    cancelled = [a for a in step.state["actions"][0] if a.get("actionType") == 11]
    assert cancelled[0]["compoundActions"][0]["isCanceled"] is True
    assert continued_input(step) == LifecycleInput(athlete_id=42).to_dict()  # no refresh, no Strava


def test_a_stored_refresh_request_forces_a_refresh_at_once():
    _, step = execution(state=token_state(requested=T0))
    [refresh] = step.new
    assert refresh["functionName"] == REFRESH_TOKEN and '"force": true' in refresh["input"]


def test_a_request_raised_while_refreshing_is_not_lost():
    """The event is dropped by continue_as_new, but the request is stored: the next execution sees it."""
    harness, refresh = refresh_at_due()
    harness.at(DUE + timedelta(milliseconds=500)).raise_event(REFRESH_NOW_EVENT, {"reason": "unauthorized"})
    step = harness.complete(refresh["id"], refreshed("still_fresh", int(EXPIRES.timestamp()))).run()
    nxt = continued_input(step)
    # the request the event announced was stored before it was raised
    _, step = execution(
        nxt, token_state(requested=DUE + timedelta(milliseconds=400)), DUE + timedelta(seconds=1)
    )
    [refresh] = step.new
    assert refresh["functionName"] == REFRESH_TOKEN and '"force": true' in refresh["input"]


def test_forced_refreshes_run_at_most_once_a_minute():
    start = T0
    harness, step = execution(state=token_state(requested=start), now=start)
    [refresh] = step.new
    assert '"force": true' in refresh["input"]
    step = harness.at(start + timedelta(seconds=2)).complete(refresh["id"], refreshed("refreshed", 0)).run()
    state = continued_input(step)
    forced = 1
    # twenty more requests (each announced by a wake-up) within the next minute
    for n in range(1, 21):
        now = start + timedelta(seconds=2 + n)
        harness, step = execution(state, token_state(requested=now - timedelta(milliseconds=1)), now)
        actions = [a.get("functionName") for a in step.new]
        forced += actions.count(REFRESH_TOKEN)
        if REFRESH_TOKEN in actions:
            break
        timer, _ = step.new
        assert timer["fireAt"] == fire_at(start + timedelta(seconds=62))  # a minute after the forced one
        step = harness.at(now).raise_event(REFRESH_NOW_EVENT, {"reason": "unauthorized"}).run()
        state = continued_input(step)
    assert forced == 1
    # a minute later the latest request is answered, once
    later = start + timedelta(seconds=62)
    harness, step = execution(state, token_state(requested=start + timedelta(seconds=22)), later)
    [refresh] = step.new
    assert refresh["functionName"] == REFRESH_TOKEN and '"force": true' in refresh["input"]


def test_an_answered_request_does_not_force_again():
    state = LifecycleInput(42, answered_request_at="2026-11-24T12:00:00Z").to_dict()
    _, step = execution(state, token_state(requested=T0))
    timer, _ = step.new
    assert timer["fireAt"] == fire_at(DUE)


def test_revoked_refresh_token_ends_the_lifecycle_with_the_status_set():
    harness, refresh = refresh_at_due()
    failure = Failure("reauthorization_required", "400 RefreshToken.refresh_token invalid")
    step = harness.complete(refresh["id"], refresh_failed(failure)).run()
    assert step.done and not step.new  # no continue_as_new, no timer
    assert step.custom_status["phase"] == "ended"
    assert step.custom_status["reason"] == "reauthorization_required"
    assert step.state["output"] == {"athlete_id": 42, "ended": "reauthorization_required"}


def test_a_lost_rotated_token_ends_the_lifecycle_too():
    harness, refresh = refresh_at_due()
    step = harness.complete(refresh["id"], refresh_failed(Failure("refresh_token_lost", "cut off"))).run()
    assert step.state["output"] == {"athlete_id": 42, "ended": "refresh_token_lost"}


def test_transient_failure_backs_off_and_never_ends():
    harness, refresh = refresh_at_due({"athlete_id": 42, "consecutive_failures": 2})
    step = harness.complete(refresh["id"], refresh_failed(Failure("unavailable", "503"))).run()
    nxt = continued_input(step)
    assert nxt["consecutive_failures"] == 3
    assert nxt["retry_at"] == format_utc(DUE + timedelta(minutes=2))  # 30 s * 2**(3-1)
    # the next execution waits for the backoff (still waking for refresh_now), then refreshes
    harness, step = execution(nxt, now=DUE + timedelta(seconds=1))
    timer, wake = step.new
    assert timer["fireAt"] == fire_at(DUE + timedelta(minutes=2))
    assert wake["externalEventName"] == REFRESH_NOW_EVENT
    assert step.custom_status["phase"] == "backing_off"
    assert step.custom_status["message"] == "503"


def test_a_wake_up_during_backoff_does_not_skip_it():
    harness, refresh = refresh_at_due()
    step = harness.complete(refresh["id"], refresh_failed(Failure("unavailable", "503"))).run()
    nxt = continued_input(step)
    harness, step = execution(nxt, now=DUE + timedelta(seconds=1))
    step = harness.at(DUE + timedelta(seconds=2)).raise_event(REFRESH_NOW_EVENT, {"reason": "x"}).run()
    again = continued_input(step)
    _, step = execution(again, now=DUE + timedelta(seconds=3))
    timer, _ = step.new
    assert timer["actionType"] == 5 and timer["fireAt"] == fire_at(DUE + timedelta(seconds=30))


def test_rate_limit_waits_for_the_window_reset_without_counting_a_failure():
    harness, refresh = refresh_at_due()
    failure = Failure("rate_limited", "429", "2026-11-24T17:45:00Z")
    nxt = continued_input(harness.complete(refresh["id"], refresh_failed(failure)).run())
    assert nxt["retry_at"] == "2026-11-24T17:45:01Z"
    assert nxt["consecutive_failures"] == 0


def test_no_token_stored_ends_at_once():
    harness = Harness(token_lifecycle, {"athlete_id": 7}, T0)
    [read] = harness.run().new
    missing: TokenState = {
        "status": "missing",
        "expires_at": None,
        "refresh_margin_s": 60,
        "refresh_requested_at": None,
    }
    step = harness.complete(read["id"], missing).run()
    assert step.done and step.state["output"] == {"athlete_id": 7, "ended": "missing"}


def test_same_token_returned_sets_a_floor_so_it_cannot_spin():
    harness, refresh = refresh_at_due()
    step = harness.complete(refresh["id"], refreshed("unchanged", int(EXPIRES.timestamp()))).run()
    assert continued_input(step)["earliest_refresh_at"] == "2026-11-24T17:45:00Z"  # due + margin / 4


def test_still_fresh_when_due_by_this_clock_waits_instead_of_spinning():
    """Clock skew: the orchestration thinks the token is due, the activity's clock does not."""
    harness, refresh = refresh_at_due()
    step = harness.complete(refresh["id"], refreshed("still_fresh", int(EXPIRES.timestamp()))).run()
    nxt = continued_input(step)
    assert nxt["earliest_refresh_at"] is not None
    _, step = execution(nxt, now=DUE + timedelta(seconds=1))
    actions = [a.get("functionName") for a in step.new]
    assert REFRESH_TOKEN not in actions  # it sleeps first
    timer, _ = step.new
    assert timer["fireAt"] >= fire_at(DUE + timedelta(minutes=1))


def test_plan_refresh_is_pure_and_bounded():
    state = LifecycleInput(42)
    assert plan_refresh(state, token_state(), T0).at == DUE
    plan = plan_refresh(state, token_state(requested=T0), T0)
    assert plan.forced and plan.at == T0 and plan.request == "2026-11-24T12:00:00Z"
    recently = LifecycleInput(42, last_forced_at="2026-11-24T11:59:30Z")
    assert plan_refresh(recently, token_state(requested=T0), T0).at == T0 + timedelta(seconds=30)
    # a due refresh is never postponed by the forced-refresh limit
    soon = token_state(expires=T0 + timedelta(seconds=MARGIN_S + 10), requested=T0)
    assert plan_refresh(recently, soon, T0).at == T0 + timedelta(seconds=10)


def test_a_stored_request_does_not_cut_short_a_rate_limit_wait():
    """A 429 whose daily window resets at midnight: a stored request still waits for the reset."""
    harness, refresh = refresh_at_due()
    failure = Failure("rate_limited", "429", "2026-11-25T00:00:00Z")
    nxt = continued_input(harness.complete(refresh["id"], refresh_failed(failure)).run())
    later = DUE + timedelta(minutes=5)
    _, step = execution(nxt, token_state(requested=later - timedelta(seconds=1)), later)
    assert REFRESH_TOKEN not in [a.get("functionName") for a in step.new]
    timer, _ = step.new
    assert timer["fireAt"] == fire_at(datetime(2026, 11, 25, 0, 0, 1, tzinfo=timezone.utc))


def test_a_stored_request_does_not_cut_short_a_backoff():
    harness, refresh = refresh_at_due({"athlete_id": 42, "consecutive_failures": 4})
    nxt = continued_input(
        harness.complete(refresh["id"], refresh_failed(Failure("unavailable", "503"))).run()
    )
    later = DUE + timedelta(minutes=1)
    _, step = execution(nxt, token_state(requested=later - timedelta(seconds=1)), later)
    assert REFRESH_TOKEN not in [a.get("functionName") for a in step.new]
    timer, _ = step.new
    assert timer["fireAt"] == fire_at(DUE + timedelta(minutes=8))  # 30 s * 2**(5-1), then it is forced


def test_a_stored_request_skips_the_idle_floor():
    harness, refresh = refresh_at_due()
    step = harness.complete(refresh["id"], refreshed("unchanged", int(EXPIRES.timestamp()))).run()
    nxt = continued_input(step)
    later = DUE + timedelta(seconds=2)
    _, step = execution(nxt, token_state(requested=later - timedelta(seconds=1)), later)
    [refresh] = step.new
    assert refresh["functionName"] == REFRESH_TOKEN and '"force": true' in refresh["input"]
