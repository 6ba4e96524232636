"""The per-athlete webhook debouncer (``webhook-debounce-<id>``, a singleton that idles between bursts).

Webhook events are unsigned hints: each one only says "something changed, look again". The debouncer
folds a burst of them into one refresh, once no event has come for the quiet window
(``WEBHOOK_DEBOUNCE_SECONDS``), and at the latest ``WEBHOOK_MAX_DELAY_SECONDS`` after the burst's first
event, so a steady stream still refreshes.

An ``update`` or ``delete`` names an activity that may have to leave (or change in) the store. Those ids
are a bounded set in the state (``MAX_PENDING_IDS``): at the refresh each one is read from Strava at
low priority (one call each, reserved in the shared budget; only Strava's answer deletes or hides).
Beyond the cap, or when the budget says no, the ids give way to one re-scan of the history (the
history sync, low priority, a page per 200 activities) instead of a read per id, so whatever arrives
costs a bounded number of calls. Then the snapshot refresh re-reads stats and the newest page.

One execution folds up to ``MAX_EVENTS_PER_EXECUTION`` events and one refresh, then ends with
``continue_as_new``, so history stays bounded; the timers are durable, so a host crash in the middle of
a burst still ends in its refresh. Events that come while a refresh is being made are folded into the
next burst.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df

from orchestrations.contract import (
    ATHLETE_CHANGED_EVENT,
    START_SNAPSHOT_REFRESH,
    VERIFY_ACTIVITIES,
    FetchResult,
    failure_of,
)
from orchestrations.history_contract import (
    RESERVE_BUDGET,
    START_HISTORY_SYNC,
    BudgetDecision,
    BudgetRequest,
    HistoryStart,
)
from orchestrations.steps import ACTIVITY_RETRY
from timestamps import as_utc, format_utc, parse_utc

BUSY_SNAPSHOT_WAIT = timedelta(seconds=5)  # a snapshot already running may have read Strava too early
MAX_BUSY_WAITS = 24  # two minutes at most; then the schedule is the fallback
MAX_PENDING_IDS = 8  # activity reads per burst, at most; beyond: one history re-scan
MAX_EVENTS_PER_EXECUTION = 32  # then continue_as_new (bounded history)


@dataclass(frozen=True)
class DebounceState:
    """What one execution hands the next (no user data: events carry ids and kinds only).

    ``pending_change`` is only read: the previous design's executions handed on an event in hand that
    way (it still starts a burst)."""

    athlete_id: int
    debounce_s: int
    max_delay_s: int
    pending_change: bool = False
    burst_started_at: str | None = None  # None: idle, waiting for an event
    events: int = 0  # events folded into the current burst
    refreshes: int = 0
    last_refresh_at: str | None = None
    pending_ids: tuple[int, ...] = ()  # activities to read at the refresh (sorted, at most the cap)
    overflow: bool = False  # more ids came than the cap: the refresh re-scans instead
    rescans: int = 0  # re-scans started instead of reads

    @classmethod
    def parse(cls, raw: Any) -> DebounceState:
        fields = cls.__dataclass_fields__
        data = {key: value for key, value in dict(raw).items() if key in fields}
        data["pending_ids"] = tuple(int(item) for item in data.get("pending_ids") or ())
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["pending_ids"] = list(self.pending_ids)
        return data


def changed_activity(hint: Any) -> int | None:
    """The activity an event says was edited or deleted (which only a read from Strava confirms);
    None for a ``create`` (the snapshot's page of newest activities brings it) or an athlete event.

    The SDK's ``raise_event`` encodes the payload twice, so the hint arrives as JSON text."""
    if isinstance(hint, str):
        try:
            hint = json.loads(hint)
        except ValueError:
            return None
    if not isinstance(hint, dict) or hint.get("object_type") != "activity":
        return None
    activity_id = hint.get("object_id")
    if hint.get("aspect_type") not in ("update", "delete") or type(activity_id) is not int:
        return None
    return activity_id if activity_id > 0 else None


def fold(state: DebounceState, hint: Any, now: datetime) -> DebounceState:
    """``state`` with one more event of the burst (which begins at ``now`` if idle)."""
    ids, overflow = state.pending_ids, state.overflow
    activity_id = changed_activity(hint)
    if activity_id is not None and not overflow and activity_id not in ids:
        if len(ids) >= MAX_PENDING_IDS:
            ids, overflow = (), True
        else:
            ids = tuple(sorted((*ids, activity_id)))
    return dataclasses.replace(
        state,
        pending_change=False,
        burst_started_at=state.burst_started_at or format_utc(now),
        events=state.events + 1,
        pending_ids=ids,
        overflow=overflow,
    )


def refresh_at(now: datetime, burst_started: datetime, debounce: timedelta, max_delay: timedelta) -> datetime:
    """When to refresh if nothing else arrives: after the quiet window, but never later than
    ``max_delay`` after the burst began (and never before ``now``)."""
    return max(now, min(now + debounce, burst_started + max_delay))


def status(state: DebounceState, phase: str, **extra: Any) -> dict[str, Any]:
    return {
        "phase": phase,
        "athlete_id": state.athlete_id,
        "events": state.events,
        "burst_started_at": state.burst_started_at,
        "pending_ids": len(state.pending_ids),
        "overflow": state.overflow,
        "refreshes": state.refreshes,
        "rescans": state.rescans,
        "last_refresh_at": state.last_refresh_at,
        **extra,
    }


def orchestrate(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    state = DebounceState.parse(context.get_input())
    now = as_utc(context.current_utc_datetime)
    if state.pending_change:  # the previous design's event in hand (its kind was not kept)
        state = fold(dataclasses.replace(state, events=0), None, now)
    # One wait open at a time: the SDK gives an event to the wait that was open when it came, so a new
    # wait is made only once the previous one has its event.
    change = context.wait_for_external_event(ATHLETE_CHANGED_EVENT)
    if state.burst_started_at is None:
        context.set_custom_status(status(state, "idle"))
        hint = yield change
        state = fold(state, hint, as_utc(context.current_utc_datetime))
        change = context.wait_for_external_event(ATHLETE_CHANGED_EVENT)

    received = 0
    while True:
        now = as_utc(context.current_utc_datetime)
        started = parse_utc(state.burst_started_at or format_utc(now))
        due = refresh_at(
            now, started, timedelta(seconds=state.debounce_s), timedelta(seconds=state.max_delay_s)
        )
        if due <= now:
            break
        if received >= MAX_EVENTS_PER_EXECUTION:
            state = yield from _drain(context, state, change, now)
            context.continue_as_new(state.to_dict())
            return None
        context.set_custom_status(status(state, "debouncing", refresh_at=format_utc(due)))
        timer = context.create_timer(due)
        winner = yield context.task_any([timer, change])
        if winner != change:
            break
        timer.cancel()
        state = fold(state, change.result, as_utc(context.current_utc_datetime))
        received += 1
        change = context.wait_for_external_event(ATHLETE_CHANGED_EVENT)

    checked = yield from _check(context, state)
    outcome = yield from _refresh(context, state)
    now = as_utc(context.current_utc_datetime)
    refreshed = dataclasses.replace(
        state,
        burst_started_at=None,
        events=0,
        pending_ids=(),
        overflow=False,
        refreshes=state.refreshes + 1,
        rescans=state.rescans + (checked == "rescan"),
        last_refresh_at=format_utc(now),
    )
    context.set_custom_status(status(refreshed, "draining", last_refresh=outcome, checked=checked))
    # Events that came while the refresh was being made begin the next burst.
    refreshed = yield from _drain(context, refreshed, change, now)
    context.continue_as_new(refreshed.to_dict())
    return None


def _drain(
    context: df.DurableOrchestrationContext, state: DebounceState, change: Any, now: datetime
) -> Generator[Any, Any, DebounceState]:
    """Fold the event that came while the refresh was made (a timer due now ends the wait for one).

    An event that comes while no wait is open is kept by the SDK and handed to every later wait of
    this execution, so further ones cannot be told apart: if another is there, their ids are unknown
    and the next burst re-scans instead."""
    if not change.is_completed:
        drained = context.create_timer(now)
        if (yield context.task_any([drained, change])) != change:
            return state
    state = fold(state, change.result, as_utc(context.current_utc_datetime))
    more = context.wait_for_external_event(ATHLETE_CHANGED_EVENT)
    drained = context.create_timer(now)
    if (yield context.task_any([drained, more])) == more:
        state = dataclasses.replace(fold(state, more.result, now), pending_ids=(), overflow=True)
    return state


def _check(context: df.DurableOrchestrationContext, state: DebounceState) -> Generator[Any, Any, str]:
    """Ask Strava about the activities the burst named: one low-priority read each when the budget
    grants them all at once, else (or beyond the cap) one history re-scan. ``read``, ``rescan``,
    ``none`` or ``failed`` (the weekly re-scan is the fallback)."""
    if not state.overflow and not state.pending_ids:
        return "none"
    athlete_id = state.athlete_id
    if not state.overflow:
        request: BudgetRequest = {
            "calls": len(state.pending_ids),
            "priority": "low",
            "work": f"webhook checks of athlete {athlete_id}",
            "athlete_id": athlete_id,
        }
        context.set_custom_status(status(state, "checking"))
        try:
            decision: BudgetDecision = yield context.call_activity_with_retry(
                RESERVE_BUDGET, ACTIVITY_RETRY, request
            )
            granted = decision["granted"]
            if granted:
                ids = {"athlete_id": athlete_id, "activity_ids": list(state.pending_ids)}
                result: FetchResult = yield context.call_activity_with_retry(
                    VERIFY_ACTIVITIES, ACTIVITY_RETRY, ids
                )
                granted = failure_of(result) is None
        except Exception:  # storage kept failing: the re-scan below still checks them
            granted = False
        if granted:
            return "read"
    start: HistoryStart = {"athlete_id": athlete_id, "mode": "rescan"}
    try:
        yield context.call_activity_with_retry(START_HISTORY_SYNC, ACTIVITY_RETRY, start)
    except Exception:
        return "failed"
    return "rescan"


def _refresh(
    context: df.DurableOrchestrationContext, state: DebounceState
) -> Generator[Any, Any, dict[str, Any]]:
    """Start a snapshot run. One already running may have read Strava before these events, so wait
    for it to finish and start a fresh one (bounded)."""
    result: dict[str, Any] = {}
    for _ in range(MAX_BUSY_WAITS):
        context.set_custom_status(status(state, "refreshing"))
        try:
            result = yield context.call_activity_with_retry(
                START_SNAPSHOT_REFRESH, ACTIVITY_RETRY, state.athlete_id
            )
        except Exception:  # the durable client or storage kept failing: the schedule is the fallback
            return {"outcome": "failed"}
        if result.get("outcome") != "busy":
            return result
        wait_until = as_utc(context.current_utc_datetime) + BUSY_SNAPSHOT_WAIT
        context.set_custom_status(status(state, "waiting_for_snapshot", until=format_utc(wait_until)))
        yield context.create_timer(wait_until)
    return result
