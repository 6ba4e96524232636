"""The webhook debouncer, replayed through the SDK with host-shaped histories."""

import json
import warnings
from datetime import datetime, timedelta, timezone
from typing import Any

from orchestrations.contract import (
    ATHLETE_CHANGED_EVENT,
    START_SNAPSHOT_REFRESH,
    VERIFY_ACTIVITIES,
    fetched,
)
from orchestrations.functions import webhook_debounce
from orchestrations.history_contract import RESERVE_BUDGET, START_HISTORY_SYNC
from orchestrations.webhook_debounce import (
    BUSY_SNAPSHOT_WAIT,
    MAX_EVENTS_PER_EXECUTION,
    MAX_PENDING_IDS,
    DebounceState,
    changed_activity,
    fold,
    refresh_at,
)
from starters import scheduled_refresh
from tests.orchestrations.harness import Harness, Step

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
IDLE = DebounceState(athlete_id=42, debounce_s=30, max_delay_s=45)
FIRST_EVENT = fold(IDLE, {"object_type": "activity", "aspect_type": "create", "object_id": 5}, T0).to_dict()
LEGACY_FIRST_EVENT = {"athlete_id": 42, "debounce_s": 30, "max_delay_s": 45, "pending_change": True}
STARTED: Any = {"outcome": "started", "instance_id": "s"}  # start_snapshot_refresh's answers
BUSY: Any = {"outcome": "busy", "instance_id": "s"}
HINT = {"object_type": "activity", "aspect_type": "update", "object_id": 7}
GRANTED: Any = {"granted": True, "until": None, "reason": ""}
REFUSED: Any = {"granted": False, "until": "2026-11-24T12:15:00Z", "reason": "read 15min full"}


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


def test_an_update_or_delete_names_an_activity_to_check_a_create_or_junk_does_not():
    assert changed_activity(HINT) == 7
    assert changed_activity({**HINT, "aspect_type": "delete"}) == 7
    assert changed_activity({**HINT, "aspect_type": "create"}) is None
    assert changed_activity({**HINT, "object_type": "athlete"}) is None
    assert changed_activity({**HINT, "object_id": "7"}) is None
    assert changed_activity({**HINT, "object_id": True}) is None
    assert changed_activity(None) is None
    assert changed_activity(json.dumps(HINT)) == 7  # as the SDK's raise_event delivers it
    assert changed_activity("{not json") is None


def test_pending_ids_are_a_bounded_set_beyond_the_cap_one_rescan():
    state = IDLE
    for activity_id in [3, 1, 3, 2]:
        state = fold(state, {**HINT, "object_id": activity_id}, T0)
    assert (state.pending_ids, state.events, state.overflow, state.burst_started_at) == (
        (1, 2, 3),
        4,
        False,
        "2026-11-24T12:00:00Z",
    )
    for activity_id in range(100, 100 + MAX_PENDING_IDS):
        state = fold(state, {**HINT, "object_id": activity_id}, T0)
    assert state.overflow and state.pending_ids == ()
    assert fold(state, {**HINT, "object_id": 9}, T0).pending_ids == ()  # stays a re-scan
    assert DebounceState.parse(state.to_dict()) == state
    legacy = DebounceState.parse({**LEGACY_FIRST_EVENT, "events": 3, "old_field": 1})
    assert (legacy.pending_ids, legacy.overflow, legacy.pending_change) == ((), False, True)


def test_an_event_during_the_quiet_window_restarts_it_within_the_same_execution():
    harness = Harness(webhook_debounce, FIRST_EVENT, T0)
    step = harness.run()
    timer, wait = step.new
    assert timer["fireAt"] == fire_at(T0 + timedelta(seconds=30))
    assert wait["externalEventName"] == ATHLETE_CHANGED_EVENT
    assert step.custom_status["phase"] == "debouncing"

    step = harness.at(T0 + timedelta(seconds=10)).raise_event(ATHLETE_CHANGED_EVENT, HINT).run()
    assert not step.done
    later = [action for action in step.new if action["actionType"] == 5]
    assert [action["fireAt"] for action in later] == [fire_at(T0 + timedelta(seconds=40))]
    assert (step.custom_status["events"], step.custom_status["pending_ids"]) == (2, 1)
    step = harness.at(T0 + timedelta(seconds=30)).raise_event(ATHLETE_CHANGED_EVENT, HINT).run()
    bounded = [action for action in step.new if action["actionType"] == 5]
    assert [action["fireAt"] for action in bounded] == [fire_at(T0 + timedelta(seconds=45))]  # max delay


def test_a_legacy_input_with_an_event_in_hand_still_starts_a_burst():
    step = Harness(webhook_debounce, LEGACY_FIRST_EVENT, T0).run()
    timer, _ = step.new
    assert timer["fireAt"] == fire_at(T0 + timedelta(seconds=30))
    assert step.custom_status["events"] == 1


def test_a_quiet_window_without_ids_ends_in_one_refresh_then_idles():
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
    assert (state["burst_started_at"], state["refreshes"], state["pending_ids"]) == (None, 1, [])

    idle = Harness(webhook_debounce, state, due)
    step = idle.run()
    [wait] = step.new
    assert wait["actionType"] == 6 and step.custom_status["phase"] == "idle"
    step = idle.at(due + timedelta(hours=3)).raise_event(ATHLETE_CHANGED_EVENT, HINT).run()
    assert not step.done and step.custom_status["phase"] == "debouncing"
    assert step.custom_status["pending_ids"] == 1


def test_named_activities_are_read_at_low_priority_before_the_refresh():
    state = fold(fold(IDLE, HINT, T0), {**HINT, "object_id": 3, "aspect_type": "delete"}, T0)
    harness = Harness(webhook_debounce, state.to_dict(), T0)
    timer, _ = harness.run().new
    due = T0 + timedelta(seconds=30)
    [reserve] = harness.at(due).fire(timer["id"], timer["fireAt"]).run().new
    assert reserve["functionName"] == RESERVE_BUDGET
    request = json.loads(reserve["input"])
    assert (request["calls"], request["priority"], request["athlete_id"]) == (2, "low", 42)
    [verify] = harness.complete(reserve["id"], GRANTED).run().new
    assert verify["functionName"] == VERIFY_ACTIVITIES
    assert json.loads(verify["input"]) == {"athlete_id": 42, "activity_ids": [3, 7]}
    [refresh] = harness.complete(verify["id"], fetched({"stored": 0, "removed": 1})).run().new
    assert refresh["functionName"] == START_SNAPSHOT_REFRESH


def test_a_refused_budget_or_too_many_ids_become_one_history_rescan():
    refused = Harness(webhook_debounce, fold(IDLE, HINT, T0).to_dict(), T0)
    timer, _ = refused.run().new
    due = T0 + timedelta(seconds=30)
    [reserve] = refused.at(due).fire(timer["id"], timer["fireAt"]).run().new
    [rescan] = refused.complete(reserve["id"], REFUSED).run().new
    assert rescan["functionName"] == START_HISTORY_SYNC
    assert json.loads(rescan["input"]) == {"athlete_id": 42, "mode": "rescan"}

    state = IDLE
    for activity_id in range(1, MAX_PENDING_IDS + 2):
        state = fold(state, {**HINT, "object_id": activity_id}, T0)
    flood = Harness(webhook_debounce, state.to_dict(), T0)
    timer, _ = flood.run().new
    [rescan] = flood.at(due).fire(timer["id"], timer["fireAt"]).run().new
    assert rescan["functionName"] == START_HISTORY_SYNC  # one call for the lot, not a read per id
    [refresh] = flood.complete(rescan["id"], {"started": True}).run().new
    assert refresh["functionName"] == START_SNAPSHOT_REFRESH
    step = flood.complete(refresh["id"], STARTED).run()
    [drain] = [action for action in step.new if action["actionType"] == 5]
    state_after = continued_input(flood.fire(drain["id"], drain["fireAt"]).run())
    assert (state_after["rescans"], state_after["overflow"]) == (1, False)


def test_events_that_came_while_the_refresh_was_made_begin_the_next_burst_with_their_ids():
    harness = Harness(webhook_debounce, FIRST_EVENT, T0)
    timer, _ = harness.run().new
    due = T0 + timedelta(seconds=30)
    [refresh] = harness.at(due).fire(timer["id"], timer["fireAt"]).run().new
    harness.at(due).raise_event(ATHLETE_CHANGED_EVENT, HINT)  # arrives while the activity runs
    harness.raise_event(ATHLETE_CHANGED_EVENT, {**HINT, "object_id": 8})  # and another: kept too
    with warnings.catch_warnings():  # the SDK warns when it keeps an event nobody waits for yet
        warnings.simplefilter("ignore", UserWarning)
        state = continued_input(harness.complete(refresh["id"], STARTED).run())  # no wait for a timer
    # the SDK hands the second to every later wait: the ids are not known one by one, so a re-scan
    assert (state["pending_ids"], state["overflow"], state["events"], state["refreshes"]) == ([], True, 2, 1)
    assert state["burst_started_at"] == "2026-11-24T12:00:30Z"


def test_one_event_during_the_refresh_is_checked_by_id_in_the_next_burst():
    harness = Harness(webhook_debounce, FIRST_EVENT, T0)
    timer, _ = harness.run().new
    due = T0 + timedelta(seconds=30)
    [refresh] = harness.at(due).fire(timer["id"], timer["fireAt"]).run().new
    harness.at(due).raise_event(ATHLETE_CHANGED_EVENT, HINT)
    step = harness.complete(refresh["id"], STARTED).run()
    [drain] = [action for action in step.new if action["actionType"] == 5]
    state = continued_input(harness.fire(drain["id"], drain["fireAt"]).run())
    assert (state["pending_ids"], state["overflow"], state["events"]) == ([7], False, 1)


def test_two_events_in_one_episode_while_debouncing_are_both_folded():
    harness = Harness(webhook_debounce, FIRST_EVENT, T0)
    harness.run()
    harness.at(T0 + timedelta(seconds=1)).raise_event(ATHLETE_CHANGED_EVENT, HINT)
    step = harness.raise_event(ATHLETE_CHANGED_EVENT, {**HINT, "object_id": 8}).run()
    assert not step.done
    assert (step.custom_status["events"], step.custom_status["pending_ids"]) == (3, 2)


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


def test_a_long_burst_continues_as_new_so_history_stays_bounded():
    harness = Harness(webhook_debounce, FIRST_EVENT, T0)
    harness.run()
    for n in range(MAX_EVENTS_PER_EXECUTION):
        step = (
            harness.at(T0 + timedelta(seconds=n % 10))
            .raise_event(ATHLETE_CHANGED_EVENT, {**HINT, "object_id": n + 1})
            .run()
        )
    [drain] = [action for action in step.new if action["actionType"] == 5]
    state = continued_input(harness.fire(drain["id"], drain["fireAt"]).run())
    assert state["events"] == MAX_EVENTS_PER_EXECUTION + 1 and state["overflow"] is True


def test_the_refresh_a_debouncing_debouncer_has_scheduled():
    debouncing = {"phase": "debouncing", "refresh_at": "2026-11-24T12:00:30Z"}
    assert scheduled_refresh(debouncing) == T0 + timedelta(seconds=30)
    assert scheduled_refresh({**debouncing, "phase": "refreshing"}) is None
    assert scheduled_refresh({"phase": "debouncing"}) is None
    assert scheduled_refresh({"phase": "debouncing", "refresh_at": "soon"}) is None
    assert scheduled_refresh({"phase": "debouncing", "refresh_at": "2026-11-24T12:00:30"}) is None
    assert scheduled_refresh(None) is None
