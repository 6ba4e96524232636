"""Drive a real orchestrator through the SDK with a history built the way the Durable host builds it.

Not a mocked context: the SDK's own ``Orchestrator.handle`` replays the history JSON each step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from azure.functions.decorators.function_app import FunctionBuilder
from devhost.durable.events import EventType, new_event

from orchestrations.contract import ActivityResult

SCHEDULING = {0: EventType.TASK_SCHEDULED, 1: EventType.TASK_SCHEDULED, 5: EventType.TIMER_CREATED}


def flatten(actions: list[Any]) -> list[dict[str, Any]]:
    leaves: list[dict[str, Any]] = []
    for action in actions:
        if isinstance(action, list):
            leaves += flatten(action)
        elif action.get("compoundActions"):
            leaves += flatten(action["compoundActions"])
        else:
            leaves.append(action)
    return leaves


@dataclass
class Step:
    state: dict[str, Any]
    new: list[dict[str, Any]]  # actions first seen in this step, each with its "id" (None if it takes none)

    @property
    def done(self) -> bool:
        return bool(self.state.get("isDone"))

    @property
    def custom_status(self) -> Any:
        return self.state.get("customStatus")


@dataclass
class Harness:
    builder: FunctionBuilder
    input: Any
    now: datetime
    instance_id: str = "instance-1"
    history: list[dict[str, Any]] = field(default_factory=list)
    handled: int = 0
    next_id: int = 0

    def __post_init__(self) -> None:
        self.history = [
            new_event(EventType.ORCHESTRATOR_STARTED, self.now),
            new_event(
                EventType.EXECUTION_STARTED,
                self.now,
                Name="orchestrator",
                Version="",
                Input=json.dumps(self.input),
                OrchestrationInstance={"InstanceId": self.instance_id, "ExecutionId": "e1"},
            ),
        ]

    def run(self) -> Step:
        context = {
            "history": self.history,
            "input": json.dumps(self.input),
            "instanceId": self.instance_id,
            "isReplaying": False,
            "parentInstanceId": None,
            "upperSchemaVersion": 1,
            "upperSchemaVersionNew": 2,
        }
        handle = self.builder.build().get_user_function()
        state = json.loads(handle(json.dumps(context)))
        leaves = flatten(state.get("actions", []))
        new = []
        for leaf in leaves[self.handled :]:
            kind = leaf["actionType"]
            leaf_id = None
            if kind in SCHEDULING:
                leaf_id = self.next_id
                self.next_id += 1
                extra = {"FireAt": leaf["fireAt"]} if kind == 5 else {"Name": leaf["functionName"]}
                self.history.append(new_event(SCHEDULING[kind], self.now, leaf_id, **extra))
            new.append({**leaf, "id": leaf_id})
        self.handled = len(leaves)
        self.history.append(new_event(EventType.ORCHESTRATOR_COMPLETED, self.now))
        return Step(state, new)

    def at(self, now: datetime) -> Harness:
        """Start the next episode at ``now``."""
        self.now = now
        self.history.append(new_event(EventType.ORCHESTRATOR_STARTED, now))
        return self

    def complete(self, task_id: int, result: ActivityResult) -> Harness:
        """The activity ``task_id`` returned ``result`` (typed: a fake of the wrong shape fails mypy)."""
        self.history.append(
            new_event(EventType.TASK_COMPLETED, self.now, TaskScheduledId=task_id, Result=json.dumps(result))
        )
        return self

    def fail(self, task_id: int, reason: str = "activity failed") -> Harness:
        """The activity ``task_id`` failed (after its retries, for a call with retry)."""
        self.history.append(
            new_event(EventType.TASK_FAILED, self.now, TaskScheduledId=task_id, Reason=reason, Details=reason)
        )
        return self

    def fail_every_attempt(
        self, task_id: int, name: str, attempts: int, reason: str = "activity failed"
    ) -> Harness:
        """A call with retry failed ``attempts`` times: each failure is followed by the retry timer the
        host creates and fires, then (but for the last) the task scheduled again, as DTFx records it."""
        for attempt in range(attempts):
            self.fail(task_id, reason)
            timer_id = self.next_id
            self.next_id += 1
            fire_at = self.now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            self.history.append(new_event(EventType.TIMER_CREATED, self.now, timer_id, FireAt=fire_at))
            self.history.append(new_event(EventType.TIMER_FIRED, self.now, TimerId=timer_id, FireAt=fire_at))
            if attempt < attempts - 1:
                task_id = self.next_id
                self.next_id += 1
                self.history.append(new_event(EventType.TASK_SCHEDULED, self.now, task_id, Name=name))
        return self

    def fire(self, timer_id: int, fire_at: str) -> Harness:
        self.history.append(new_event(EventType.TIMER_FIRED, self.now, TimerId=timer_id, FireAt=fire_at))
        return self

    def raise_event(self, name: str, payload: Any) -> Harness:
        self.history.append(new_event(EventType.EVENT_RAISED, self.now, Name=name, Input=json.dumps(payload)))
        return self
