"""Deauthorization (``deauthorization-<id>``): the athlete revoked this app on Strava, so everything
the app holds about them goes (Strava's API agreement asks for deletion).

The event is unsigned, so Strava is asked first: a read with the stored access token. While it
works, nothing is erased: the event is logged and counted (``unverified_deauthorization`` in the
status), and further events within ``CHECK_PAUSE`` are checked once after it (a flood of forged events
costs a read a minute). A 401 is confirmed through the token lifecycle, the one refresher: it is asked
to refresh, and only once Strava refuses the refresh token too (the token row says
``reauthorization_required``) is the grant gone. A new token instead means the grant holds.

Once confirmed, order matters: the tokens are erased first (so no fetch can start, and reads answer
410 at once), then the athlete's orchestrations are terminated, then the snapshot, diagnostics,
webhook receipts and the orchestrations' histories (which held snapshot documents) are deleted. A
last sweep a little later removes anything an activity that was already running when its
orchestration was terminated still wrote.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from orchestrations.contract import (
    CHECK_GRANT,
    DEAUTHORIZATION_EVENT,
    DELETE_ATHLETE_DATA,
    END_ATHLETE_ORCHESTRATIONS,
    FORGET_ATHLETE_TOKENS,
    NOTE_UNVERIFIED_DEAUTHORIZATION,
    READ_TOKEN_STATE,
    REQUEST_TOKEN_REFRESH,
    GrantCheck,
    TokenState,
)
from orchestrations.history_contract import RESERVE_BUDGET, BudgetDecision, BudgetRequest
from orchestrations.steps import CLEANUP_RETRY as ACTIVITY_RETRY
from orchestrations.timing import rate_limit_wait
from timestamps import as_utc, format_utc

TERMINATION_WAIT = timedelta(seconds=2)
MAX_TERMINATION_ROUNDS = 5
FINAL_SWEEP_AFTER = timedelta(seconds=60)
CHECK_PAUSE = timedelta(seconds=60)  # between two checks of the grant
TOKEN_POLL = timedelta(seconds=2)  # while the lifecycle answers the refresh request
MAX_TOKEN_POLLS = 30
MAX_BUDGET_WAITS = 2
REVOKED_STATUSES = ("reauthorization_required", "deauthorized")


def orchestrate(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    job = context.get_input()
    athlete_id = int(job["athlete_id"])
    if job.get("verify"):  # runs started before the check existed erase as they began to
        verdict = yield from _confirm_revoked(context, athlete_id)
        if verdict != "revoked":
            return (yield from _keep(context, athlete_id, verdict))
    return (yield from _erase(context, athlete_id))


def _confirm_revoked(context: df.DurableOrchestrationContext, athlete_id: int) -> Generator[Any, Any, str]:
    """``revoked`` only when Strava refuses both the access and the refresh token; else ``granted``
    (the grant works), ``absent`` (nothing stored) or ``unknown`` (Strava or the budget did not answer)."""
    context.set_custom_status({"phase": "checking_grant", "athlete_id": athlete_id})
    check = yield from _check_grant(context, athlete_id)
    if check["grant"] != "unauthorized":
        return str(check["grant"])
    # The access token is refused: expired early, or revoked. Only the lifecycle refreshes.
    used = check.get("expires_at")
    yield context.call_activity_with_retry(REQUEST_TOKEN_REFRESH, ACTIVITY_RETRY, athlete_id)
    for _ in range(MAX_TOKEN_POLLS):
        context.set_custom_status({"phase": "confirming_with_lifecycle", "athlete_id": athlete_id})
        yield context.create_timer(as_utc(context.current_utc_datetime) + TOKEN_POLL)
        token: TokenState = yield context.call_activity_with_retry(
            READ_TOKEN_STATE, ACTIVITY_RETRY, athlete_id
        )
        if token["status"] in REVOKED_STATUSES:
            return "revoked"
        if token["status"] == "missing":
            return "absent"
        if token["expires_at"] != used:  # a new token: the refresh token works, so does the grant
            again = yield from _check_grant(context, athlete_id)
            return "granted" if again["grant"] == "granted" else "unknown"
    return "unknown"


def _check_grant(context: df.DurableOrchestrationContext, athlete_id: int) -> Generator[Any, Any, GrantCheck]:
    """One read with the stored access token, reserved at low priority."""
    request: BudgetRequest = {
        "calls": 1,
        "priority": "low",
        "work": f"deauthorization check of athlete {athlete_id}",
        "athlete_id": athlete_id,
    }
    for _ in range(MAX_BUDGET_WAITS + 1):
        decision: BudgetDecision = yield context.call_activity_with_retry(
            RESERVE_BUDGET, ACTIVITY_RETRY, request
        )
        if decision["granted"]:
            check: GrantCheck = yield context.call_activity_with_retry(
                CHECK_GRANT, ACTIVITY_RETRY, athlete_id
            )
            return check
        until = rate_limit_wait(decision["until"], as_utc(context.current_utc_datetime))
        context.set_custom_status(
            {"phase": "waiting_for_budget", "athlete_id": athlete_id, "until": format_utc(until)}
        )
        yield context.create_timer(until)
    return {"grant": "unknown", "expires_at": None}


def _keep(context: df.DurableOrchestrationContext, athlete_id: int, verdict: str) -> Generator[Any, Any, Any]:
    """Nothing is erased. Counted (unless nothing is stored); another event during the pause is
    checked once after it."""
    if verdict != "absent":
        yield context.call_activity_with_retry(
            NOTE_UNVERIFIED_DEAUTHORIZATION, ACTIVITY_RETRY, {"athlete_id": athlete_id, "verdict": verdict}
        )
    now = as_utc(context.current_utc_datetime)
    context.set_custom_status(
        {"phase": "kept", "athlete_id": athlete_id, "verdict": verdict, "checked_at": format_utc(now)}
    )
    pause = context.create_timer(now + CHECK_PAUSE)
    again = context.wait_for_external_event(DEAUTHORIZATION_EVENT)
    if (yield context.task_any([pause, again])) == again:
        yield pause
        context.continue_as_new({"athlete_id": athlete_id, "verify": True})
        return None
    return {"athlete_id": athlete_id, "erased": False, "verdict": verdict}


def _erase(context: df.DurableOrchestrationContext, athlete_id: int) -> Generator[Any, Any, Any]:
    context.set_custom_status({"phase": "erasing_tokens", "athlete_id": athlete_id})
    yield context.call_activity_with_retry(FORGET_ATHLETE_TOKENS, ACTIVITY_RETRY, athlete_id)

    still_active: list[str] = []
    for _ in range(MAX_TERMINATION_ROUNDS):
        context.set_custom_status({"phase": "ending_orchestrations", "athlete_id": athlete_id})
        ended = yield context.call_activity_with_retry(END_ATHLETE_ORCHESTRATIONS, ACTIVITY_RETRY, athlete_id)
        still_active = list(ended["still_active"])
        if not still_active:
            break
        yield context.create_timer(as_utc(context.current_utc_datetime) + TERMINATION_WAIT)

    deleted = yield context.call_activity_with_retry(DELETE_ATHLETE_DATA, ACTIVITY_RETRY, athlete_id)
    now = as_utc(context.current_utc_datetime)
    context.set_custom_status(
        {"phase": "deleted", "athlete_id": athlete_id, "deleted_at": format_utc(now), "deleted": deleted}
    )
    yield context.create_timer(now + FINAL_SWEEP_AFTER)
    swept = yield context.call_activity_with_retry(DELETE_ATHLETE_DATA, ACTIVITY_RETRY, athlete_id)
    return {
        "athlete_id": athlete_id,
        "erased": True,
        "deleted_at": format_utc(now),
        "deleted": deleted,
        "final_sweep": swept,
        "not_ended": still_active,
    }
