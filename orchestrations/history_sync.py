"""An athlete's full history scan: the first backfill, then the periodic re-scan.

One page (200 activities) per generation: reserve one call in the shared budget at low priority
(waiting on a durable timer for the window reset when the budget says so), sync the page, then
``continue_as_new`` with the next page, so history stays bounded and the stored cursor lets a new
instance resume where a lost one stopped. After the last (empty) page, stored activities the scan
did not see are removed, the history is marked complete (a re-scan also refreshes the cached athlete
profile), and a snapshot refresh publishes it.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from orchestrations.contract import (
    FETCH_ATHLETE,
    START_SNAPSHOT_REFRESH,
    DiagnosticFacts,
    SnapshotStart,
    failure_of,
)
from orchestrations.history_contract import (
    FINISH_HISTORY_SCAN,
    HISTORY_CURSOR,
    RESERVE_BUDGET,
    SYNC_HISTORY_PAGE,
    BudgetDecision,
    BudgetRequest,
    Cursor,
)
from orchestrations.steps import ACTIVITY_RETRY, record_facts, request_refresh
from orchestrations.timing import backoff, rate_limit_wait
from timestamps import as_utc, format_utc

MAX_FAILED_PAGES = 6  # consecutive failed attempts at one page before the scan pauses (resumable)
REFRESH_GRACE = timedelta(seconds=10)
PUBLISH_ATTEMPTS = 6
PUBLISH_RETRY = timedelta(seconds=5)


def orchestrate(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    job: dict[str, Any] = context.get_input()
    athlete_id = int(job["athlete_id"])
    cursor: Cursor | None = job.get("cursor")
    if cursor is None:
        now = as_utc(context.current_utc_datetime)
        begin: Cursor = {
            "athlete_id": athlete_id,
            "mode": job["mode"],
            "scan": format_utc(now),
            "before": int(now.timestamp()) + 1,
            "page": 1,
        }
        cursor = yield context.call_activity_with_retry(HISTORY_CURSOR, ACTIVITY_RETRY, begin)
    failures = int(job.get("failures", 0))
    work = f"history {cursor['mode']} of athlete {athlete_id} (page {cursor['page']})"
    request: BudgetRequest = {"calls": 1, "priority": "low", "work": work, "athlete_id": athlete_id}
    decision: BudgetDecision = yield context.call_activity_with_retry(RESERVE_BUDGET, ACTIVITY_RETRY, request)
    if not decision["granted"]:
        until = rate_limit_wait(decision["until"], as_utc(context.current_utc_datetime))
        context.set_custom_status(
            {
                "phase": "waiting_for_budget",
                "until": format_utc(until),
                "reason": decision["reason"],
                **_where(cursor),
            }
        )
        yield context.create_timer(until)
        context.continue_as_new({**job, "cursor": cursor})
        return None

    context.set_custom_status({"phase": "syncing", **_where(cursor)})
    result = yield context.call_activity_with_retry(SYNC_HISTORY_PAGE, ACTIVITY_RETRY, cursor)
    failure = failure_of(result)
    if failure is not None:
        failures += 1
        reaction = failure.policy.snapshot  # the one failure policy: a scan reacts as a snapshot does
        if reaction == "give_up" or failures > MAX_FAILED_PAGES:
            facts: DiagnosticFacts = {
                "last_history_error": failure.kind,
                "last_history_message": failure.message,
            }
            yield from record_facts(context, athlete_id, facts)
            context.set_custom_status({"phase": "paused", "error": failure.kind, **_where(cursor)})
            return {"athlete_id": athlete_id, "outcome": "paused", "error": failure.kind, **_where(cursor)}
        if reaction == "refresh_first":
            yield from request_refresh(context, athlete_id)
            retry_at = as_utc(context.current_utc_datetime) + REFRESH_GRACE
        elif reaction == "wait_for_window":
            retry_at = rate_limit_wait(failure.retry_at, as_utc(context.current_utc_datetime))
        else:
            retry_at = backoff(failures, None, as_utc(context.current_utc_datetime))
        context.set_custom_status(
            {"phase": "retrying", "until": format_utc(retry_at), "error": failure.kind, **_where(cursor)}
        )
        yield context.create_timer(retry_at)
        context.continue_as_new({**job, "cursor": cursor, "failures": failures})
        return None

    if result["data"]["count"] > 0:
        context.continue_as_new(
            {
                "athlete_id": athlete_id,
                "mode": cursor["mode"],
                # by key: the next page is what started before the oldest start seen so far
                "cursor": {
                    **cursor,
                    "page": cursor["page"] + 1,
                    "before": result["data"].get("before", cursor["before"]),
                },
            }
        )
        return None

    context.set_custom_status({"phase": "finishing", **_where(cursor)})
    if cursor["mode"] == "rescan":
        yield from _refresh_profile(context, athlete_id)
    yield context.call_activity_with_retry(FINISH_HISTORY_SCAN, ACTIVITY_RETRY, cursor)
    finished = format_utc(as_utc(context.current_utc_datetime))
    done: DiagnosticFacts = {
        "last_history_error": None,
        "last_history_message": None,
        "last_history_scan_at": finished,
    }
    if not (yield from record_facts(context, athlete_id, done)):
        context.set_custom_status({"phase": "finishing", "diagnostics_recorded": False})
    yield from _publish(context, athlete_id)
    context.set_custom_status({"phase": "complete", **_where(cursor)})
    return {"athlete_id": athlete_id, "outcome": "complete", **_where(cursor)}


def _publish(context: df.DurableOrchestrationContext, athlete_id: int) -> Generator[Any, Any, None]:
    """Start a snapshot refresh that begins after the scan finished, so it shows the complete history.
    A run still active may have read the store before (the refresh that started this scan ends just
    after starting it): wait briefly and try again; a run still active after that (waiting for the
    budget) saves later anyway; an athlete no longer connected gets none."""
    for _ in range(PUBLISH_ATTEMPTS):
        started: SnapshotStart = yield context.call_activity_with_retry(
            START_SNAPSHOT_REFRESH, ACTIVITY_RETRY, athlete_id
        )
        if started.get("outcome") != "busy":
            return
        yield context.create_timer(as_utc(context.current_utc_datetime) + PUBLISH_RETRY)


def _refresh_profile(context: df.DurableOrchestrationContext, athlete_id: int) -> Generator[Any, Any, None]:
    """A re-scan also refreshes the cached athlete profile (one low-priority call; skipped, until the
    next re-scan, when the budget has no room or the call fails), so refreshes need not."""
    work = f"athlete profile of athlete {athlete_id}"
    request: BudgetRequest = {"calls": 1, "priority": "low", "work": work, "athlete_id": athlete_id}
    decision: BudgetDecision = yield context.call_activity_with_retry(RESERVE_BUDGET, ACTIVITY_RETRY, request)
    if decision["granted"]:
        yield context.call_activity_with_retry(FETCH_ATHLETE, ACTIVITY_RETRY, athlete_id)


def _where(cursor: Cursor) -> dict[str, Any]:
    return {"mode": cursor["mode"], "page": cursor["page"], "scan": cursor["scan"]}
