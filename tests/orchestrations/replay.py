"""Replay a recorded orchestration history through the current orchestrator code, at every episode
boundary, and report where the code would now decide differently (what the Durable extension reports
as a nondeterminism error, and what fails a running instance after a deploy).

A fixture (``tests/orchestrations/histories/<orchestrator>.json``, written by
``tests/e2e/record_histories.py``) holds the instances one recording left: each instance's name, id,
input and its current execution's history as devhost stores it. devhost marks each scheduling event
with the action ``Leaf`` that asked for it, and a retried call's later attempts with the same leaf, so
"the same decision" is: the action at that leaf has the same kind and name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devhost.durable.events import EventType
from devhost.durable.replay import ReplayResult, build_context, run_orchestrator

from orchestrations.contract import RETIRED_ACTIVITY_NAMES

HISTORIES = Path(__file__).resolve().parent / "histories"
# leaf actionType (the SDK's ActionType) -> the scheduling event it produces
_SCHEDULED_BY = {
    0: EventType.TASK_SCHEDULED,  # call_activity
    1: EventType.TASK_SCHEDULED,  # call_activity_with_retry
    2: EventType.SUB_ORCHESTRATION_CREATED,
    3: EventType.SUB_ORCHESTRATION_CREATED,
    5: EventType.TIMER_CREATED,
    8: EventType.TASK_SCHEDULED,  # call_http
}
_SCHEDULING = (EventType.TASK_SCHEDULED, EventType.SUB_ORCHESTRATION_CREATED, EventType.TIMER_CREATED)


@dataclass(frozen=True)
class Recorded:
    orchestrator: str
    instance_id: str
    input: str | None
    history: list[dict[str, Any]]
    status: str  # devhost's runtime status when recorded: Running, Completed, Failed, ...

    @property
    def failed(self) -> bool:
        return self.status == "Failed"

    @property
    def label(self) -> str:
        return f"{self.orchestrator}/{self.instance_id}"


def load_fixtures() -> list[Recorded]:
    found = []
    for path in sorted(HISTORIES.glob("*.json")):
        for item in json.loads(path.read_text())["instances"]:
            found.append(
                Recorded(item["name"], item["instance_id"], item["input"], item["history"], item["status"])
            )
    return found


@dataclass(frozen=True)
class Episode:
    number: int
    given: list[dict[str, Any]]  # what the orchestrator is replayed over
    decided: list[dict[str, Any]]  # the scheduling events the recording then appended, every episode's
    ends_execution: bool


def episodes(history: list[dict[str, Any]]) -> Iterator[Episode]:
    """Each episode as the host replays it: the history before it plus its new events (completions,
    raised events, timers fired), and the decisions recorded up to its end."""
    done: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []
    number = 0
    for event in history:
        current.append(event)
        if event["EventType"] != EventType.ORCHESTRATOR_COMPLETED:
            continue
        new = [e for e in current if e["EventType"] not in (*_SCHEDULING, EventType.EXECUTION_COMPLETED)]
        given = [{**e, "IsPlayed": True} for e in done] + [{**e, "IsPlayed": False} for e in new[:-1]]
        whole = done + current
        decided = [e for e in whole if e["EventType"] in _SCHEDULING and "Leaf" in e]
        ends = any(e["EventType"] == EventType.EXECUTION_COMPLETED for e in current)
        yield Episode(number, given, decided, ends)
        done, current, number = whole, [], number + 1


def mismatches(recorded: Recorded, handle: Callable[..., Any], binding_name: str) -> list[str]:
    """Every episode where the current code decides differently from the recording (empty: safe)."""
    problems = []
    for episode in episodes(recorded.history):
        context = build_context(recorded.instance_id, None, recorded.input, episode.given)
        result = run_orchestrator(handle, binding_name, context)
        problem = _compare(episode, result, recorded)
        if problem:
            problems.append(f"episode {episode.number}: {problem}")
            break  # later episodes rest on this one
    return problems


def _compare(episode: Episode, result: ReplayResult, recorded: Recorded) -> str | None:
    failed_here = recorded.failed and episode.ends_execution
    if result.error is not None and not failed_here:
        return f"the orchestrator now fails: {result.error[:300]}"
    for event in episode.decided:
        leaf_index = int(event["Leaf"])
        if leaf_index >= len(result.leaves):
            return f"{_describe(event)} (action {leaf_index}) is no longer asked for"
        leaf = result.leaves[leaf_index]
        kind = _SCHEDULED_BY.get(int(leaf.get("actionType", -1)))
        if kind != event["EventType"]:
            return f"action {leaf_index} was {_describe(event)}, now actionType {leaf.get('actionType')}"
        name = leaf.get("functionName")
        was = event.get("Name")  # a retired activity name may be asked for by its new name
        if kind != EventType.TIMER_CREATED and name not in (was, RETIRED_ACTIVITY_NAMES.get(str(was))):
            return f"action {leaf_index} was {_describe(event)}, now {name!r}"
    if episode.ends_execution and not result.done:
        return "the recording ended the execution here; the code now waits for more"
    return None


def _describe(event: dict[str, Any]) -> str:
    kind = EventType(event["EventType"]).name
    return f"{kind} {event.get('Name') or event.get('FireAt', '')}".strip()
