"""Durable semantics through the SDK's own client, over loopback HTTP, with Azurite behind."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest

from tests.durable.waiting import wait_done, wait_status
from tests.polling import eventually

pytestmark = pytest.mark.filterwarnings("ignore:Potential duplicate Task completion:UserWarning")


async def test_chaining_runs_activities_in_order(host):
    instance_id = await host.client.start_new("chain")
    status = await wait_done(host.client, instance_id)
    assert status.runtime_status.value == "Completed"
    assert status.output == ["Hello Tokyo!", "Hello Seattle!", "Hello London!"]


async def test_fan_out_fan_in_of_100_activities(host):
    instance_id = await host.client.start_new("fan_out", client_input=100)
    status = await wait_done(host.client, instance_id)
    assert status.output == sum(2 * i for i in range(100))


@pytest.mark.parametrize("size", [300_000, 6_000_000])
async def test_large_activity_result_is_persisted(host, size):
    instance_id = await host.client.start_new("big_result", client_input=size)
    status = await wait_done(host.client, instance_id, timeout=30)
    assert status.output == size
    _, history = await host.runtime.management.get(instance_id, with_history=True)
    assert history is not None
    assert any(len(event.get("Result") or "") == size + 2 for event in history)


async def test_an_output_too_large_to_store_fails_the_instance_instead_of_wedging_it(host):
    instance_id = await host.client.start_new("big_output", client_input=2_000_000)
    status = await wait_done(host.client, instance_id, timeout=30)
    assert status.runtime_status.value == "Failed"
    assert "too large to store" in status.output
    engine = host.runtime.engine
    assert instance_id not in engine.live  # unloaded: no runner can retry the episode


async def armed_timer(engine, instance_id: str, timeout: float = 10.0) -> datetime:
    """The fire time of the one durable timer ``instance_id`` waits on, once it is armed."""

    async def armed():
        live = engine.live.get(instance_id)
        keys = [key for key in engine._timers.armed() if key[0] == instance_id]
        return live.book.timers[keys[0][2]]["FireAt"] if live and len(keys) == 1 else None

    return datetime.fromisoformat((await eventually(armed, timeout, "an armed timer")).replace("Z", "+00:00"))


async def test_durable_timer_fires_not_early(timed_host, clock):
    instance_id = await timed_host.client.start_new("durable_timer", client_input=1)
    fire_at = await armed_timer(timed_host.runtime.engine, instance_id)
    assert fire_at == clock.now() + timedelta(seconds=1)
    clock.advance(0.999)
    instance = timed_host.runtime.engine.live[instance_id]
    assert not instance.pending, "the timer fired early"
    assert (await timed_host.client.get_status(instance_id)).runtime_status.value == "Running"
    clock.advance(0.001)
    status = await wait_done(timed_host.client, instance_id)
    assert datetime.fromisoformat(status.output["woke"]) == fire_at


async def test_retry_succeeds_on_third_attempt_after_its_intervals(timed_host, clock, calls):
    engine = timed_host.runtime.engine
    instance_id = await timed_host.client.start_new("with_retry", client_input=["k1", 3])
    for attempt in (1, 2):
        retry_at = await armed_timer(engine, instance_id)
        assert len(calls["k1"]) == attempt
        assert retry_at == clock.now() + timedelta(milliseconds=400)
        clock.advance(0.399)
        assert not engine.live[instance_id].pending, "the retry timer fired early"
        clock.advance(0.001)
        await eventually(partial(_called, calls, "k1", attempt + 1), 10, f"attempt {attempt + 1}")
    status = await wait_done(timed_host.client, instance_id)
    assert (status.runtime_status.value, status.output) == ("Completed", "ok k1")
    assert len(calls["k1"]) == 3


async def test_retry_exhausted_fails_with_the_activity_error(host, calls):
    instance_id = await host.client.start_new("with_retry", client_input=["k2", 2])
    status = await wait_done(host.client, instance_id)
    assert status.runtime_status.value == "Failed"
    assert "flaky failure for k2" in status.output
    assert status.output.startswith("Orchestrator function 'with_retry' failed:")
    assert len(calls["k2"]) == 2


def _called(calls: dict[str, list[float]], key: str, times: int) -> bool:
    return len(calls.get(key, [])) == times


async def test_external_event_through_client(host):
    instance_id = await host.client.start_new("approval")
    status = await wait_status(host.client, instance_id, ("Running",))
    assert status.custom_status == "waiting"
    await host.client.raise_event(instance_id, "approve", {"ok": True})
    status = await wait_done(host.client, instance_id)
    # The Python client double-encodes: the orchestrator sees JSON text (doc 4.2).
    assert status.output == '{"ok": true}'


async def test_external_event_buffered_before_it_is_awaited(host, conformance, calls):
    instance_id = await host.client.start_new("buffered", client_input="held-1")
    await eventually(lambda: calls.get("held-1"), 10, "the held activity to start")
    await host.client.raise_event(instance_id, "go", 7)  # nobody waits for "go" yet
    conformance[1].gate_for("held-1").set()
    status = await wait_done(host.client, instance_id)
    assert status.output == ["held-1", "7"]


async def test_continue_as_new_truncates_history(host):
    instance_id = await host.client.start_new("counter", client_input=0)
    status = await wait_done(host.client, instance_id)
    assert status.output == 3
    assert status.custom_status == {"count": 3}
    full = await host.client.get_status(instance_id, show_history=True)
    kinds = [event["EventType"] for event in full.historyEvents]
    assert kinds.count("ExecutionStarted") == 1
    assert kinds.count("TaskCompleted") == 1
    started = next(e for e in full.historyEvents if e["EventType"] == "ExecutionStarted")
    assert started["Input"] == "3"


async def test_sub_orchestrations_with_generated_and_given_ids(host):
    instance_id = await host.client.start_new("parent")
    status = await wait_done(host.client, instance_id)
    assert status.output == [["Hello Paris!"], ["Hello Rome!"]]
    child = await host.client.get_status(f"{instance_id}-child")
    assert child.runtime_status.value == "Completed"


async def test_sub_orchestration_failure_reaches_parent(host):
    instance_id = await host.client.start_new("parent_of_failure")
    status = await wait_done(host.client, instance_id)
    assert status.output.startswith("caught: ")
    assert "inner boom" in status.output


async def test_orchestrator_failure_is_surfaced(host):
    instance_id = await host.client.start_new("fails", client_input="kaboom")
    status = await wait_done(host.client, instance_id)
    assert status.runtime_status.value == "Failed"
    assert status.output == "Orchestrator function 'fails' failed: kaboom"


async def test_activity_failure_is_surfaced(host):
    instance_id = await host.client.start_new("activity_fails", client_input="bad input")
    status = await wait_done(host.client, instance_id)
    assert status.runtime_status.value == "Failed"
    assert "Activity function 'explode' failed: ValueError: bad input" in status.output


async def test_terminate(host):
    instance_id = await host.client.start_new("approval")
    await wait_status(host.client, instance_id, ("Running",))
    await host.client.terminate(instance_id, "enough")
    status = await host.client.get_status(instance_id)
    assert status.runtime_status.value == "Terminated"
    assert status.output == "enough"
    with pytest.raises(Exception, match="is gone"):
        await host.client.raise_event(instance_id, "approve", 1)


async def test_suspend_queues_events_until_resume(host):
    instance_id = await host.client.start_new("approval")
    await wait_status(host.client, instance_id, ("Running",))
    await host.client.suspend(instance_id, "pause")
    instance = host.runtime.engine.live[instance_id]
    episodes = host.runtime.engine.episodes
    await host.client.raise_event(instance_id, "approve", "yes")
    assert instance.runner is not None
    await asyncio.wait_for(instance.runner, 5)  # the runner that the event woke has nothing to do
    assert host.runtime.engine.episodes == episodes
    assert [item.event["Name"] for item in instance.pending] == ["approve"]
    status = await host.client.get_status(instance_id)
    assert status.runtime_status.value == "Suspended"
    await host.client.resume(instance_id, "go on")
    status = await wait_done(host.client, instance_id)
    assert status.output == '"yes"'


async def test_purge_then_status_is_404(host):
    instance_id = await host.client.start_new("chain", client_input=["A"])
    await wait_done(host.client, instance_id)
    result = await host.client.purge_instance_history(instance_id)
    assert result.instances_deleted == 1
    status = await host.client.get_status(instance_id)
    assert not status
    again = await host.client.purge_instance_history(instance_id)
    assert again.instances_deleted == 0


async def test_start_new_on_running_singleton_is_refused_and_finished_one_replaced(host):
    await host.client.start_new("approval", "singleton-1")
    await wait_status(host.client, "singleton-1", ("Running",))
    with pytest.raises(Exception, match="An Orchestration instance with the status Running already exists"):
        await host.client.start_new("approval", "singleton-1")
    await host.client.terminate("singleton-1", "stop")
    await host.client.start_new("chain", "singleton-1", ["B"])
    status = await wait_done(host.client, "singleton-1")
    assert status.output == ["Hello B!"]
    assert status.name == "chain"


async def test_canceled_timer_does_not_keep_instance_waiting(host):
    instance_id = await host.client.start_new("race")
    await wait_status(host.client, instance_id, ("Running",))
    await host.client.raise_event(instance_id, "go", None)
    status = await wait_done(host.client, instance_id)
    assert status.output == "event"
    assert host.runtime.engine._timers.armed() == []


async def test_status_queries_filter_by_status_and_prefix(host):
    done_id = await host.client.start_new("chain", "q-done", ["C"])
    await wait_done(host.client, done_id)
    await host.client.start_new("approval", "q-waiting")
    await wait_status(host.client, "q-waiting", ("Running",))
    everything = await host.client.get_status_all()
    assert {s.instance_id for s in everything} >= {"q-done", "q-waiting"}
    running = await host.client.get_status_by(runtime_status=[_status("Running")])
    assert [s.instance_id for s in running] == ["q-waiting"]
    await host.client.terminate("q-waiting", "cleanup")


def _status(name: str) -> Any:
    from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus

    return OrchestrationRuntimeStatus(name)


async def test_call_http_runs_the_builtin_http_activity(host):
    target = f"{host.url}/runtime/webhooks/durabletask/instances/nobody-here"
    instance_id = await host.client.start_new("http_call", client_input=target)
    status = await wait_done(host.client, instance_id)
    assert status.runtime_status.value == "Completed", status.output
    assert status.output["statusCode"] == 404


async def test_entity_calls_fail_the_orchestration_clearly(host):
    instance_id = await host.client.start_new("uses_entity")
    status = await wait_done(host.client, instance_id)
    assert status.runtime_status.value == "Failed"
    assert "entities are not supported" in status.output
