"""Restart recovery: a new runtime on the same tables resumes what a crashed one left behind. Timers
run on a ManualClock shared by both runtimes, so "later" is a step the test takes, not a wait."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from loopback.processes import LOOPBACK, free_port, python_module, start_process, wait_until_listening

from tests.durable.conftest import start_host
from tests.durable.test_conformance import armed_timer
from tests.durable.waiting import wait_done, wait_status
from tests.polling import eventually, wait_until


async def crash(host) -> None:
    """Drop the runtime as a crash would: stop serving, abandon in-flight work, write nothing."""
    await host.runner.cleanup()
    await host.runtime.engine.stop()
    await host.runtime.store.close()  # only releases connections; nothing is written


async def test_timer_survives_a_crash_and_fires_not_early(conformance, azurite, table_prefix, clock):
    first = await start_host(conformance[0], azurite, table_prefix, clock=clock)
    instance_id = await first.client.start_new("durable_timer", client_input=1.5)
    fire_at = await armed_timer(first.runtime.engine, instance_id)  # armed only once committed
    await crash(first)
    second = await start_host(conformance[0], azurite, table_prefix, clock=clock)
    try:
        assert await armed_timer(second.runtime.engine, instance_id) == fire_at
        clock.advance(1.499)
        assert not second.runtime.engine.live[instance_id].pending, "the timer fired early"
        clock.advance(0.001)
        status = await wait_done(second.client, instance_id)
        assert datetime.fromisoformat(status.output["woke"]) == fire_at
    finally:
        await second.close()


async def test_overdue_timer_fires_at_once_after_restart(conformance, azurite, table_prefix, clock):
    first = await start_host(conformance[0], azurite, table_prefix, clock=clock)
    instance_id = await first.client.start_new("durable_timer", client_input=0.5)
    fire_at = await armed_timer(first.runtime.engine, instance_id)
    await crash(first)
    clock.advance(1.0)  # the timer fell due while no host ran
    second = await start_host(conformance[0], azurite, table_prefix, clock=clock)
    try:
        status = await wait_done(second.client, instance_id, timeout=5)
        assert datetime.fromisoformat(status.output["woke"]) == fire_at + timedelta(seconds=0.5)
    finally:
        await second.close()


async def test_a_canceled_timer_stays_canceled_after_restart(conformance, azurite, table_prefix, clock):
    first = await start_host(conformance[0], azurite, table_prefix, clock=clock)
    instance_id = await first.client.start_new("cancel_then_wait", client_input=1)
    await armed_timer(first.runtime.engine, instance_id)
    await first.client.raise_event(instance_id, "go", None)
    engine = first.runtime.engine
    await eventually(lambda: not engine._timers.armed(), 10, "the episode that cancels the timer to commit")
    await crash(first)
    clock.advance(1.2)  # the canceled timer is now overdue
    second = await start_host(conformance[0], azurite, table_prefix, clock=clock)
    try:
        instance = second.runtime.engine.live[instance_id]
        assert not instance.pending and not second.runtime.engine._timers.armed(), "a canceled timer fired"
        assert second.runtime.engine.episodes == 0
        await second.client.raise_event(instance_id, "finish", None)
        status = await wait_done(second.client, instance_id)
        assert status.output == "finished"
    finally:
        await second.close()


async def test_unfinished_activity_runs_again_after_crash(conformance, azurite, table_prefix, calls):
    first = await start_host(conformance[0], azurite, table_prefix)
    instance_id = await first.client.start_new("crash_in_activity", client_input="job")
    await eventually(lambda: calls.get("job"), 10, "the activity to start")
    assert len(calls["job"]) == 1
    await crash(first)
    second = await start_host(conformance[0], azurite, table_prefix)
    try:
        status = await wait_done(second.client, instance_id)
        assert status.output == "done job"
        assert len(calls["job"]) == 2
    finally:
        await second.close()


async def test_event_queued_while_suspended_survives_restart(conformance, azurite, table_prefix):
    first = await start_host(conformance[0], azurite, table_prefix)
    instance_id = await first.client.start_new("approval")
    await wait_status(first.client, instance_id, ("Running",))
    await first.client.suspend(instance_id, "hold")
    await first.client.raise_event(instance_id, "approve", "kept")
    await crash(first)
    second = await start_host(conformance[0], azurite, table_prefix)
    try:
        status = await second.client.get_status(instance_id)
        assert status.runtime_status.value == "Suspended"
        await second.client.resume(instance_id, "go")
        status = await wait_done(second.client, instance_id)
        assert status.output == '"kept"'
    finally:
        await second.close()


def _http(method: str, url: str, body: object = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback URL
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback URL
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, None


def _serve(azurite: str, hub: str, tmp_path: Path, name: str, now: datetime):
    port = free_port()
    args = ["conformance", azurite, hub, str(port), now.isoformat()]
    process = start_process(
        name, python_module("tests.durable.serve_app", *args), log_path=tmp_path / f"{name}.log"
    )
    base = f"http://{LOOPBACK}:{port}/runtime/webhooks/durabletask"
    wait_until_listening(process, f"{base}/instances/none")
    return process, base


def test_kill_9_mid_activity_and_mid_timer(azurite, table_prefix, tmp_path):
    """Three processes: killed while an activity runs, killed while a timer waits (time stands still
    in both), then one whose clock is past the timer."""
    marker = tmp_path / "gate-started"
    start = datetime(2030, 1, 1, tzinfo=timezone.utc)
    first, base = _serve(azurite, table_prefix, tmp_path, "host1", start)
    processes = [first]
    try:
        code, started = _http("POST", f"{base}/orchestrators/gated_then_timer", [str(marker), 2])
        assert code == 202
        instance_id = started["id"]
        wait_until(marker.exists, 20, "the gate activity to start")
        first.kill()  # mid-activity
        second, base = _serve(azurite, table_prefix, tmp_path, "host2", start)
        processes.append(second)
        wait_until(
            lambda: (_http("GET", f"{base}/instances/{instance_id}")[1] or {}).get("customStatus"),
            20,
            "the timer to be scheduled",
        )
        code, status = _http("GET", f"{base}/instances/{instance_id}")
        assert (code, status["runtimeStatus"]) == (202, "Running")  # time stands still: it waits
        fire_at = datetime.fromisoformat(status["customStatus"]["timerAt"])
        assert fire_at == start + timedelta(seconds=2)
        second.kill()  # mid-timer
        third, base = _serve(azurite, table_prefix, tmp_path, "host3", fire_at)
        processes.append(third)
        code, status = wait_until(
            lambda: (answer := _http("GET", f"{base}/instances/{instance_id}"))[0] == 200 and answer,
            20,
            "the instance to complete",
        )
        assert status["runtimeStatus"] == "Completed"
        output = status["output"]
        assert output["gate"] == "passed"
        assert datetime.fromisoformat(output["woke"]) == fire_at
    finally:
        for process in processes:
            process.kill()
