"""Restart recovery: a new runtime on the same tables resumes what a crashed one left behind."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from loopback.processes import LOOPBACK, free_port, python_module, start_process, wait_until_listening

from tests.durable.conftest import start_host
from tests.durable.waiting import wait_done, wait_status


async def crash(host) -> None:
    """Drop the runtime as a crash would: stop serving, abandon in-flight work, write nothing."""
    await host.runner.cleanup()
    await host.runtime.engine.stop()
    await host.runtime.store.close()  # only releases connections; nothing is written


async def test_timer_survives_a_crash_and_fires_not_early(conformance, azurite, table_prefix):
    first = await start_host(conformance[0], azurite, table_prefix)
    instance_id = await first.client.start_new("durable_timer", client_input=1.5)
    await wait_status(first.client, instance_id, ("Running",))
    await asyncio.sleep(0.2)
    await crash(first)
    second = await start_host(conformance[0], azurite, table_prefix)
    try:
        status = await wait_done(second.client, instance_id)
        fire_at = datetime.fromisoformat(status.output["fireAt"])
        woke = datetime.fromisoformat(status.output["woke"])
        assert fire_at <= woke
        assert (woke - fire_at).total_seconds() < 1.0
    finally:
        await second.close()


async def test_overdue_timer_fires_at_once_after_restart(conformance, azurite, table_prefix):
    first = await start_host(conformance[0], azurite, table_prefix)
    instance_id = await first.client.start_new("durable_timer", client_input=0.5)
    await wait_status(first.client, instance_id, ("Running",))
    await crash(first)
    await asyncio.sleep(1.0)
    second = await start_host(conformance[0], azurite, table_prefix)
    try:
        started = time.monotonic()
        status = await wait_done(second.client, instance_id)
        assert time.monotonic() - started < 1.0
        assert datetime.fromisoformat(status.output["fireAt"]) <= datetime.fromisoformat(
            status.output["woke"]
        )
    finally:
        await second.close()


async def test_a_canceled_timer_stays_canceled_after_restart(conformance, azurite, table_prefix):
    first = await start_host(conformance[0], azurite, table_prefix)
    instance_id = await first.client.start_new("cancel_then_wait", client_input=1)
    await wait_status(first.client, instance_id, ("Running",))
    await first.client.raise_event(instance_id, "go", None)
    await asyncio.sleep(0.3)
    await crash(first)
    await asyncio.sleep(1.2)  # the canceled timer is now overdue
    second = await start_host(conformance[0], azurite, table_prefix)
    try:
        await asyncio.sleep(0.5)
        episodes = second.runtime.engine.episodes
        assert episodes == 0, "a canceled timer fired after the restart"
        await second.client.raise_event(instance_id, "finish", None)
        status = await wait_done(second.client, instance_id)
        assert status.output == "finished"
    finally:
        await second.close()


async def test_unfinished_activity_runs_again_after_crash(conformance, azurite, table_prefix, calls):
    first = await start_host(conformance[0], azurite, table_prefix)
    instance_id = await first.client.start_new("crash_in_activity", client_input="job")
    for _ in range(200):
        if calls.get("job"):
            break
        await asyncio.sleep(0.02)
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


def _serve(azurite: str, hub: str, tmp_path: Path, name: str):
    port = free_port()
    argv = python_module("tests.durable.serve_app", "conformance", azurite, hub, str(port))
    process = start_process(name, argv, log_path=tmp_path / f"{name}.log")
    base = f"http://{LOOPBACK}:{port}/runtime/webhooks/durabletask"
    wait_until_listening(process, f"{base}/instances/none")
    return process, base


async def test_kill_9_mid_activity_and_mid_timer(azurite, table_prefix, tmp_path):
    marker = tmp_path / "gate-started"
    first, base = await asyncio.to_thread(_serve, azurite, table_prefix, tmp_path, "host1")
    processes = [first]
    try:
        code, started = await asyncio.to_thread(
            _http, "POST", f"{base}/orchestrators/gated_then_timer", [str(marker), 2]
        )
        assert code == 202
        instance_id = started["id"]
        for _ in range(500):
            if marker.exists():
                break
            await asyncio.sleep(0.02)
        first.kill()  # mid-activity
        second, base = await asyncio.to_thread(_serve, azurite, table_prefix, tmp_path, "host2")
        processes.append(second)
        status: dict[str, Any] = {}
        for _ in range(300):
            code, status = await asyncio.to_thread(_http, "GET", f"{base}/instances/{instance_id}")
            if status and status.get("customStatus"):
                break
            await asyncio.sleep(0.02)
        assert status["customStatus"]["timerAt"]
        second.kill()  # mid-timer
        third, base = await asyncio.to_thread(_serve, azurite, table_prefix, tmp_path, "host3")
        processes.append(third)
        for _ in range(500):
            code, status = await asyncio.to_thread(_http, "GET", f"{base}/instances/{instance_id}")
            if status["runtimeStatus"] != "Running":
                break
            await asyncio.sleep(0.02)
        assert code == 200, status
        assert status["runtimeStatus"] == "Completed"
        output = status["output"]
        assert output["gate"] == "passed"
        assert datetime.fromisoformat(output["fireAt"]) <= datetime.fromisoformat(output["woke"])
    finally:
        for process in processes:
            process.kill()
