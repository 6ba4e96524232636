"""The public webhooks over plain HTTP (plain JSON bodies, doc 4.5) and the client binding."""

from __future__ import annotations

import json

import aiohttp
import azure.functions as func
import pytest
from devhost.durable.ids import instance_id_problem

from tests.durable.waiting import wait_done, wait_status

BASE = "/runtime/webhooks/durabletask"


@pytest.fixture
async def http(host):
    async with aiohttp.ClientSession(base_url=host.url) as session:
        yield session


async def test_start_with_plain_json_and_wait_for_the_result(http):
    url = f"{BASE}/orchestrators/chain?timeout=10&pollingInterval=0.05"
    async with http.post(url, json=["Oslo"]) as response:
        assert response.status == 200
        assert await response.json() == ["Hello Oslo!"]


async def test_start_returns_check_status_urls(host, http):
    async with http.post(f"{BASE}/orchestrators/approval/hook-1") as response:
        assert response.status == 202
        body = await response.json()
    assert body["id"] == "hook-1"
    assert response.headers["Location"] == body["statusQueryGetUri"]
    assert body["statusQueryGetUri"].startswith(f"{host.url}{BASE}/instances/hook-1?")
    async with http.get(body["statusQueryGetUri"]) as response:
        assert response.status == 202
        assert (await response.json())["runtimeStatus"] in ("Pending", "Running")
    send = body["sendEventPostUri"].replace("{eventName}", "approve")
    async with http.post(send, json={"ok": True}) as response:
        assert response.status == 202
    status = await wait_done(host.client, "hook-1")
    assert status.output == {"ok": True}  # plain JSON callers deliver objects


async def test_raise_event_status_codes(host, http):
    async with http.post(f"{BASE}/instances/nobody/raiseEvent/x", json=1) as response:
        assert response.status == 404
    await host.client.start_new("chain", "done-1", ["Z"])
    await wait_done(host.client, "done-1")
    async with http.post(f"{BASE}/instances/done-1/raiseEvent/x", json=1) as response:
        assert response.status == 410
    async with http.post(f"{BASE}/instances/done-1/raiseEvent/x", data="1") as response:
        assert response.status == 400
    async with http.post(f"{BASE}/instances/done-1/terminate?reason=x") as response:
        assert response.status == 410
    async with http.post(f"{BASE}/instances/nobody/terminate?reason=x") as response:
        assert response.status == 404


async def test_unknown_orchestrator_and_bad_ids_are_400(http):
    async with http.post(f"{BASE}/orchestrators/no_such_thing") as response:
        assert response.status == 400
        assert "no_such_thing" in (await response.json())["ExceptionMessage"]
    async with http.post(f"{BASE}/orchestrators/chain/@entity") as response:
        assert response.status == 400
    async with http.post(f"{BASE}/orchestrators/chain", data="{not json") as response:
        assert response.status == 400


async def test_status_of_unknown_instance_is_404_and_entities_501(http):
    async with http.get(f"{BASE}/instances/unknown-id") as response:
        assert response.status == 404
    async with http.get(f"{BASE}/entities/counter/one") as response:
        assert response.status == 501


async def test_failed_status_codes_and_show_input(host, http):
    instance_id = await host.client.start_new("fails", client_input="oops")
    await wait_done(host.client, instance_id)
    async with http.get(f"{BASE}/instances/{instance_id}?showInput=false") as response:
        assert response.status == 200
        body = await response.json()
    assert body["input"] is None
    assert body["runtimeStatus"] == "Failed"
    async with http.get(
        f"{BASE}/instances/{instance_id}?returnInternalServerErrorOnFailure=true"
    ) as response:
        assert response.status == 500


async def test_purge_by_created_time(host, http):
    await host.client.start_new("chain", "old-1", ["Q"])
    await wait_done(host.client, "old-1")
    await host.client.start_new("approval", "live-1")
    await wait_status(host.client, "live-1", ("Running",))
    async with http.delete(f"{BASE}/instances/") as response:
        assert response.status == 400
    async with http.delete(f"{BASE}/instances/?createdTimeFrom=2000-01-01T00:00:00Z") as response:
        assert response.status == 200
        assert await response.json() == {"instancesDeleted": 1}
    assert not await host.client.get_status("old-1")
    assert (await host.client.get_status("live-1")).runtime_status.value == "Running"
    await host.client.terminate("live-1", "cleanup")


async def test_sdk_check_status_response_points_at_the_webhooks(host, http):
    request = func.HttpRequest("POST", f"{host.url}/api/start", body=b"")
    response = host.client.create_check_status_response(request, "abc")
    body = json.loads(response.get_body())
    assert response.status_code == 202
    async with http.get(body["statusQueryGetUri"]) as status:
        assert status.status == 404  # the route exists on the same origin; the instance does not


@pytest.mark.parametrize("bad", ["", "@x", "a/b", "a\\b", "a#b", "a?b", "a\nb", "x" * 257])
def test_invalid_instance_ids(bad):
    assert instance_id_problem(bad) is not None


def test_valid_instance_ids():
    assert instance_id_problem("token-lifecycle-42") is None
    assert instance_id_problem("abc:1") is None
