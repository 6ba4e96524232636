"""Per-execution bookkeeping: event ids, pending work, timers and retries (pure, no I/O).

The book is rebuilt from an execution's history by :meth:`ExecutionBook.record` and kept up to
date as episodes append events, so the host always knows which ids the SDK will allocate next
(doc 2.5) and which work is still outstanding (for dispatch after a restart).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from devhost.durable.events import Event, EventType, completion_id, format_time, new_event, parse_time

HTTP_ACTIVITY = "BuiltIn::HttpActivity"

_SCHEDULING = (EventType.TASK_SCHEDULED, EventType.SUB_ORCHESTRATION_CREATED, EventType.TIMER_CREATED)
_ACTIVITY_LEAVES = (0, 1, 8)
_SUB_LEAVES = (2, 3)
_TIMER_LEAF = 5
_WAIT_LEAF = 6
_CONTINUE_LEAF = 4
ENTITY_LEAVES = (7, 9)


class UnsupportedAction(Exception):
    """The orchestrator asked for something this host does not implement (entities)."""


@dataclass
class RetryRecord:
    """A with-retry call (one action leaf) and its attempts so far."""

    scheduling: Event  # the first attempt's scheduling event, copied for later attempts
    first_interval_ms: int
    max_attempts: int
    attempts: int = 0


@dataclass
class ExecutionBook:
    """What one execution has scheduled and what is still outstanding."""

    execution_id: str
    next_id: int = 0
    leaves: int = 0
    tasks: dict[int, Event] = field(default_factory=dict)  # TaskScheduled / SubOrchestration...Created
    timers: dict[int, Event] = field(default_factory=dict)  # TimerCreated, not fired nor canceled
    canceled: set[int] = field(default_factory=set)  # timer ids the SDK reported canceled
    retries: dict[int, RetryRecord] = field(default_factory=dict)  # key: leaf index
    retry_task_leaf: dict[int, int] = field(default_factory=dict)  # attempt id -> leaf
    retry_timer_leaf: dict[int, int] = field(default_factory=dict)  # retry timer id -> leaf
    timer_by_leaf: dict[int, int] = field(default_factory=dict)

    @classmethod
    def rebuild(cls, execution_id: str, history: Iterable[Event]) -> ExecutionBook:
        book = cls(execution_id)
        for event in history:
            book.record(event)
        return book

    def record(self, event: Event) -> None:
        """Apply one history event (scheduling, completion or episode end) to the book."""
        kind = event["EventType"]
        if kind in _SCHEDULING:
            self._record_scheduling(event)
        elif kind == EventType.ORCHESTRATOR_COMPLETED and "Leaves" in event:
            self.leaves = int(event["Leaves"])
            for timer_id in event.get("Canceled", ()):
                self._cancel(int(timer_id))
        else:
            done = completion_id(event)
            if done is not None:
                self.tasks.pop(done, None)
                self.timers.pop(done, None)

    def _record_scheduling(self, event: Event) -> None:
        event_id = int(event["EventId"])
        self.next_id = max(self.next_id, event_id + 1)
        leaf = event.get("Leaf")
        if event["EventType"] == EventType.TIMER_CREATED:
            self.timers[event_id] = event
            if "RetryOf" in event:
                self.retry_timer_leaf[event_id] = int(event["RetryOf"])
            elif leaf is not None:
                self.timer_by_leaf[int(leaf)] = event_id
            return
        self.tasks[event_id] = event
        retry = event.get("Retry")
        if retry is not None and leaf is not None:
            record = self.retries.setdefault(
                int(leaf), RetryRecord(event, int(retry["first"]), int(retry["max"]))
            )
            record.attempts += 1
            self.retry_task_leaf[event_id] = int(leaf)

    def is_retry_event(self, event: Event) -> bool:
        """A failed with-retry attempt or a retry timer firing (must end an episode's batch)."""
        kind = event["EventType"]
        if kind in (EventType.TASK_FAILED, EventType.SUB_ORCHESTRATION_FAILED):
            return int(event["TaskScheduledId"]) in self.retry_task_leaf
        if kind == EventType.TIMER_FIRED:
            return int(event["TimerId"]) in self.retry_timer_leaf
        return False

    def schedule_leaves(self, leaves: list[dict[str, Any]], now: datetime) -> list[Event]:
        """Scheduling events for leaves not handled yet; drops timers the SDK reports canceled."""
        for index, leaf in enumerate(leaves[: self.leaves]):
            if leaf.get("actionType") == _TIMER_LEAF and leaf.get("isCanceled"):
                timer_id = self.timer_by_leaf.get(index)
                if timer_id is not None:
                    self._cancel(timer_id)
        events: list[Event] = []
        for index in range(self.leaves, len(leaves)):
            event = self._schedule_leaf(index, leaves[index], now)
            if event is not None:
                self.record(event)
                events.append(event)
        self.leaves = max(self.leaves, len(leaves))
        return events

    def _cancel(self, timer_id: int) -> None:
        self.timers.pop(timer_id, None)
        self.canceled.add(timer_id)

    def episode_end(self, now: datetime) -> Event:
        """``OrchestratorCompleted``, carrying what a restart must know to rebuild this book: the
        leaves handled and the timers canceled (neither is otherwise in history)."""
        return new_event(
            EventType.ORCHESTRATOR_COMPLETED, now, Leaves=self.leaves, Canceled=sorted(self.canceled)
        )

    def _schedule_leaf(self, index: int, leaf: dict[str, Any], now: datetime) -> Event | None:
        action = int(leaf["actionType"])
        if action in (_WAIT_LEAF, _CONTINUE_LEAF):
            return None
        if action in ENTITY_LEAVES:
            raise UnsupportedAction("durable entities are not supported by devhost")
        event_id = self.next_id
        if action == _TIMER_LEAF:
            fire_at = parse_time(str(leaf["fireAt"]))
            return new_event(EventType.TIMER_CREATED, now, event_id, FireAt=format_time(fire_at), Leaf=index)
        extra: dict[str, Any] = {"Leaf": index}
        options = leaf.get("retryOptions")
        if options is not None:
            extra["Retry"] = {
                "first": int(options["firstRetryIntervalInMilliseconds"]),
                "max": int(options["maxNumberOfAttempts"]),
            }
        if action in _ACTIVITY_LEAVES:
            if action == 8:
                return new_event(
                    EventType.TASK_SCHEDULED,
                    now,
                    event_id,
                    Name=HTTP_ACTIVITY,
                    Input=_http_input(leaf),
                    **extra,
                )
            return new_event(
                EventType.TASK_SCHEDULED,
                now,
                event_id,
                Name=leaf["functionName"],
                Input=leaf.get("input"),
                **extra,
            )
        if action in _SUB_LEAVES:
            given = leaf.get("instanceId")
            extra["GivenId"] = given
            child = given or f"{self.execution_id}:{event_id}"
            return new_event(
                EventType.SUB_ORCHESTRATION_CREATED,
                now,
                event_id,
                Name=leaf["functionName"],
                InstanceId=child,
                Input=leaf.get("input"),
                Version=leaf.get("version"),  # None: the child gets the host's defaultVersion
                **extra,
            )
        raise UnsupportedAction(f"action type {action} is not supported by devhost")

    def schedule_retry(self, event: Event, now: datetime) -> Event | None:
        """The event the SDK allocates an id for when ``event`` is retry-related (doc 2.3)."""
        kind = event["EventType"]
        if kind in (EventType.TASK_FAILED, EventType.SUB_ORCHESTRATION_FAILED):
            leaf = self.retry_task_leaf.get(int(event["TaskScheduledId"]))
            if leaf is None:
                return None
            fire_at = now + timedelta(milliseconds=self.retries[leaf].first_interval_ms)
            timer = new_event(
                EventType.TIMER_CREATED, now, self.next_id, FireAt=format_time(fire_at), RetryOf=leaf
            )
        elif kind == EventType.TIMER_FIRED:
            leaf = self.retry_timer_leaf.get(int(event["TimerId"]))
            if leaf is None:
                return None
            record = self.retries[leaf]
            if record.attempts >= record.max_attempts:
                return None
            timer = self._next_attempt(record, now)
        else:
            return None
        self.record(timer)
        return timer

    def _next_attempt(self, record: RetryRecord, now: datetime) -> Event:
        first = record.scheduling
        event = {**first, "EventId": self.next_id, "IsPlayed": False, "Timestamp": format_time(now)}
        if first["EventType"] == EventType.SUB_ORCHESTRATION_CREATED and not first.get("GivenId"):
            event["InstanceId"] = f"{self.execution_id}:{self.next_id}"
        return event


def _http_input(leaf: dict[str, Any]) -> str:
    return json.dumps(leaf.get("httpRequest"))


def flatten_actions(actions: list[Any]) -> list[dict[str, Any]]:
    """Leaves of ``actions[0]`` depth-first; compound actions contribute their children (doc 2.2)."""
    leaves: list[dict[str, Any]] = []

    def walk(items: Iterable[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            elif int(item.get("actionType", -1)) in (11, 12):
                walk(item.get("compoundActions") or [])
            else:
                leaves.append(item)

    walk(actions[0] if actions else [])
    return leaves
