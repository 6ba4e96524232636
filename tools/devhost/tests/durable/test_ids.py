"""The host's event-id bookkeeping against the real SDK replay (doc 2.3, 2.5), without I/O."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import azure.durable_functions as df
import pytest
from devhost.durable.book import ExecutionBook
from devhost.durable.events import Event, EventType, new_event
from devhost.durable.instance import Inbound, LiveInstance
from devhost.durable.record import InstanceRecord
from devhost.durable.replay import ReplayResult, build_context, run_orchestrator

START = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def race_then_retry(context: df.DurableOrchestrationContext):
    retried = context.call_activity_with_retry("A", df.RetryOptions(1000, 2), None)
    other = context.call_activity("B", None)
    yield context.task_any([retried, other])
    third = yield context.call_activity("C", None)
    last = yield retried
    return [third, last]


HANDLE = df.Orchestrator.create(race_then_retry)


class Simulator:
    """Episodes as the engine runs them, minus storage: batch, replay, schedule."""

    def __init__(self) -> None:
        record = InstanceRecord("sim", "race_then_retry", "exec1", START, START)
        self.instance = LiveInstance.from_history(record, [])
        self.now = START
        self.result = ReplayResult()

    def episode(self, *events: Event) -> list[Event]:
        self.now += timedelta(seconds=1)
        for event in events:
            self.instance.pending.append(Inbound(event, "exec1"))
        batch = self.instance.take_batch()
        new = [new_event(EventType.ORCHESTRATOR_STARTED, self.now)]
        if not self.instance.history:
            new.append(new_event(EventType.EXECUTION_STARTED, self.now, Name="x", Version="", Input=None))
        new.extend(item.event for item in batch)
        history = [*self.instance.history, *new]
        self.result = run_orchestrator(HANDLE, "context", build_context("sim", None, None, history))
        assert self.result.error is None, self.result.error
        generated = self.instance.book.schedule_leaves(self.result.leaves, self.now)
        if batch:
            retry = self.instance.book.schedule_retry(batch[-1].event, self.now)
            generated += [retry] if retry else []
        self.instance.history.extend([*new, *generated])
        return generated

    def done(self, kind: EventType, task_id: int, **fields: Any) -> Event:
        key = "TimerId" if kind == EventType.TIMER_FIRED else "TaskScheduledId"
        return new_event(kind, self.now, **{key: task_id}, **fields)


def _ids(events: list[Event]) -> list[tuple[str, int, str | None]]:
    return [(EventType(e["EventType"]).name, e["EventId"], e.get("Name")) for e in events]


def test_batched_completion_then_retry_failure_gets_ids_in_sdk_order():
    sim = Simulator()
    assert _ids(sim.episode()) == [("TASK_SCHEDULED", 0, "A"), ("TASK_SCHEDULED", 1, "B")]
    generated = sim.episode(
        sim.done(EventType.TASK_COMPLETED, 1, Result='"b"'),
        sim.done(EventType.TASK_FAILED, 0, Reason="boom", Details=""),
    )
    assert _ids(generated) == [("TASK_SCHEDULED", 2, "C"), ("TIMER_CREATED", 3, None)]
    assert generated[1]["FireAt"] == "2024-05-01T12:00:03.000000Z"
    assert sim.episode(sim.done(EventType.TASK_COMPLETED, 2, Result='"c"')) == []
    assert _ids(sim.episode(sim.done(EventType.TIMER_FIRED, 3))) == [("TASK_SCHEDULED", 4, "A")]
    sim.episode(sim.done(EventType.TASK_COMPLETED, 4, Result='"a"'))
    assert sim.result.done
    assert json.loads(sim.result.output) == ["c", "a"]


def test_retry_failure_ends_a_batch():
    sim = Simulator()
    sim.episode()
    failed = sim.done(EventType.TASK_FAILED, 0, Reason="boom", Details="")
    completed = sim.done(EventType.TASK_COMPLETED, 1, Result='"b"')
    sim.instance.pending.extend([Inbound(failed, "exec1"), Inbound(completed, "exec1")])
    assert [item.event for item in sim.instance.take_batch()] == [failed]
    assert [item.event for item in sim.instance.take_batch()] == [completed]


def test_last_attempt_failure_still_gets_a_timer_then_fails_the_task():
    sim = Simulator()
    sim.episode()
    sim.episode(sim.done(EventType.TASK_FAILED, 0, Reason="first", Details=""))  # timer 2
    assert _ids(sim.episode(sim.done(EventType.TIMER_FIRED, 2))) == [("TASK_SCHEDULED", 3, "A")]
    generated = sim.episode(sim.done(EventType.TASK_FAILED, 3, Reason="second", Details=""))
    assert _ids(generated) == [("TIMER_CREATED", 4, None)]
    # Max attempts reached: the timer resolves the retry task as failed, the race is won by A
    # failing, so the orchestrator moves on to C, which gets the next id.
    assert _ids(sim.episode(sim.done(EventType.TIMER_FIRED, 4))) == [("TASK_SCHEDULED", 5, "C")]


def test_stale_and_duplicate_completions_are_dropped():
    sim = Simulator()
    sim.episode()
    twice = sim.done(EventType.TASK_COMPLETED, 1, Result='"b"')
    other_execution = Inbound(sim.done(EventType.TASK_COMPLETED, 0, Result='"a"'), "exec0")
    sim.instance.pending.extend([Inbound(twice, "exec1"), Inbound(dict(twice), "exec1"), other_execution])
    assert [item.event for item in sim.instance.take_batch()] == [twice]


def test_book_rebuilds_the_same_state_from_history():
    sim = Simulator()
    sim.episode()
    sim.episode(sim.done(EventType.TASK_FAILED, 0, Reason="boom", Details=""))
    rebuilt = ExecutionBook.rebuild("exec1", sim.instance.history)
    live = sim.instance.book
    assert (rebuilt.next_id, set(rebuilt.tasks), set(rebuilt.timers)) == (3, {1}, {2})
    assert (live.next_id, set(live.tasks), set(live.timers)) == (3, {1}, {2})
    assert rebuilt.retries[0].attempts == live.retries[0].attempts == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T12:00:00Z", START),
        ("2024-05-01T12:00:00.1234567Z", START + timedelta(microseconds=123456)),
        ("2024-05-01T14:00:00.5+02:00", START + timedelta(microseconds=500000)),
    ],
)
def test_parse_time(text, expected):
    from devhost.durable.events import parse_time

    assert parse_time(text) == expected
