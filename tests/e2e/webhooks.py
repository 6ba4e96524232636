"""Helpers of the webhook end-to-end tests: the app's subscription, Strava-shaped events, durable
status of the debouncer, and the Strava calls the emulator counted."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from orchestrations.contract import debounce_instance_id, snapshot_instance_id
from orchestrations.history_contract import history_instance_id
from storage import ActivityStore, RateBudgetStore, TableService
from tests.e2e.conftest import AppUnderTest

VERIFY_TOKEN = "e2e-verify-token"
WEBHOOK_SETTINGS = {
    "STRAVA_WEBHOOK_VERIFY_TOKEN": VERIFY_TOKEN,
    "WEBHOOK_DEBOUNCE_SECONDS": "2",
    "WEBHOOK_MAX_DELAY_SECONDS": "10",
}
EMULATOR_FLAGS = ("--athletes", "2", "--activities", "60")
FINISHED = ("Completed", "Failed", "Terminated")


async def subscribe(app: AppUnderTest) -> int:
    """Create the app's subscription (the emulator validates the callback first); its id."""
    status, _, body = await app.request("POST", "/api/strava/subscription")
    assert status == 201, body
    return int(json.loads(body)["subscription"]["id"])


async def connected_and_subscribed(app: AppUnderTest) -> tuple[int, int]:
    """The first athlete connected with a published snapshot, and the subscription id."""
    status, _, _ = await app.connect()
    assert status == 200
    await app.wait_for("/api/stats")
    athlete_id = app.athlete_ids()[0]
    await app.wait_for_history(athlete_id)  # the backfill's own snapshot refresh is behind us
    return athlete_id, await subscribe(app)


def event(athlete_id: int, subscription_id: int, **fields: Any) -> dict[str, Any]:
    base = {
        "aspect_type": "create",
        "event_time": int(time.time()),
        "object_id": 9_999_999_999,
        "object_type": "activity",
        "owner_id": athlete_id,
        "subscription_id": subscription_id,
        "updates": {},
    }
    return {**base, **fields}


async def post_event(app: AppUnderTest, body: Any) -> tuple[int, dict[str, Any]]:
    status, _, text = await app.request("POST", "/api/strava/webhook", json=body)
    return status, json.loads(text)


async def instance(app: AppUnderTest, instance_id: str) -> dict[str, Any] | None:
    """The durable status of an instance, or None if there is none."""
    status, _, body = await app.request("GET", f"/runtime/webhooks/durabletask/instances/{instance_id}")
    if status == 404:
        return None
    document: dict[str, Any] = json.loads(body)
    return document


async def wait_for_phase(
    app: AppUnderTest, instance_id: str, phase: str, timeout: float = 90, **expected: Any
) -> dict[str, Any]:
    """Poll the instance's custom status until its ``phase`` (and the ``expected`` fields) match."""
    deadline = time.monotonic() + timeout
    while True:
        found = await instance(app, instance_id)
        custom = (found or {}).get("customStatus") or {}
        if custom.get("phase") == phase and all(custom.get(k) == v for k, v in expected.items()):
            return custom
        assert time.monotonic() < deadline, f"{instance_id} never reached {phase}: {found}"
        await asyncio.sleep(0.1)


async def current_run(app: AppUnderTest, instance_id: str) -> tuple[str | None, str | None]:
    """The instance's current execution id (None before it has started) and runtime status (None:
    no instance)."""
    path = f"/runtime/webhooks/durabletask/instances/{instance_id}"
    status, _, body = await app.request("GET", path, params={"showHistory": "true"})
    if status == 404:
        return None, None
    document = json.loads(body)
    started = [e for e in document.get("historyEvents") or [] if e["EventType"] == "ExecutionStarted"]
    execution = started[0]["OrchestrationInstance"]["ExecutionId"] if started else None
    return execution, document["runtimeStatus"]


async def wait_for_finished_run(
    app: AppUnderTest, instance_id: str, *, after: str | None = None, timeout: float = 60
) -> str:
    """Poll until a run of ``instance_id`` other than execution ``after`` has finished, and check that
    it completed; its execution id. Only then are all of that run's Strava calls counted: its data can
    be visible, and a debouncer that started it idle, while it still runs."""
    deadline = time.monotonic() + timeout
    while True:
        execution, runtime_status = await current_run(app, instance_id)
        if execution is not None and execution != after and runtime_status in FINISHED:
            assert runtime_status == "Completed", f"{instance_id} run {execution}: {runtime_status}"
            return execution
        assert time.monotonic() < deadline, f"no new run of {instance_id} finished: {runtime_status}"
        await asyncio.sleep(0.1)


async def wait_for_stats(app: AppUnderTest, condition: Any, timeout: float = 90) -> dict[str, Any]:
    """Poll the public stats until ``condition(document)`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        status, _, body = await app.request("GET", "/api/stats")
        document = json.loads(body)
        if status == 200 and condition(document):
            return dict(document)
        assert time.monotonic() < deadline, f"stats never met the condition: {status} {body[:300]}"
        await asyncio.sleep(0.1)


def activity_ids(document: dict[str, Any]) -> set[int]:
    return {item["id"] for item in document["recent_activities"]}


def stats_calls(app: AppUnderTest) -> int:
    """Snapshot runs that reached Strava: each reads the athlete's stats once."""
    return sum(n for route, n in app.emulator.stats()["requests"].items() if route.endswith("/stats"))


def strava_api_calls(app: AppUnderTest) -> int:
    requests = app.emulator.stats()["requests"]
    return sum(
        n for route, n in requests.items() if "/api/v3/" in route and "push_subscriptions" not in route
    )


ACCEPTED = {"received": True}  # the one reply to every well-formed event


def deauthorization_event(athlete_id: int, subscription_id: int) -> dict[str, Any]:
    return event(
        athlete_id,
        subscription_id,
        object_type="athlete",
        object_id=athlete_id,
        aspect_type="update",
        updates={"authorized": "false"},
    )


async def failed_instances(app: AppUnderTest) -> list[str]:
    """Ids of every orchestration instance that ended Failed."""
    path = "/runtime/webhooks/durabletask/instances"
    status, _, body = await app.request("GET", path, params={"runtimeStatus": "Failed"})
    assert status == 200, body
    return [item["instanceId"] for item in json.loads(body)]


async def stored_activity_ids(app: AppUnderTest, athlete_id: int) -> set[int]:
    async with TableService.from_connection_string(app.connection_string) as tables:
        stored = await ActivityStore(tables, f"{app.table_prefix}Activities").all(athlete_id)
    return {int(item["id"]) for item in stored}


async def budget_row(app: AppUnderTest) -> tuple[int, dict[str, Any]]:
    """The rate-budget row's stored size in bytes and its state."""
    async with TableService.from_connection_string(app.connection_string) as tables:
        state = await RateBudgetStore(tables, f"{app.table_prefix}Budget").read()
    assert state is not None
    return len(json.dumps(state, sort_keys=True).encode()), state


async def wait_until(condition: Any, timeout: float, what: str) -> None:
    """Poll the async ``condition()`` until it holds."""
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        await asyncio.sleep(0.2)


async def wait_until_quiet(app: AppUnderTest, athlete_id: int, timeout: float = 120) -> None:
    """Until the debouncer idles after a refresh and no snapshot run or history scan is active."""

    async def quiet() -> bool:
        debouncer = await instance(app, debounce_instance_id(athlete_id))
        custom = (debouncer or {}).get("customStatus") or {}
        if custom.get("phase") != "idle" or not custom.get("refreshes"):
            return False
        for instance_id in (snapshot_instance_id(athlete_id), history_instance_id(athlete_id)):
            _, runtime_status = await current_run(app, instance_id)
            if runtime_status not in (None, *FINISHED):
                return False
        return True

    await wait_until(quiet, timeout, "the debouncer, snapshot run and history scan never settled")
