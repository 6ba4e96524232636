"""The eternal token lifecycle: one instance per athlete (``token-lifecycle-<id>``), the only refresher.

Each execution reads the token's state (expiry and the latest stored refresh request), sleeps on a
durable timer until the next refresh is due, refreshes through the activity, records the outcome in
custom status, and ``continue_as_new`` so history stays bounded. A ``refresh_now`` event is only a
wake-up: the execution starts over and re-reads. Requests are stored (``request_token_refresh``), so
one raised while a refresh runs, and dropped by ``continue_as_new``, is still seen by the next
execution. Forced refreshes run at most once a minute and never before a failure's wait ends; a cycle
that gets no new token waits at least a minute; a revoked refresh token ends the lifecycle; transient
failures back off and never do.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df

from orchestrations.contract import (
    READ_TOKEN_STATE,
    REFRESH_NOW_EVENT,
    REFRESH_TOKEN,
    RefreshRequest,
    RefreshResult,
    TokenState,
    failure_of,
)
from orchestrations.failures import Failure
from orchestrations.steps import TOKEN_RETRY
from orchestrations.timing import (
    backoff,
    forced_refresh_at,
    idle_floor,
    rate_limit_wait,
    refresh_due_at,
)
from timestamps import as_utc, format_utc, from_epoch, parse_utc


@dataclass(frozen=True)
class LifecycleInput:
    """What one execution hands the next through ``continue_as_new`` (no tokens)."""

    athlete_id: int
    consecutive_failures: int = 0
    last_outcome: str | None = None
    last_refresh_at: str | None = None
    last_message: str | None = None
    earliest_refresh_at: str | None = None  # floor after a cycle without a new token (forcing skips it)
    retry_at: str | None = None  # after a failure: its rate-limit reset or backoff (nothing skips it)
    answered_request_at: str | None = None  # the latest stored refresh request already answered
    last_forced_at: str | None = None  # when a forced refresh last went to Strava

    @classmethod
    def parse(cls, raw: Any) -> LifecycleInput:
        data = raw if isinstance(raw, dict) else {"athlete_id": raw}
        return cls(**{key: value for key, value in data.items() if key in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Plan:
    """The next refresh: when, and whether it is forced by a stored request."""

    at: datetime
    forced: bool
    request: str | None  # the stored request it answers


def plan_refresh(state: LifecycleInput, token: TokenState, now: datetime) -> Plan:
    """When to refresh next (pure): ``margin`` before expiry, never before the floor or a failure's
    wait; a stored request newer than the last answered one forces a refresh, at most one a minute,
    that skips the floor but never a failure's wait."""
    expires_at = from_epoch(token["expires_at"] or 0)
    margin = timedelta(seconds=token["refresh_margin_s"])
    retry_at = _parse(state.retry_at)
    floors = [moment for moment in (_parse(state.earliest_refresh_at), retry_at) if moment is not None]
    due = refresh_due_at(expires_at, margin, max(floors, default=None))
    requested = token.get("refresh_requested_at")
    answered = _parse(state.answered_request_at)
    if requested and (answered is None or parse_utc(requested) > answered):
        forced_at = forced_refresh_at(_parse(state.last_forced_at), now)
        return Plan(min(due, max(forced_at, retry_at or forced_at)), True, requested)
    return Plan(due, False, None)


def status(state: LifecycleInput, phase: str, **extra: Any) -> dict[str, Any]:
    """The custom status shown by the status endpoint: a diagnosis, never a token."""
    return {
        "phase": phase,
        "athlete_id": state.athlete_id,
        "last_outcome": state.last_outcome,
        "last_refresh_at": state.last_refresh_at,
        "consecutive_failures": state.consecutive_failures,
        **extra,
    }


def orchestrate(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    state = LifecycleInput.parse(context.get_input())
    try:
        token: TokenState = yield context.call_activity_with_retry(
            READ_TOKEN_STATE, TOKEN_RETRY, state.athlete_id
        )
    except Exception:  # storage unreachable after retries: transient, never the end
        yield from _back_off_reading(context, state)
        return None
    if token["status"] != "active":
        context.set_custom_status(status(state, "ended", reason=token["status"]))
        return {"athlete_id": state.athlete_id, "ended": token["status"]}

    now = as_utc(context.current_utc_datetime)
    expires_at = from_epoch(token["expires_at"] or 0)
    plan = plan_refresh(state, token, now)
    if plan.at > now:
        phase = "backing_off" if state.consecutive_failures else "sleeping"
        extra = {"message": state.last_message} if state.consecutive_failures else {}
        context.set_custom_status(
            status(
                state, phase, expires_at=format_utc(expires_at), next_refresh_at=format_utc(plan.at), **extra
            )
        )
        if (yield from _wait(context, plan.at)):  # woken: start over and re-read
            context.continue_as_new(state.to_dict())
            return None

    context.set_custom_status(status(state, "refreshing", expires_at=format_utc(expires_at)))
    request: RefreshRequest = {"athlete_id": state.athlete_id, "force": plan.forced}
    try:
        result: RefreshResult = yield context.call_activity_with_retry(REFRESH_TOKEN, TOKEN_RETRY, request)
    except Exception:  # retries exhausted on an unexpected error: treat as transient
        result = {"outcome": "failed", "expires_at": None, "failure": None}
    now = as_utc(context.current_utc_datetime)
    if plan.forced:
        state = replace(state, last_forced_at=format_utc(now))
    failure = failure_of(result) or (
        Failure("unavailable", "refresh activity failed") if result["outcome"] == "failed" else None
    )
    if failure is None:
        context.continue_as_new(_after_success(state, result, token, now, plan).to_dict())
        return None
    if failure.policy.ends_lifecycle:
        ended = replace(state, consecutive_failures=state.consecutive_failures + 1)
        ended = replace(ended, last_outcome=f"failed: {failure.kind}")
        context.set_custom_status(status(ended, "ended", reason=failure.kind, message=failure.message))
        return {"athlete_id": state.athlete_id, "ended": failure.kind}
    context.continue_as_new(_after_failure(state, failure, expires_at, now).to_dict())
    return None


def _after_success(
    state: LifecycleInput, result: RefreshResult, token: TokenState, now: datetime, plan: Plan
) -> LifecycleInput:
    outcome = result["outcome"]
    expires_at = from_epoch(result["expires_at"] or token["expires_at"] or 0)
    margin = timedelta(seconds=token["refresh_margin_s"])
    got_new_token = outcome == "refreshed"
    return LifecycleInput(
        athlete_id=state.athlete_id,
        last_outcome=outcome,
        last_refresh_at=format_utc(now) if outcome != "still_fresh" else state.last_refresh_at,
        # no new token (the same one back, or the store already fresh while this clock said due):
        # a floor, so a skewed clock or a stubborn Strava cannot make it spin
        earliest_refresh_at=None if got_new_token else format_utc(idle_floor(now, margin, expires_at)),
        answered_request_at=plan.request or state.answered_request_at,
        last_forced_at=state.last_forced_at,
    )


def _after_failure(
    state: LifecycleInput, failure: Failure, expires_at: datetime, now: datetime
) -> LifecycleInput:
    """Try again later: a rate limit after its window resets, anything else with growing backoff."""
    failures = state.consecutive_failures + (failure.kind != "rate_limited")
    if failure.kind == "rate_limited":
        retry_at = rate_limit_wait(failure.retry_at, now)
    else:
        retry_at = backoff(failures, expires_at, now)
    return replace(
        state,
        consecutive_failures=failures,
        last_outcome=f"failed: {failure.kind}",
        last_message=failure.message,
        retry_at=format_utc(retry_at),
    )


def _wait(context: df.DurableOrchestrationContext, until: datetime) -> Generator[Any, Any, bool]:
    """Sleep on a durable timer until ``until``, or until a ``refresh_now`` event; True if woken."""
    timer = context.create_timer(until)
    wake = context.wait_for_external_event(REFRESH_NOW_EVENT)
    winner = yield context.task_any([timer, wake])
    if winner != wake:
        return False
    if not timer.is_completed:
        timer.cancel()
    return True


def _back_off_reading(
    context: df.DurableOrchestrationContext, state: LifecycleInput
) -> Generator[Any, Any, None]:
    """The token state could not be read: wait with growing backoff (a wake-up ends the wait), then
    start over."""
    now = as_utc(context.current_utc_datetime)
    failed = replace(
        state,
        consecutive_failures=state.consecutive_failures + 1,
        last_outcome="failed: unavailable",
        last_message="storage: token state could not be read",
    )
    retry_at = backoff(failed.consecutive_failures, None, now)
    context.set_custom_status(
        status(failed, "backing_off", next_refresh_at=format_utc(retry_at), message=failed.last_message)
    )
    yield from _wait(context, retry_at)
    context.continue_as_new(failed.to_dict())


def _parse(moment: str | None) -> datetime | None:
    return parse_utc(moment) if moment else None
