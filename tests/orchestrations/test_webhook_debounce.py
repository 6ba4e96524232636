"""The webhook debouncer, replayed through the SDK with host-shaped histories."""

import json
import warnings
from datetime import datetime, timedelta, timezone
from typing import Any

from orchestrations.contract import ATHLETE_CHANGED_EVENT, START_SNAPSHOT_REFRESH
from orchestrations.webhook_debounce import BUSY_SNAPSHOT_WAIT, refresh_at, webhook_debounce
from starters import scheduled_refresh
from tests.orchestrations.harness import Harness, Step

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
FIRST_EVENT = {"athlete_id": 42, "debounce_s": 30, "max_delay_s": 45, "pending_change": True}
STARTED: Any = {"outcome": "started", "instance_id": "s"}  # start_snapshot_refresh's answers
BUSY: Any = {"outcome": "busy", "instance_id": "s"}
HINT = {"object_type": "activity", "aspect_type": "update", "object_id": 7}


def fire_at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def continued_input(step: Step) -> dict[str, Any]:
    [continued] = [action for action in step.new if action["actionType"] == 4]  # ContinueAsNew
    assert step.done
    state: dict[str, Any] = json.loads(continued["input"])
    return state


def test_refresh_at_waits_for_quiet_but_not_beyond_the_max_delay():
    quiet, bound = timedelta(seconds=30), timedelta(seconds=45)
    assert refresh_at(T0, T0, quiet, bound) == T0 + quiet
    assert refresh_at(T0 + timedelta(seconds=20), T0, quiet, bound) == T0 + bound
    assert refresh_at(T0 + timedelta(seconds=50), T0, quiet, bound) == T0 + timedelta(seconds=50)
    assert refresh_at(T0, T0, timedelta(0), bound) == T0


def test_an_event_during_the_quiet_window_restarts_it_within_the_same_burst():
    harness = Harness(webhook_debounce, FIRST_EVENT, T0)
    step = harness.run()
    timer, wait = step.new
    assert timer["fireAt"] == fire_at(T0 + timedelta(seconds=30))
    assert wait["externalEventName"] == ATHLETE_CHANGED_EVENT
    assert step.custom_status["phase"] == "debouncing"

    step = harness.at(T0 + timedelta(seconds=10)).raise_event(ATHLETE_CHANGED_EVENT, HINT).run()
    state = continued_input(step)
    assert (state["burst_started_at"], state["events"], state["pending_change"]) == (
        "2026-11-24T12:00:00Z",
        2,
        False,
    )

    later = Harness(webhook_debounce, state, T0 + timedelta(seconds=10))
    timer, _ = later.run().new
    assert timer["fireAt"] == fire_at(T0 + timedelta(seconds=40))  # 10 s + 30 s quiet
    bounded = Harness(webhook_debounce, state, T0 + timedelta(seconds=30))
    timer, _ = bounded.run().new
    assert timer["fireAt"] == fire_at(T0 + timedelta(seconds=45))  # the max delay wins


def test_a_quiet_window_ends_in_one_refresh_then_idles():
    harness = Harness(webhook_debounce, FIRST_EVENT, T0)
    timer, _ = harness.run().new
    due = T0 + timedelta(seconds=30)
    step = harness.at(due).fire(timer["id"], timer["fireAt"]).run()
    [refresh] = step.new
    assert refresh["functionName"] == START_SNAPSHOT_REFRESH and json.loads(refresh["input"]) == 42

    step = harness.at(due).complete(refresh["id"], STARTED).run()
    [drain] = [action for action in step.new if action["actionType"] == 5]
    assert drain["fireAt"] == fire_at(due) and step.custom_status["phase"] == "draining"
    step = harness.at(due).fire(drain["id"], drain["fireAt"]).run()
    state = continued_input(step)
    assert (state["burst_started_at"], state["refreshes"], state["pending_change"]) == (None, 1, False)

    idle = Harness(webhook_debounce, state, due)
    step = idle.run()
    [wait] = step.new
    assert wait["actionType"] == 6 and step.custom_status["phase"] == "idle"
    step = idle.at(due + timedelta(hours=3)).raise_event(ATHLETE_CHANGED_EVENT, HINT).run()
    assert continued_input(step)["pending_change"] is True


def test_an_event_that_came_while_the_refresh_started_begins_the_next_burst():
    harness = Harness(webhook_debounce, FIRST_EVENT, T0)
    timer, _ = harness.run().new
    due = T0 + timedelta(seconds=30)
    [refresh] = harness.at(due).fire(timer["id"], timer["fireAt"]).run().new
    harness.at(due).raise_event(ATHLETE_CHANGED_EVENT, HINT)  # arrives while the activity runs
    step = harness.complete(refresh["id"], STARTED).run()
    state = continued_input(step)
    assert (state["pending_change"], state["refreshes"]) == (True, 1)


def test_a_snapshot_already_running_is_waited_for_then_a_fresh_one_started():
    harness = Harness(webhook_debounce, FIRST_EVENT, T0)
    timer, _ = harness.run().new
    due = T0 + timedelta(seconds=30)
    [refresh] = harness.at(due).fire(timer["id"], timer["fireAt"]).run().new
    step = harness.at(due).complete(refresh["id"], BUSY).run()
    [wait] = step.new
    assert wait["fireAt"] == fire_at(due + BUSY_SNAPSHOT_WAIT)
    assert step.custom_status["phase"] == "waiting_for_snapshot"
    step = harness.at(due + BUSY_SNAPSHOT_WAIT).fire(wait["id"], wait["fireAt"]).run()
    [again] = step.new
    assert again["functionName"] == START_SNAPSHOT_REFRESH


def test_with_no_quiet_window_an_event_during_the_refresh_still_begins_the_next_burst():
    harness = Harness(webhook_debounce, {**FIRST_EVENT, "debounce_s": 0}, T0)
    [refresh] = harness.run().new
    assert refresh["functionName"] == START_SNAPSHOT_REFRESH
    harness.at(T0 + timedelta(seconds=1)).raise_event(ATHLETE_CHANGED_EVENT, HINT)
    with warnings.catch_warnings():  # the SDK warns when it keeps an event nobody waits for yet
        warnings.simplefilter("ignore", UserWarning)
        step = harness.complete(refresh["id"], STARTED).run()
    assert continued_input(step)["pending_change"] is True


def test_the_refresh_a_debouncing_debouncer_has_scheduled():
    debouncing = {"phase": "debouncing", "refresh_at": "2026-11-24T12:00:30Z"}
    assert scheduled_refresh(debouncing) == T0 + timedelta(seconds=30)
    assert scheduled_refresh({**debouncing, "phase": "refreshing"}) is None
    assert scheduled_refresh({"phase": "debouncing"}) is None
    assert scheduled_refresh({"phase": "debouncing", "refresh_at": "soon"}) is None
    assert scheduled_refresh({"phase": "debouncing", "refresh_at": "2026-11-24T12:00:30"}) is None
    assert scheduled_refresh(None) is None
