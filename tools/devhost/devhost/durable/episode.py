"""What one episode decides, in pure functions: the execution start and end events, the scheduling
events for new work, and the instance's status and output from the orchestrator's answer."""

from __future__ import annotations

import json
from datetime import datetime

from devhost.durable.book import UnsupportedAction
from devhost.durable.events import Event, EventType, OrchestrationStatus, new_event
from devhost.durable.instance import Inbound, LiveInstance
from devhost.durable.record import InstanceRecord, ParentLink, RuntimeStatus
from devhost.durable.replay import ReplayResult, failed_result


def execution_started(record: InstanceRecord, now: datetime) -> Event:
    parent: ParentLink | None = record.parent
    return new_event(
        EventType.EXECUTION_STARTED,
        now,
        Name=record.name,
        Version=record.version or "",
        Input=record.input,
        OrchestrationInstance={"InstanceId": record.instance_id, "ExecutionId": record.execution_id},
        ParentInstance=None
        if parent is None
        else {"OrchestrationInstance": {"InstanceId": parent.instance_id}},
    )


def execution_completed(record: InstanceRecord, now: datetime) -> Event:
    status = {
        RuntimeStatus.COMPLETED: OrchestrationStatus.COMPLETED,
        RuntimeStatus.FAILED: OrchestrationStatus.FAILED,
        RuntimeStatus.TERMINATED: OrchestrationStatus.TERMINATED,
    }[record.status]
    return new_event(
        EventType.EXECUTION_COMPLETED, now, OrchestrationStatus=int(status), Result=record.output
    )


def plan(
    instance: LiveInstance, batch: list[Inbound], result: ReplayResult, now: datetime
) -> tuple[list[Event], ReplayResult]:
    """Scheduling events for new leaves, then for a trailing retry-related event (doc 2.5).

    An action the host cannot run turns the result into a failure.
    """
    if result.error is not None:
        return [], result
    try:
        generated = instance.book.schedule_leaves(result.leaves, now)
    except UnsupportedAction as exc:
        return [], failed_result(str(exc))
    if batch and not result.done:
        retry = instance.book.schedule_retry(batch[-1].event, now)
        if retry is not None:
            generated.append(retry)
    return generated, result


def conclude(record: InstanceRecord, result: ReplayResult, now: datetime) -> RuntimeStatus:
    """Set status, output and custom status of ``record`` from the orchestrator's answer."""
    record.updated = now
    record.custom_status = result.custom_status
    if result.error is not None:
        record.status = RuntimeStatus.FAILED
        record.output = json.dumps(f"Orchestrator function '{record.name}' failed: {result.error}")
        return RuntimeStatus.FAILED
    if result.continued:
        return RuntimeStatus.CONTINUED_AS_NEW
    if result.done:
        record.status = RuntimeStatus.COMPLETED
        record.output = result.output
        return RuntimeStatus.COMPLETED
    record.status = RuntimeStatus.RUNNING
    return RuntimeStatus.RUNNING
