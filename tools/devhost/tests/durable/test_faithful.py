"""Where the app's correctness depends on it, devhost answers as the Durable extension does: a start
for a live id follows host.json's overridableExistingInstanceStates, long waits are bounded and wake on
completion, and the SDK's RPC lives below a per-process secret path that no web page may call."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import aiohttp
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError, ServiceRequestError
from devhost.durable.health import is_outage
from devhost.durable.webhooks import MAX_WAIT_S, MIN_POLL_S, wait_bounds
from devhost.local_settings import SettingsError, replaces_running_instances

from tests.durable.conftest import start_host
from tests.durable.test_conformance import armed_timer
from tests.durable.waiting import wait_done, wait_status

BASE = "/runtime/webhooks/durabletask"
REFUSED = {"Message": "An Orchestration instance with the status Running already exists."}


@pytest.fixture
async def http(host):
    async with aiohttp.ClientSession(base_url=host.url) as session:
        yield session


async def test_a_start_for_a_running_id_is_409_by_default(host, http):
    async with http.post(f"{BASE}/orchestrators/approval/single", json="first") as response:
        assert response.status == 202
    await wait_status(host.client, "single", ("Running",))
    async with http.post(f"{BASE}/orchestrators/approval/single", json="second") as response:
        assert response.status == 409
        assert await response.json() == REFUSED
    with pytest.raises(Exception, match=REFUSED["Message"]):  # the SDK surfaces the extension's body
        await host.client.start_new("approval", "single", "third")
    status = await host.client.get_status("single")
    assert (status.runtime_status.value, status.input_) == ("Running", "first")


async def test_any_state_replaces_the_running_instance(conformance, azurite, table_prefix, clock):
    host = await start_host(conformance[0], azurite, table_prefix, clock=clock, replace_running=True)
    try:
        await host.client.start_new("durable_timer", "single", 30)
        await armed_timer(host.runtime.engine, "single")
        await host.client.start_new("approval", "single", "second")
        status = await wait_status(host.client, "single", ("Running",))
        assert (status.name, status.input_) == ("approval", "second")
        assert host.runtime.engine._timers.armed() == []  # the replaced instance's timer went with it
        clock.advance(60)
        await host.client.raise_event("single", "approve", "yes")
        status = await wait_done(host.client, "single")
        assert (status.name, status.output) == ("approval", '"yes"')
        full = await host.client.get_status("single", show_history=True)
        names = [e.get("FunctionName") for e in full.historyEvents if e["EventType"] == "ExecutionStarted"]
        assert names == ["approval"]  # one history: the replaced one's is gone
    finally:
        await host.close()


@pytest.mark.parametrize(
    ("setting", "replaces"),
    [(None, False), ("NonRunningStates", False), ("AnyState", True), ("anystate", True)],
)
def test_overridable_states_come_from_host_json(tmp_path: Path, setting: str | None, replaces: bool) -> None:
    durable = {} if setting is None else {"overridableExistingInstanceStates": setting}
    (tmp_path / "host.json").write_text(json.dumps({"extensions": {"durableTask": durable}}))
    assert replaces_running_instances(tmp_path) is replaces


def test_an_unknown_overridable_state_fails_at_startup(tmp_path: Path) -> None:
    settings = {"extensions": {"durableTask": {"overridableExistingInstanceStates": "Sometimes"}}}
    (tmp_path / "host.json").write_text(json.dumps(settings))
    with pytest.raises(SettingsError, match="NonRunningStates or AnyState"):
        replaces_running_instances(tmp_path)


async def test_a_zero_polling_interval_does_not_spin(host, http, monkeypatch):
    reads = 0
    original = host.runtime.management.get

    async def counted(*args, **kwargs):
        nonlocal reads
        reads += 1
        return await original(*args, **kwargs)

    monkeypatch.setattr(host.runtime.management, "get", counted)
    started = time.monotonic()
    async with http.post(f"{BASE}/orchestrators/approval?timeout=1&pollingInterval=0") as response:
        assert response.status == 202  # still running when the wait ends
    assert 1.0 <= time.monotonic() - started < 5.0
    assert reads <= 1 + math.ceil(1 / MIN_POLL_S), reads


async def test_a_long_wait_returns_as_soon_as_the_instance_completes(http):
    started = time.monotonic()
    async with http.post(
        f"{BASE}/orchestrators/chain?timeout=60&pollingInterval=60", json=["Oslo"]
    ) as answer:
        assert answer.status == 200
        assert await answer.json() == ["Hello Oslo!"]
    assert time.monotonic() - started < 10  # woken by the completion, not by the 60 s interval


@pytest.mark.parametrize("timeout", ["nan", "inf", "-inf", "-1", "soon"])
async def test_a_timeout_that_is_no_duration_is_400_and_starts_nothing(host, http, timeout):
    url = f"{BASE}/orchestrators/approval?timeout={timeout}&pollingInterval=1"
    async with http.post(url) as response:
        assert response.status == 400
        assert "Message" in await response.json()
    assert await host.client.get_status_all() == []


def test_wait_bounds_are_clamped() -> None:
    assert wait_bounds({"timeout": "1e9", "pollingInterval": "0"}) == (MAX_WAIT_S, MIN_POLL_S)
    assert wait_bounds({"timeout": "10", "pollingInterval": "99"}) == (10.0, 10.0)
    assert wait_bounds({"timeout": "10"}) is None  # the extension waits only when both are given
    with pytest.raises(ValueError, match="pollingInterval"):
        wait_bounds({"timeout": "1", "pollingInterval": "nan"})


async def test_the_rpc_routes_live_below_a_secret_path_and_refuse_web_pages(host, http):
    rpc = json.loads(host.runtime.client_binding(host.url))["rpcBaseUrl"]
    assert rpc.startswith(f"{host.url}/durabletask/") and len(rpc) > len(f"{host.url}/durabletask/") + 30
    path = rpc.removeprefix(host.url)
    async with http.get(f"{path}instances/") as response:
        assert response.status == 200
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": host.url},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        async with http.post(f"{path}orchestrators/approval", data="x", headers=headers) as response:
            assert response.status == 403, headers
    async with http.get("/durabletask/instances/") as response:
        assert response.status == 404
    assert await host.client.get_status_all() == []


def _http_error(status: int) -> HttpResponseError:
    error = HttpResponseError(f"status {status}")
    error.status_code = status
    return error


def test_what_counts_as_a_storage_outage() -> None:
    lost_table = ResourceNotFoundError("gone")
    vars(lost_table)["error_code"] = "TableNotFound"  # as azure-data-tables sets it
    assert is_outage(ServiceRequestError("connection refused")) and is_outage(lost_table)
    assert is_outage(_http_error(503))
    for not_outage in (ResourceNotFoundError("no such row"), ValueError("bad"), _http_error(500)):
        assert not is_outage(not_outage)
