"""The per-athlete webhook debouncer (``webhook-debounce-<id>``, a singleton that idles between bursts).

Webhook events are hints: each one only says "something changed". The debouncer folds a burst of them
(a new activity, then its title, then its privacy) into one snapshot refresh, once no event has come
for the quiet window (``WEBHOOK_DEBOUNCE_SECONDS``), and at the latest ``WEBHOOK_MAX_DELAY_SECONDS``
after the burst's first event, so a steady stream still refreshes. The refresh re-reads Strava (the
snapshot orchestration); the debouncer only decides when. Every event and every refresh ends the
execution with ``continue_as_new``, so history stays a handful of events; the timers are durable, so
a host crash in the middle of a burst still ends in its refresh.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df

from orchestrations.contract import ATHLETE_CHANGED_EVENT, START_SNAPSHOT_REFRESH, WEBHOOK_DEBOUNCE
from orchestrations.steps import ACTIVITY_RETRY
from timestamps import as_utc, format_utc, parse_utc

bp = df.Blueprint()

BUSY_SNAPSHOT_WAIT = timedelta(seconds=5)  # a snapshot already running may have read Strava too early
MAX_BUSY_WAITS = 24  # two minutes at most; then the schedule is the fallback


@dataclass(frozen=True)
class DebounceState:
    """What one execution hands the next (no user data: events carry ids and kinds only)."""

    athlete_id: int
    debounce_s: int
    max_delay_s: int
    pending_change: bool = False  # an event is in hand that no execution has counted yet
    burst_started_at: str | None = None  # None: idle, waiting for an event
    events: int = 0  # events folded into the current burst
    refreshes: int = 0
    last_refresh_at: str | None = None

    @classmethod
    def parse(cls, raw: Any) -> DebounceState:
        fields = cls.__dataclass_fields__
        return cls(**{key: value for key, value in dict(raw).items() if key in fields})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


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
        "refreshes": state.refreshes,
        "last_refresh_at": state.last_refresh_at,
        **extra,
    }


@bp.orchestration_trigger(context_name="context", orchestration=WEBHOOK_DEBOUNCE)
def webhook_debounce(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    state = DebounceState.parse(context.get_input())
    now = as_utc(context.current_utc_datetime)
    if state.pending_change:
        state = dataclasses.replace(state, pending_change=False, burst_started_at=format_utc(now), events=1)
    if state.burst_started_at is None:
        context.set_custom_status(status(state, "idle"))
        yield context.wait_for_external_event(ATHLETE_CHANGED_EVENT)
        context.continue_as_new(dataclasses.replace(state, pending_change=True).to_dict())
        return None

    started = parse_utc(state.burst_started_at)
    due = refresh_at(now, started, timedelta(seconds=state.debounce_s), timedelta(seconds=state.max_delay_s))
    # One wait for the whole execution: an event that comes after the quiet window completes it, and
    # the SDK gives an event to the wait that was open when it came, not to a later one.
    change = context.wait_for_external_event(ATHLETE_CHANGED_EVENT)
    if due > now:
        context.set_custom_status(status(state, "debouncing", refresh_at=format_utc(due)))
        timer = context.create_timer(due)
        winner = yield context.task_any([timer, change])
        if winner == change:
            timer.cancel()
            context.continue_as_new(dataclasses.replace(state, events=state.events + 1).to_dict())
            return None

    outcome = yield from _refresh(context, state)
    now = as_utc(context.current_utc_datetime)
    refreshed = dataclasses.replace(
        state, burst_started_at=None, events=0, refreshes=state.refreshes + 1, last_refresh_at=format_utc(now)
    )
    # An event that came while the refresh was being started begins the next burst.
    came = change.is_completed
    if not came:
        context.set_custom_status(status(refreshed, "draining", last_refresh=outcome))
        drained = context.create_timer(now)
        came = (yield context.task_any([drained, change])) == change
    next_state = dataclasses.replace(refreshed, pending_change=came)
    context.continue_as_new(next_state.to_dict())
    return None


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
