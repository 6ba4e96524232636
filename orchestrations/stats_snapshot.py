"""Build an athlete's stats snapshot by fan-out: athlete, stats and recent activities in parallel,
combined into one document and saved once. Singleton per athlete while running
(``stats-snapshot-<id>``). A failed fetch leaves the previous snapshot in place.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from datetime import datetime, timedelta
from typing import Any, NoReturn

import azure.durable_functions as df

from orchestrations.contract import (
    FETCH_ACTIVITIES,
    FETCH_ATHLETE,
    FETCH_STATS,
    RECORD_DIAGNOSTICS,
    REQUEST_TOKEN_REFRESH,
    SAVE_SNAPSHOT,
    STATS_SNAPSHOT,
    TRANSIENT_FAILURES,
    Failure,
    failure_of,
)
from orchestrations.timing import backoff, iso, normalized, rate_limit_wait
from snapshot import assemble_snapshot

bp = df.Blueprint()

ACTIVITY_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=2_000, max_number_of_attempts=3)
FETCHES = {"athlete": FETCH_ATHLETE, "stats": FETCH_STATS, "activities": FETCH_ACTIVITIES}
MAX_ROUNDS = 3
REFRESH_GRACE = timedelta(seconds=10)


class SnapshotFailedError(Exception):
    """The snapshot could not be built; the previous one stays in place."""


def plan_retry(failures: Mapping[str, Failure], round_number: int, now: datetime) -> datetime | None:
    """When to fetch the failed parts again, or ``None`` to give up.

    Rate limits wait for the reported window reset (they do not use up rounds' backoff); a rejected
    access token waits for the lifecycle's refresh; transient faults back off; anything else (missing
    scope, inactive application, revoked access) needs a person and is not retried.
    """
    if round_number >= MAX_ROUNDS:
        return None
    kinds = {failure.kind for failure in failures.values()}
    if not kinds <= TRANSIENT_FAILURES | {"rate_limited", "unauthorized"}:
        return None
    waits = [now + REFRESH_GRACE] if "unauthorized" in kinds else []
    waits += [rate_limit_wait(f.retry_at, now) for f in failures.values() if f.kind == "rate_limited"]
    if kinds & TRANSIENT_FAILURES:
        waits.append(backoff(round_number, None, now))
    return max(waits)


@bp.orchestration_trigger(context_name="context", orchestration=STATS_SNAPSHOT)
def stats_snapshot(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    athlete_id = int(context.get_input()["athlete_id"])
    data: dict[str, Any] = {}
    pending = list(FETCHES)
    for round_number in range(1, MAX_ROUNDS + 1):
        context.set_custom_status({"phase": "fetching", "round": round_number, "parts": pending})
        tasks = [
            context.call_activity_with_retry(FETCHES[part], ACTIVITY_RETRY, athlete_id) for part in pending
        ]
        results = yield context.task_all(tasks)
        failures = {
            part: f
            for part, result in zip(pending, results, strict=True)
            if (f := failure_of(result)) is not None
        }
        data.update(
            {
                part: result["data"]
                for part, result in zip(pending, results, strict=True)
                if part not in failures
            }
        )
        if not failures:
            break
        now = normalized(context.current_utc_datetime)
        retry_at = plan_retry(failures, round_number, now)
        if retry_at is None:
            yield from _give_up(context, athlete_id, failures, now)
            return None  # not reached: giving up raises
        if any(f.kind == "unauthorized" for f in failures.values()):
            yield context.call_activity(REQUEST_TOKEN_REFRESH, athlete_id)
        context.set_custom_status({"phase": "waiting", "until": iso(retry_at), "parts": sorted(failures)})
        yield context.create_timer(retry_at)
        pending = list(failures)

    context.set_custom_status({"phase": "saving"})
    document = assemble_snapshot(
        data["athlete"], data["stats"], data["activities"], normalized(context.current_utc_datetime)
    )
    saved = yield context.call_activity_with_retry(
        SAVE_SNAPSHOT, ACTIVITY_RETRY, {"athlete_id": athlete_id, "snapshot": document}
    )
    context.set_custom_status({"phase": "saved"})
    return {
        "athlete_id": athlete_id,
        "outcome": "saved",
        "generated_at": document["generated_at"],
        "generation": saved["generation"],
        "etag": saved["etag"],
        "activity_count": len(document["recent_activities"]),
    }


def _give_up(
    context: df.DurableOrchestrationContext, athlete_id: int, failures: Mapping[str, Failure], now: datetime
) -> Generator[Any, Any, NoReturn]:
    first = failures[sorted(failures)[0]]
    facts = {
        "last_snapshot_outcome": "failed",
        "last_snapshot_attempt_at": iso(now),
        "last_snapshot_error": first.kind,
        "last_snapshot_message": first.message,
        "rate_limited_until": first.retry_at,
    }
    yield context.call_activity(RECORD_DIAGNOSTICS, {"athlete_id": athlete_id, "facts": facts})
    parts = ", ".join(f"{part}: {failure.kind}" for part, failure in sorted(failures.items()))
    raise SnapshotFailedError(f"snapshot not updated ({parts}); the previous snapshot is still served")
