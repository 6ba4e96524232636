"""The previous design's run per activity event (``activity-event-<activityId>``), kept registered so
instances started before a deploy finish: nothing starts new ones (the debouncer checks activities
now, a bounded set per burst). Its activity re-reads the activity, a delete too, before the store
changes.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from orchestrations.contract import failure_of
from orchestrations.history_contract import (
    APPLY_ACTIVITY_EVENT,
    RESERVE_BUDGET,
    ActivityEvent,
    BudgetDecision,
    BudgetRequest,
)
from orchestrations.steps import ACTIVITY_RETRY
from orchestrations.timing import rate_limit_wait
from timestamps import as_utc, format_utc

MAX_BUDGET_WAITS = 8


def activity_event_instance_id(activity_id: int) -> str:
    return f"activity-event-{activity_id}"


def orchestrate(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    event: ActivityEvent = context.get_input()
    if event["aspect"] != "delete":
        work = f"webhook update of activity {event['activity_id']}"
        request: BudgetRequest = {
            "calls": 1,
            "priority": "high",
            "work": work,
            "athlete_id": int(event["athlete_id"]),
        }
        for _ in range(MAX_BUDGET_WAITS):
            decision: BudgetDecision = yield context.call_activity_with_retry(
                RESERVE_BUDGET, ACTIVITY_RETRY, request
            )
            if decision["granted"]:
                break
            until = rate_limit_wait(decision["until"], as_utc(context.current_utc_datetime))
            context.set_custom_status({"phase": "waiting_for_budget", "until": format_utc(until)})
            yield context.create_timer(until)
        else:
            return {"outcome": "gave_up", "reason": "rate budget"}
    result = yield context.call_activity_with_retry(APPLY_ACTIVITY_EVENT, ACTIVITY_RETRY, event)
    failure = failure_of(result)
    if failure is not None:
        return {"outcome": "failed", "error": failure.kind}
    return {"outcome": "applied", **result["data"]}
