"""Storage outages: once devhost notices (a failed storage call, or its failed probe within 2 s) every
durable route answers 503 + Retry-After at once, and an HTTP trigger that fails for it too (one that needs
no storage still runs); when an Azurite comes back (here an empty one, as
after kill -9 of an in-memory Azurite: every write lost) devhost restores the live instances from
memory and resumes them, timers included."""

from __future__ import annotations

import json
import time
from pathlib import Path

import aiohttp
from azure.core.exceptions import ServiceRequestError
from devhost.testing import launch_devhost

from tests.durable.conftest import start_host
from tests.durable.test_conformance import armed_timer
from tests.durable.test_recovery import crash
from tests.durable.waiting import wait_done, wait_status
from tests.host.calls import call
from tests.polling import eventually, wait_until

BASE = "/runtime/webhooks/durabletask"
JSON_TYPE = {"Content-Type": "application/json"}
QUICK_S = 1.5  # far below the ~5 s the storage SDK's default retries take


def _timed(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None):
    started = time.monotonic()
    answer = call(method, url, body, headers)
    return answer, time.monotonic() - started


def _status(links: dict[str, str]) -> str:
    return str(call("GET", links["statusQueryGetUri"]).json().get("runtimeStatus"))


def _finished(links: dict[str, str]):
    answer = call("GET", links["statusQueryGetUri"])
    return answer if answer.status == 200 else None


def test_outage_answers_503_fast_and_every_instance_resumes(basic_app: Path, own_azurite, tmp_path) -> None:
    running = launch_devhost(basic_app, connection_string=own_azurite.connection_string, log_dir=tmp_path)
    try:
        started = call(
            "POST", f"{running.url}/api/start/waits", b"null", {"Content-Type": "application/json"}
        )
        assert started.status == 202, started.text
        links = started.json()
        wait_until(lambda: _status(links) == "Running", 20, "the instance to run")

        own_azurite.kill()
        # The first request after the kill: its own failed storage call answers 503 fast.
        answer, took = _timed("POST", f"{running.url}/api/start/greet", b'{"name": "x"}', JSON_TYPE)
        assert (answer.status, answer.headers["Retry-After"], took < QUICK_S) == (503, "2", True), answer.text
        health_url = f"{running.url}/admin/host/status"
        wait_until(lambda: call("GET", health_url).status == 503, 4, "the probe to notice the outage")
        for method, url in (
            ("GET", links["statusQueryGetUri"]),  # a durable webhook
            ("POST", f"{running.url}/api/start/greet"),  # an HTTP trigger whose durable client fails
        ):
            answer, took = _timed(method, url, b"{}", {"Content-Type": "application/json"})
            assert (answer.status, answer.headers["Retry-After"]) == (503, "2"), (url, answer.text)
            assert took < QUICK_S, (url, took)
        # an HTTP trigger that needs no storage still runs, as under Azure's host
        assert call("GET", f"{running.url}/api/open").text == "open"
        assert call("GET", health_url).json()["state"] == "Error"

        own_azurite.start_again()  # empty: the instance's rows are gone
        wait_until(lambda: call("GET", health_url).status == 200, 20, "storage to be back")
        status = call("GET", links["statusQueryGetUri"])
        assert (status.status, status.json()["runtimeStatus"]) == (202, "Running")
        send = links["sendEventPostUri"].replace("{eventName}", "approve")
        assert call("POST", send, b'"ok"', {"Content-Type": "application/json"}).status == 202
        done = wait_until(
            lambda: (a := call("GET", links["statusQueryGetUri"])).status == 200 and a, 20, "done"
        )
        assert (done.json()["runtimeStatus"], done.json()["output"]) == ("Completed", "ok")
        greeted = call("POST", f"{running.url}/api/start/greet", b'{"name": "again"}')
        assert greeted.status == 202
    finally:
        running.stop()
    log = running.log_text()
    assert "Traceback" not in log
    assert "storage unreachable" in log and "storage lost writes of" in log


async def test_a_timer_that_falls_due_during_an_outage_fires_once_storage_is_back(
    conformance, own_azurite, table_prefix, clock
) -> None:
    host = await start_host(conformance[0], own_azurite.connection_string, table_prefix, clock=clock)
    try:
        instance_id = await host.client.start_new("durable_timer", client_input=5)
        fire_at = await armed_timer(host.runtime.engine, instance_id)
        own_azurite.kill()
        clock.advance(5)  # the timer fires while its episode cannot be stored
        await eventually(lambda: not host.runtime.storage_healthy, 5, "the failed commit to be noticed")
        async with aiohttp.ClientSession(host.url) as http:
            started = time.monotonic()
            async with http.get(f"{BASE}/instances/{instance_id}") as response:
                assert (response.status, response.headers["Retry-After"]) == (503, "2")
                assert time.monotonic() - started < QUICK_S
        assert not host.runtime.storage_healthy
        own_azurite.start_again()
        await eventually(lambda: host.runtime.storage_healthy, 20, "storage to be back")
        status = await wait_done(host.client, instance_id)
        assert status.runtime_status.value == "Completed"
        assert json.loads(json.dumps(status.output))["woke"] == fire_at.isoformat()
        stored = await eventually(lambda: host.runtime.store.get(instance_id), 5, "the stored row")
        assert stored.status.value == "Completed"
    finally:
        await host.close()


async def test_what_storage_lost_is_restored_well_enough_for_a_restart(conformance, azurite, table_prefix):
    """Storage kept the instance's first writes but lost the latest (as Azurite does after kill -9):
    after the outage devhost rewrites it, so that even a later crash resumes from storage."""
    host = await start_host(conformance[0], azurite, table_prefix)
    try:
        instance_id = await host.client.start_new("chain", client_input=["A", "B"])
        await wait_done(host.client, instance_id)  # a finished one, then a live one with history
        waiting = await host.client.start_new("approval")
        await wait_status(host.client, waiting, ("Running",))
        stored = await host.runtime.store.get(waiting)
        assert stored is not None and stored.episodes >= 1
        await host.runtime.store.purge(waiting)  # its rows are gone, as if never written
        host.runtime.engine.health.failed(ServiceRequestError("Azurite was restarted"))
        await eventually(lambda: host.runtime.storage_healthy, 10, "the repair after the outage")
        restored = await host.runtime.store.get(waiting)
        assert restored is not None and restored.status.value == "Running"
    finally:
        await crash(host)
    second = await start_host(conformance[0], azurite, table_prefix)
    try:
        await second.client.raise_event(waiting, "approve", "after restart")
        status = await wait_done(second.client, waiting)
        assert status.output == '"after restart"'
        full = await second.client.get_status(waiting, show_history=True)
        assert [e["EventType"] for e in full.historyEvents][:1] == ["ExecutionStarted"]
    finally:
        await second.close()


def test_only_a_failed_storage_call_is_an_outage_not_a_slow_one() -> None:
    """A busy machine makes storage slow, not down: timeouts never declare an outage."""
    import asyncio

    from azure.core.exceptions import ServiceRequestTimeoutError, ServiceResponseTimeoutError
    from devhost.durable.health import is_outage

    assert is_outage(ServiceRequestError("connection refused"))
    assert is_outage(ConnectionRefusedError())
    for slow in (
        ServiceRequestTimeoutError("connect timed out"),
        ServiceResponseTimeoutError("read"),
        asyncio.TimeoutError(),
    ):
        assert not is_outage(slow), slow


async def test_a_slow_probe_while_healthy_does_not_declare_an_outage() -> None:
    import asyncio

    from azure.core.exceptions import ServiceRequestTimeoutError
    from devhost.durable import health

    probes = 0

    async def slow_probe() -> None:
        nonlocal probes
        probes += 1
        raise ServiceRequestTimeoutError("connect timed out under CPU contention")

    async def nothing() -> None:
        return None

    watched = health.StorageHealth(slow_probe, nothing)
    watched.start()
    try:
        while probes < 2:
            watched._wake.set()  # probe now rather than in 2 s
            await asyncio.sleep(0)
        assert watched.healthy
    finally:
        await watched.stop()
