"""Status JSON of the management API (doc 4.3; pure)."""

from __future__ import annotations

import json
from typing import Any

from devhost.durable.events import Event, EventType
from devhost.durable.record import InstanceRecord

_HIDDEN = {EventType.ORCHESTRATOR_STARTED, EventType.ORCHESTRATOR_COMPLETED}
_SCHEDULING = {EventType.TASK_SCHEDULED, EventType.SUB_ORCHESTRATION_CREATED, EventType.TIMER_CREATED}
_HOST_KEYS = {"EventType", "EventId", "IsPlayed", "Leaf", "Leaves", "Retry", "RetryOf", "GivenId"}


def parse_text(text: str | None) -> Any:
    """A stored JSON text parsed once; text that is not JSON stays a string."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def status_json(
    record: InstanceRecord, history: list[Event] | None = None, show_input: bool = True
) -> dict[str, Any]:
    """The status object; ``history`` adds ``historyEvents``."""
    body: dict[str, Any] = {
        "name": record.name,
        "instanceId": record.instance_id,
        "runtimeStatus": record.status.value,
        "input": parse_text(record.input) if show_input else None,
        "customStatus": parse_text(record.custom_status),
        "output": parse_text(record.output),
        "createdTime": _time(record),
        "lastUpdatedTime": record.updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if history is not None:
        body["historyEvents"] = history_events(history)
    return body


def _time(record: InstanceRecord) -> str:
    return record.created.strftime("%Y-%m-%dT%H:%M:%SZ")


def history_events(history: list[Event]) -> list[dict[str, Any]]:
    """History as the status API shows it: string types, scheduling folded into completions."""
    scheduled: dict[int, Event] = {}
    shown: list[dict[str, Any]] = []
    for event in history:
        kind = EventType(event["EventType"]) if event["EventType"] in EventType._value2member_map_ else None
        if kind is None or kind in _HIDDEN:
            continue
        if kind in _SCHEDULING:
            scheduled[int(event["EventId"])] = event
            if kind != EventType.TIMER_CREATED:
                continue
        item = {k: v for k, v in event.items() if k not in _HOST_KEYS}
        item["EventType"] = _pascal(kind.name)
        origin = scheduled.get(int(event.get("TaskScheduledId", -1)))
        if origin is not None:
            item["FunctionName"] = origin.get("Name")
            item["ScheduledTime"] = origin.get("Timestamp")
        if kind == EventType.EXECUTION_STARTED:
            item["FunctionName"] = item.pop("Name", None)
        shown.append(item)
    return shown


def _pascal(name: str) -> str:
    words = name.lower().split("_")
    text = "".join(w.capitalize() for w in words)
    return (
        text.replace("SubOrchestrationCreated", "SubOrchestrationInstanceCreated")
        .replace("SubOrchestrationCompleted", "SubOrchestrationInstanceCompleted")
        .replace("SubOrchestrationFailed", "SubOrchestrationInstanceFailed")
    )
