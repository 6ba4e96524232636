# mypy: disable-error-code="untyped-decorator"
"""A small Durable app exercising every runtime feature the conformance tests check."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import timedelta
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

# Observations shared with the tests (same process): activity call counts and times, and the gates
# that hold an activity until a test releases it.
CALLS: dict[str, list[float]] = {}
HELD: dict[str, asyncio.Event] = {}


def gate_for(key: str) -> asyncio.Event:
    """The gate ``held(key)`` waits on; a test releases it with ``gate_for(key).set()``."""
    return HELD.setdefault(key, asyncio.Event())


def _note(key: str) -> int:
    CALLS.setdefault(key, []).append(time.time())
    return len(CALLS[key])


@app.activity_trigger(input_name="name")
def hello(name: str) -> str:
    return f"Hello {name}!"


@app.activity_trigger(input_name="value")
async def double(value: int) -> int:
    return value * 2


@app.activity_trigger(input_name="size")
def big(size: int) -> str:
    """``size`` characters that hardly compress."""
    return random.Random(size).randbytes(size // 2).hex()


@app.activity_trigger(input_name="key")
def flaky(key: str) -> str:
    """Fails the first two calls for each key, then succeeds."""
    if _note(key) <= 2:
        raise RuntimeError(f"flaky failure for {key}")
    return f"ok {key}"


@app.activity_trigger(input_name="key")
async def once_stuck(key: str) -> str:
    """The first call for a key never returns (the tests crash the runtime meanwhile)."""
    if _note(key) == 1:
        await asyncio.Event().wait()  # until the test crashes the host
    return f"done {key}"


@app.activity_trigger(input_name="key")
async def held(key: str) -> str:
    """Returns ``key`` once the test opens its gate (the call is noted first)."""
    _note(key)
    await gate_for(key).wait()
    return key


@app.activity_trigger(input_name="message")
def explode(message: str) -> None:
    raise ValueError(message)


@app.orchestration_trigger(context_name="context")
def chain(context: df.DurableOrchestrationContext):
    cities = context.get_input() or ["Tokyo", "Seattle", "London"]
    results = []
    for city in cities:
        results.append((yield context.call_activity("hello", city)))
    return results


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext):
    count = context.get_input()
    results = yield context.task_all([context.call_activity("double", i) for i in range(count)])
    return sum(results)


@app.orchestration_trigger(context_name="context")
def big_result(context: df.DurableOrchestrationContext):
    text = yield context.call_activity("big", context.get_input())
    return len(text)


@app.orchestration_trigger(context_name="context")
def big_output(context: df.DurableOrchestrationContext):
    text = yield context.call_activity("big", context.get_input())
    return text


@app.orchestration_trigger(context_name="context")
def durable_timer(context: df.DurableOrchestrationContext):
    started = context.current_utc_datetime
    fire_at = started + timedelta(seconds=context.get_input())
    yield context.create_timer(fire_at)
    return {"fireAt": fire_at.isoformat(), "woke": context.current_utc_datetime.isoformat()}


@app.orchestration_trigger(context_name="context")
def with_retry(context: df.DurableOrchestrationContext):
    key, attempts = context.get_input()
    options = df.RetryOptions(first_retry_interval_in_milliseconds=400, max_number_of_attempts=attempts)
    return (yield context.call_activity_with_retry("flaky", options, key))


@app.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext):
    context.set_custom_status("waiting")
    first = yield context.wait_for_external_event("approve")
    return first


@app.orchestration_trigger(context_name="context")
def buffered(context: df.DurableOrchestrationContext):
    held_value = yield context.call_activity("held", context.get_input())
    value = yield context.wait_for_external_event("go")
    return [held_value, value]


@app.orchestration_trigger(context_name="context")
def counter(context: df.DurableOrchestrationContext):
    count = context.get_input()
    yield context.call_activity("double", count)
    context.set_custom_status({"count": count})
    if count < 3:
        context.continue_as_new(count + 1)
        return None
    return count


@app.orchestration_trigger(context_name="context")
def parent(context: df.DurableOrchestrationContext):
    first = yield context.call_sub_orchestrator("chain", ["Paris"])
    second = yield context.call_sub_orchestrator("chain", ["Rome"], f"{context.instance_id}-child")
    return [first, second]


@app.orchestration_trigger(context_name="context")
def parent_of_failure(context: df.DurableOrchestrationContext):
    try:
        yield context.call_sub_orchestrator("fails", "inner boom")
    except Exception as exc:
        return f"caught: {exc}"
    return "not caught"


@app.orchestration_trigger(context_name="context")
def fails(context: df.DurableOrchestrationContext):
    message = context.get_input()
    yield context.call_activity("double", 1)
    raise ValueError(message)


@app.orchestration_trigger(context_name="context")
def activity_fails(context: df.DurableOrchestrationContext):
    yield context.call_activity("explode", context.get_input())
    return "unreachable"


@app.orchestration_trigger(context_name="context")
def crash_in_activity(context: df.DurableOrchestrationContext):
    return (yield context.call_activity("once_stuck", context.get_input()))


@app.orchestration_trigger(context_name="context")
def race(context: df.DurableOrchestrationContext):
    """Event or timeout: the losing timer is canceled."""
    timeout = context.create_timer(context.current_utc_datetime + timedelta(seconds=30))
    event = context.wait_for_external_event("go")
    winner = yield context.task_any([event, timeout])
    if winner == event:
        timeout.cancel()
        return "event"
    return "timeout"


@app.orchestration_trigger(context_name="context")
def cancel_then_wait(context: df.DurableOrchestrationContext):
    """A short timer loses to an event and is canceled; then the instance waits for another event."""
    timeout = context.create_timer(context.current_utc_datetime + timedelta(seconds=context.get_input()))
    go = context.wait_for_external_event("go")
    winner = yield context.task_any([go, timeout])
    if winner == go:
        timeout.cancel()
    yield context.wait_for_external_event("finish")
    return "finished"


@app.activity_trigger(input_name="marker")
async def gate(marker: str) -> str:
    """Blocks forever the first time (creating ``marker``); returns at once afterwards."""
    path = Path(marker)
    if not await asyncio.to_thread(path.exists):
        await asyncio.to_thread(path.write_text, "started")
        await asyncio.Event().wait()  # until the test crashes the host
    return "passed"


@app.orchestration_trigger(context_name="context")
def gated_then_timer(context: df.DurableOrchestrationContext):
    marker, seconds = context.get_input()
    passed = yield context.call_activity("gate", marker)
    fire_at = context.current_utc_datetime + timedelta(seconds=seconds)
    context.set_custom_status({"timerAt": fire_at.isoformat()})
    yield context.create_timer(fire_at)
    return {"gate": passed, "fireAt": fire_at.isoformat(), "woke": context.current_utc_datetime.isoformat()}


@app.orchestration_trigger(context_name="context")
def http_call(context: df.DurableOrchestrationContext):
    response = yield context.call_http("GET", context.get_input())
    return response


@app.orchestration_trigger(context_name="context")
def uses_entity(context: df.DurableOrchestrationContext):
    yield context.call_entity(df.EntityId("counter", "one"), "add", 1)
    return "unreachable"


@app.orchestration_trigger(context_name="context")
def versioned(context: df.DurableOrchestrationContext):
    """The instance's version, after ``turns`` continue-as-new (it keeps its version)."""
    turns = context.get_input() or 0
    if turns > 0:
        context.continue_as_new(turns - 1)
        return None
    return context.version
