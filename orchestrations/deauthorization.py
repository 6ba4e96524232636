"""Deauthorization (``deauthorization-<id>``): the athlete revoked this app on Strava, so everything
the app holds about them goes (Strava's API agreement asks for deletion).

Order matters: the tokens are erased first (so no fetch can start, and reads answer 410 at once), then
the athlete's orchestrations are terminated, then the snapshot, diagnostics, webhook receipts and
the orchestrations' histories (which held snapshot documents) are deleted. A last sweep a little
later removes anything an activity that was already running when its orchestration was terminated
still wrote.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from orchestrations.contract import (
    ATHLETE_DEAUTHORIZATION,
    DELETE_ATHLETE_DATA,
    END_ATHLETE_ORCHESTRATIONS,
    FORGET_ATHLETE_TOKENS,
)
from orchestrations.steps import CLEANUP_RETRY as ACTIVITY_RETRY
from timestamps import as_utc, format_utc

bp = df.Blueprint()

TERMINATION_WAIT = timedelta(seconds=2)
MAX_TERMINATION_ROUNDS = 5
FINAL_SWEEP_AFTER = timedelta(seconds=60)


@bp.orchestration_trigger(context_name="context", orchestration=ATHLETE_DEAUTHORIZATION)
def athlete_deauthorization(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    athlete_id = int(context.get_input()["athlete_id"])
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
        "deleted_at": format_utc(now),
        "deleted": deleted,
        "final_sweep": swept,
        "not_ended": still_active,
    }
