"""Build an athlete's stats snapshot by fan-out: stats and the newest page of activities (and the
athlete's profile, unless cached) in parallel, combined into one document and saved once; the save
adds the recent activities and the history from the activity store. Each round first reserves its
calls in the shared rate budget and waits on a durable timer when it says so; a scheduled refresh
costs two read calls. Singleton per athlete while running (``stats-snapshot-<id>``). A failed fetch
leaves the previous snapshot in place. A backfill or due re-scan is started afterwards.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from datetime import datetime, timedelta
from typing import Any, NoReturn

import azure.durable_functions as df

from orchestrations.contract import (
    FETCH_ATHLETE,
    FETCH_STATS,
    SAVE_SNAPSHOT,
    DiagnosticFacts,
    FetchResult,
    SaveRequest,
    SaveResult,
    failure_of,
)
from orchestrations.failures import Failure
from orchestrations.history_contract import (
    PLAN_REFRESH,
    RESERVE_BUDGET,
    START_HISTORY_SYNC,
    SYNC_RECENT,
    BudgetDecision,
    BudgetRequest,
    RefreshPlan,
)
from orchestrations.steps import ACTIVITY_RETRY, record_facts, request_refresh
from orchestrations.timing import backoff, rate_limit_wait
from timestamps import as_utc, format_utc

FETCHES = {"athlete": FETCH_ATHLETE, "stats": FETCH_STATS, "recent": SYNC_RECENT}
MAX_ROUNDS = 3  # fetch rounds that may fail for reasons other than a rate limit
MAX_RATE_LIMIT_WAITS = 4  # rate-limit windows waited for, at most (keeps history bounded)
MAX_BUDGET_WAITS = 8  # budget windows waited for, at most (the budget frees up at the next reset)
REFRESH_GRACE = timedelta(seconds=10)
ACTIVITY_CRASHED = Failure("unavailable", "a fetch activity failed after its retries")


class SnapshotFailedError(Exception):
    """The snapshot could not be built; the previous one stays in place."""


def plan_retry(
    failures: Mapping[str, Failure], failed_rounds: int, rate_limit_waits: int, now: datetime
) -> datetime | None:
    """When to fetch the failed parts again, or ``None`` to give up (the counts include this round).

    Each kind reacts as its policy says (``orchestrations.failures``): a round failed only by rate
    limits waits for the window reset and does not count as a failed round; a rejected access token
    waits for the lifecycle's refresh; transient faults back off; the rest needs a person.
    """
    reactions = {failure.policy.snapshot for failure in failures.values()}
    if "give_up" in reactions:
        return None
    if reactions == {"wait_for_window"}:
        if rate_limit_waits > MAX_RATE_LIMIT_WAITS:
            return None
    elif failed_rounds >= MAX_ROUNDS:
        return None
    waits = [now + REFRESH_GRACE] if "refresh_first" in reactions else []
    waits += [rate_limit_wait(f.retry_at, now) for f in failures.values() if f.kind == "rate_limited"]
    if "back_off" in reactions:
        waits.append(backoff(failed_rounds, None, now))
    return max(waits)


def orchestrate(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    athlete_id = int(context.get_input()["athlete_id"])
    plan: RefreshPlan = yield context.call_activity_with_retry(PLAN_REFRESH, ACTIVITY_RETRY, athlete_id)
    data: dict[str, Any] = {} if plan["athlete"] is None else {"athlete": plan["athlete"]}
    pending = [part for part in FETCHES if part not in data]
    failed_rounds = rate_limit_waits = budget_waits = 0
    while pending:
        budget_request: BudgetRequest = {
            "calls": len(pending),
            "priority": "normal",
            "work": f"snapshot refresh of athlete {athlete_id}",
            "athlete_id": athlete_id,
        }
        decision: BudgetDecision = yield context.call_activity_with_retry(
            RESERVE_BUDGET, ACTIVITY_RETRY, budget_request
        )
        if not decision["granted"]:
            now = as_utc(context.current_utc_datetime)
            budget_waits += 1
            if budget_waits > MAX_BUDGET_WAITS:
                failure = Failure("rate_limited", decision["reason"], retry_at=decision["until"])
                yield from _give_up(context, athlete_id, {"budget": failure}, now)
                return None  # not reached: giving up raises
            until = rate_limit_wait(decision["until"], now)
            context.set_custom_status(
                {
                    "phase": "waiting_for_budget",
                    "until": format_utc(until),
                    "reason": decision["reason"],
                    "parts": pending,
                }
            )
            yield context.create_timer(until)
            continue
        context.set_custom_status({"phase": "fetching", "parts": pending})
        failures = yield from _fetch(context, athlete_id, pending, data)
        if not failures:
            break
        now = as_utc(context.current_utc_datetime)
        rate_limited_only = {f.policy.snapshot for f in failures.values()} == {"wait_for_window"}
        rate_limit_waits += rate_limited_only
        failed_rounds += not rate_limited_only
        retry_at = plan_retry(failures, failed_rounds, rate_limit_waits, now)
        if retry_at is None:
            yield from _give_up(context, athlete_id, failures, now)
            return None  # not reached: giving up raises
        if any(f.policy.snapshot == "refresh_first" for f in failures.values()):
            yield from request_refresh(context, athlete_id)
        context.set_custom_status(
            {"phase": "waiting", "until": format_utc(retry_at), "parts": sorted(failures)}
        )
        yield context.create_timer(retry_at)
        pending = list(failures)

    context.set_custom_status({"phase": "saving"})
    now = as_utc(context.current_utc_datetime)
    from snapshot.assembly import assemble_snapshot  # loads at the first save, not at indexing

    document = assemble_snapshot(data["athlete"], data["stats"], [], now)  # the save adds the rest
    try:
        request: SaveRequest = {"athlete_id": athlete_id, "snapshot": document}
        saved: SaveResult = yield context.call_activity_with_retry(SAVE_SNAPSHOT, ACTIVITY_RETRY, request)
    except Exception:
        yield from _give_up(context, athlete_id, {"save": Failure("unavailable", "saving failed")}, now)
        return None  # not reached: giving up raises
    scan = plan["scan"] or ("rescan" if data["recent"]["full_page"] else None)
    if scan is not None:
        yield context.call_activity_with_retry(
            START_HISTORY_SYNC, ACTIVITY_RETRY, {"athlete_id": athlete_id, "mode": scan}
        )
    context.set_custom_status({"phase": "saved"})
    return {
        "athlete_id": athlete_id,
        "outcome": "saved" if saved["saved"] else "unchanged",
        "generated_at": saved["generated_at"],
        "generation": saved["generation"],
        "etag": saved["etag"],
        "activity_count": saved["activity_count"],
    }


def _fetch(
    context: df.DurableOrchestrationContext, athlete_id: int, parts: list[str], data: dict[str, Any]
) -> Generator[Any, Any, dict[str, Failure]]:
    """One fan-out round over ``parts``: fills ``data`` and returns the failures by part."""
    tasks = [context.call_activity_with_retry(FETCHES[part], ACTIVITY_RETRY, athlete_id) for part in parts]
    try:
        results: list[FetchResult] = yield context.task_all(tasks)
    except Exception:  # an activity crashed after its retries (e.g. storage): a transient round
        return {part: ACTIVITY_CRASHED for part in parts if part not in data}
    failures: dict[str, Failure] = {}
    for part, result in zip(parts, results, strict=True):
        failure = failure_of(result)
        if failure is None:
            data[part] = result["data"]
        else:
            failures[part] = failure
    return failures


def _give_up(
    context: df.DurableOrchestrationContext, athlete_id: int, failures: Mapping[str, Failure], now: datetime
) -> Generator[Any, Any, NoReturn]:
    """Record why (best effort: a storage blip must not hide the real failure), then fail the run.
    The failure recorded is the first (by part) that gives up, if any: the one that needs a person."""
    ordered = [failures[part] for part in sorted(failures)]
    first = next((f for f in ordered if f.policy.snapshot == "give_up"), ordered[0])
    facts: DiagnosticFacts = {
        "last_snapshot_outcome": "failed",
        "last_snapshot_attempt_at": format_utc(now),
        "last_snapshot_error": first.kind,
        "last_snapshot_message": first.message,
        "rate_limited_until": first.retry_at,
    }
    if not (yield from record_facts(context, athlete_id, facts)):
        context.set_custom_status({"phase": "failed", "diagnostics_recorded": False})
    parts = ", ".join(f"{part}: {failure.kind}" for part, failure in sorted(failures.items()))
    raise SnapshotFailedError(f"snapshot not updated ({parts}); the previous snapshot is still served")
