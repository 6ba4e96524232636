"""Webhook figures on the demo stack: ``python -m bench.app_webhooks``.

1. ``POST /api/strava/webhook`` latency under a steady 50 events/s (open loop: a request every 20 ms
   whether or not the previous ones have answered), each a distinct, valid ``create`` event of the
   connected athlete (a bulk upload), so every one is checked, recorded and handed to the debouncer.
   Goal: p99 <= 200 ms.
2. Freshness: an activity created (then made private) on the emulator, until ``/api/stats`` shows
   (then drops) it, with the demo's 3 s quiet window and with the default 30 s, each starting from an
   idle debouncer.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from devstack.stack import Stack, StackOptions

RATE_PER_S = 50
LOAD_SECONDS = 10.0
GOAL_P99_MS = 200.0


def control(stack: Stack, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - loopback URL
        stack.emulator_url + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        raw = response.read()
        return json.loads(raw) if raw else None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def event_latency(stack: Stack, athlete_id: int, subscription_id: int, label: str) -> None:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    outcomes: Counter[str] = Counter()
    url = f"{stack.url}/api/strava/webhook"
    now = int(time.time())

    async def deliver(http: aiohttp.ClientSession, number: int) -> None:
        body = {
            "aspect_type": "create",
            "event_time": now + number,
            "object_id": 10_000_000_000 + number,
            "object_type": "activity",
            "owner_id": athlete_id,
            "subscription_id": subscription_id,
            "updates": {},
        }
        started = time.perf_counter()
        async with http.post(url, json=body) as response:
            answer = await response.json()
            statuses[response.status] += 1
            outcomes["received" if answer == {"received": True} else "error"] += 1
        latencies.append((time.perf_counter() - started) * 1000)

    count = int(RATE_PER_S * LOAD_SECONDS)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        begin = time.perf_counter()
        tasks = []
        for number in range(count):
            delay = begin + number / RATE_PER_S - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)  # the load generator's schedule
            tasks.append(asyncio.create_task(deliver(http, number)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - begin
    p99 = percentile(latencies, 0.99)
    print(
        f"  POST /api/strava/webhook ({label}) at {count / elapsed:.0f} events/s for {LOAD_SECONDS:.0f} s: "
        f"p50 {statistics.median(latencies):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms, "
        f"p99 {p99:.0f} ms, max {max(latencies):.0f} ms; statuses {dict(statuses)}, {dict(outcomes)} "
        f"(goal p99 <= {GOAL_P99_MS:.0f} ms: {'met' if p99 <= GOAL_P99_MS else 'MISSED'})"
    )


async def until(stack: Stack, condition: Any, timeout: float = 120) -> float:
    started = time.perf_counter()
    async with aiohttp.ClientSession() as http:
        while time.perf_counter() - started < timeout:
            async with http.get(f"{stack.url}/api/stats") as response:
                if response.status == 200 and condition(await response.json()):
                    return time.perf_counter() - started
            await asyncio.sleep(0.05)
    raise TimeoutError("the change never reached /api/stats")


def ids(document: dict[str, Any]) -> set[int]:
    return {item["id"] for item in document["recent_activities"]}


async def debouncer_idle(stack: Stack, athlete_id: int, timeout: float = 120) -> None:
    """Wait until the athlete's debouncer has no burst pending and no snapshot run is under way (so a
    new change starts a burst of its own)."""
    base = f"{stack.url}/runtime/webhooks/durabletask/instances"
    started = time.perf_counter()
    async with aiohttp.ClientSession() as http:
        while time.perf_counter() - started < timeout:
            async with http.get(f"{base}/webhook-debounce-{athlete_id}") as response:
                found = await response.json() if response.status == 200 else {}
            async with http.get(f"{base}/stats-snapshot-{athlete_id}") as response:
                run = await response.json() if response.status == 200 else {}
            idle = (found.get("customStatus") or {}).get("phase") in (None, "idle")
            if idle and run.get("runtimeStatus") in (None, "Completed", "Failed", "Terminated"):
                return
            await asyncio.sleep(0.1)
    raise TimeoutError("the debouncer never went idle")


async def freshness(stack: Stack, athlete_id: int, label: str) -> None:
    await debouncer_idle(stack, athlete_id)
    created = control(stack, "POST", f"/_emulator/athletes/{athlete_id}/activities", {"name": "Bench Run"})
    visible = await until(stack, lambda doc: created["id"] in ids(doc))
    await debouncer_idle(stack, athlete_id)
    control(stack, "PUT", f"/_emulator/activities/{created['id']}", {"visibility": "only_me"})
    gone = await until(stack, lambda doc: created["id"] not in ids(doc))
    print(f"  freshness ({label}): created -> in /api/stats {visible:.1f} s; private -> gone {gone:.1f} s")


def demo_stack(run_dir: Path, overrides: dict[str, str]) -> Stack:
    options = StackOptions(
        run_dir=run_dir, port=0, azurite_port=0, emulator_port=0, app_overrides=tuple(overrides.items())
    )
    stack = Stack(options, demo=True)
    stack.start()
    stack.connect_demo_athlete()
    return stack


def main() -> None:
    print(f"strava-snapshot webhook benchmarks ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as run_dir:
        stack = demo_stack(Path(run_dir) / "demo", {})
        try:
            athlete_id = int(stack.wait_for_stats()["athlete"]["id"])
            subscription_id = int(stack.create_webhook_subscription()["id"])
            asyncio.run(event_latency(stack, athlete_id, subscription_id, "demo settings"))
            asyncio.run(freshness(stack, athlete_id, "demo: 3 s quiet window"))
        finally:
            stack.stop()
        defaults = {"WEBHOOK_DEBOUNCE_SECONDS": "30", "WEBHOOK_MAX_DELAY_SECONDS": "45"}
        stack = demo_stack(Path(run_dir) / "defaults", defaults)
        try:
            athlete_id = int(stack.wait_for_stats()["athlete"]["id"])
            subscription_id = int(stack.create_webhook_subscription()["id"])
            asyncio.run(event_latency(stack, athlete_id, subscription_id, "default settings"))
            asyncio.run(freshness(stack, athlete_id, "defaults: 30 s quiet window"))
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
