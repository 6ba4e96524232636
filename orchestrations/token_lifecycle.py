"""The eternal token lifecycle: one instance per athlete (``token-lifecycle-<id>``), the only refresher.

Each execution: read the token's expiry, sleep on a durable timer until ``expires_at - margin`` (or until
a ``refresh_now`` event wakes it: ``{"reason": "unauthorized"}`` forces a refresh at Strava, any other
reason just re-reads the stored token, e.g. after a re-authorization), refresh through the activity,
record the outcome in custom status, and ``continue_as_new`` so history stays bounded. A revoked refresh
token ends it; transient failures never do: they back off and try again.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Generator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df

from orchestrations.contract import (
    READ_TOKEN_STATE,
    REFRESH_NOW_EVENT,
    REFRESH_TOKEN,
    TOKEN_LIFECYCLE,
    TRANSIENT_FAILURES,
    Failure,
    failure_of,
)
from orchestrations.timing import backoff, from_epoch, iso, normalized, rate_limit_wait, refresh_due_at

bp = df.Blueprint()

ACTIVITY_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5_000, max_number_of_attempts=3)
ENDING_FAILURES = frozenset({"reauthorization_required", "not_connected"})


@dataclass(frozen=True)
class LifecycleInput:
    """What one execution hands the next through ``continue_as_new`` (no tokens)."""

    athlete_id: int
    consecutive_failures: int = 0
    last_outcome: str | None = None
    last_refresh_at: str | None = None
    earliest_refresh_at: str | None = None  # set when Strava gave back the same token
    force_pending: bool = False  # a fetch met a rejected token while this lifecycle was busy

    @classmethod
    def parse(cls, raw: Any) -> LifecycleInput:
        data = raw if isinstance(raw, dict) else {"athlete_id": raw}
        return cls(**{key: value for key, value in data.items() if key in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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


@bp.orchestration_trigger(context_name="context", orchestration=TOKEN_LIFECYCLE)
def token_lifecycle(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    state = LifecycleInput.parse(context.get_input())
    try:
        token = yield context.call_activity_with_retry(READ_TOKEN_STATE, ACTIVITY_RETRY, state.athlete_id)
    except Exception:  # storage unreachable after retries: transient, never the end
        yield from _back_off(context, state, "storage: token state could not be read", None)
        return None
    if token["status"] != "active":
        context.set_custom_status(status(state, "ended", reason=token["status"]))
        return {"athlete_id": state.athlete_id, "ended": token["status"]}

    now = normalized(context.current_utc_datetime)
    expires_at = from_epoch(token["expires_at"])
    margin = timedelta(seconds=token["refresh_margin_s"])
    due = refresh_due_at(expires_at, margin, now, _parse(state.earliest_refresh_at))
    forced = state.force_pending
    if due > now and not forced:
        context.set_custom_status(
            status(state, "sleeping", expires_at=iso(expires_at), next_refresh_at=iso(due))
        )
        reason = yield from _wait(context, due)
        forced = reason == "unauthorized"

    context.set_custom_status(status(state, "refreshing", expires_at=iso(expires_at)))
    try:
        result = yield context.call_activity_with_retry(
            REFRESH_TOKEN, ACTIVITY_RETRY, {"athlete_id": state.athlete_id, "force": forced}
        )
    except Exception:  # retries exhausted on an unexpected error: treat as transient
        result = {"failure": {"kind": "unavailable", "message": "refresh activity failed"}}

    now = normalized(context.current_utc_datetime)
    failure = failure_of(result)
    if failure is None:
        outcome = result["outcome"]
        next_state = LifecycleInput(
            athlete_id=state.athlete_id,
            last_outcome=outcome,
            last_refresh_at=iso(now) if outcome != "still_fresh" else state.last_refresh_at,
            earliest_refresh_at=iso(now + margin / 4) if outcome == "unchanged" else None,
        )
        context.continue_as_new(next_state.to_dict())
        return None
    if failure.kind in ENDING_FAILURES:
        ended = LifecycleInput(state.athlete_id, state.consecutive_failures + 1, f"failed: {failure.kind}")
        context.set_custom_status(status(ended, "ended", reason=failure.kind, message=failure.message))
        return {"athlete_id": state.athlete_id, "ended": failure.kind}
    yield from _back_off(context, state, failure.message, expires_at, failure)
    return None


def _wait(context: df.DurableOrchestrationContext, until: datetime) -> Generator[Any, Any, str | None]:
    """Sleep on a durable timer until ``until``, or until a ``refresh_now`` event; returns its reason."""
    timer = context.create_timer(until)
    wake = context.wait_for_external_event(REFRESH_NOW_EVENT)
    winner = yield context.task_any([timer, wake])
    if winner != wake:
        return None
    if not timer.is_completed:
        timer.cancel()
    return wake_reason(wake.result)


def _back_off(
    context: df.DurableOrchestrationContext,
    state: LifecycleInput,
    message: str,
    expires_at: datetime | None,
    failure: Failure | None = None,
) -> Generator[Any, Any, None]:
    """Wait before the next attempt (a rate limit until its window resets; anything else with growing
    backoff), still waking for ``refresh_now``, then continue as new."""
    now = normalized(context.current_utc_datetime)
    kind = failure.kind if failure else "unavailable"
    failures = state.consecutive_failures + (kind != "rate_limited")
    if failure is not None and kind == "rate_limited":
        retry_at = rate_limit_wait(failure.retry_at, now)
    else:
        retry_at = backoff(failures, expires_at, now)
    next_state = LifecycleInput(
        athlete_id=state.athlete_id,
        consecutive_failures=failures,
        last_outcome=f"failed: {kind}",
        last_refresh_at=state.last_refresh_at,
        force_pending=state.force_pending,
    )
    context.set_custom_status(
        status(
            next_state,
            "backing_off",
            expires_at=iso(expires_at) if expires_at else None,
            next_refresh_at=iso(retry_at),
            message=message,
            transient=kind in TRANSIENT_FAILURES,
        )
    )
    reason = yield from _wait(context, retry_at)
    if reason == "unauthorized":
        next_state = dataclasses.replace(next_state, force_pending=True)
    context.continue_as_new(next_state.to_dict())


def wake_reason(payload: Any) -> str:
    """The ``reason`` of a ``refresh_now`` event. Events raised by the Python client arrive as JSON text,
    events posted over HTTP as objects; anything else counts as a plain request to re-read the token."""
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            return str(payload)
    return str(payload.get("reason", "")) if isinstance(payload, dict) else ""


def _parse(moment: str | None) -> datetime | None:
    return datetime.fromisoformat(moment.replace("Z", "+00:00")) if moment else None
