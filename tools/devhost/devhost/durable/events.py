"""History events as the SDK reads them (doc 1.2): plain dicts with integer event types.

Extra keys (ignored by the SDK) carry what the host needs to rebuild its own bookkeeping
after a restart: ``Leaf`` (index of the action that caused a scheduling event),
``Retry`` (retry options), ``Attempt`` and ``RetryOf`` (leaf of a retry timer).
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import IntEnum
from typing import Any

Event = dict[str, Any]


class EventType(IntEnum):
    """DTFx history event types (the subset the host writes)."""

    EXECUTION_STARTED = 0
    EXECUTION_COMPLETED = 1
    EXECUTION_TERMINATED = 3
    TASK_SCHEDULED = 4
    TASK_COMPLETED = 5
    TASK_FAILED = 6
    SUB_ORCHESTRATION_CREATED = 7
    SUB_ORCHESTRATION_COMPLETED = 8
    SUB_ORCHESTRATION_FAILED = 9
    TIMER_CREATED = 10
    TIMER_FIRED = 11
    ORCHESTRATOR_STARTED = 12
    ORCHESTRATOR_COMPLETED = 13
    EVENT_SENT = 14
    EVENT_RAISED = 15
    EXECUTION_SUSPENDED = 19
    EXECUTION_RESUMED = 20


class OrchestrationStatus(IntEnum):
    """``OrchestrationStatus`` values of ``ExecutionCompleted``."""

    COMPLETED = 1
    CONTINUED_AS_NEW = 2
    FAILED = 3
    TERMINATED = 5


def format_time(moment: datetime) -> str:
    """ISO-8601 UTC with microseconds and ``Z``, as the SDK formats ``fireAt``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """Parse the timestamps this host and the SDK write (``Z`` or an offset, up to 7 digits)."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if "." in text:
        head, _, rest = text.partition(".")
        digits = rest[: len(rest) - len(rest.lstrip("0123456789"))]
        text = f"{head}.{digits[:6].ljust(6, '0')}{rest[len(digits) :]}"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def new_event(event_type: EventType, now: datetime, event_id: int = -1, **fields: Any) -> Event:
    """An event with the four keys the SDK requires plus ``fields``."""
    return {
        "EventType": int(event_type),
        "EventId": event_id,
        "IsPlayed": False,
        "Timestamp": format_time(now),
        **fields,
    }


def completion_id(event: Event) -> int | None:
    """The scheduling id an inbound completion answers (task, sub-orchestration or timer)."""
    kind = event["EventType"]
    if kind in (EventType.TASK_COMPLETED, EventType.TASK_FAILED):
        return int(event["TaskScheduledId"])
    if kind in (EventType.SUB_ORCHESTRATION_COMPLETED, EventType.SUB_ORCHESTRATION_FAILED):
        return int(event["TaskScheduledId"])
    if kind == EventType.TIMER_FIRED:
        return int(event["TimerId"])
    return None
