"""What an outsider's flood and a real bulk edit cost: ``python -m bench.webhook_flood``.

On the demo stack with the default webhook settings (30 s quiet window, 45 s at most):

1. Flood: 200 forged ``update`` events with random activity ids in 2 s (open loop, one every 10 ms,
   right subscription and athlete, as the worst outsider would send), then a real new activity on the
   emulator. Figures: Strava calls until everything is quiet again, Failed orchestrations, the acks'
   p50/p99, and the time until the real activity is in ``/api/stats``.
   Goals: <= 10 calls, 0 Failed, p99 <= 200 ms, the new activity within 60 s.
2. Bulk edit: 500 public activities made private at once (one event each, as Strava sends them).
   Figures: the time until ``/api/stats`` no longer counts any of them, and the calls spent.
   Goals: within 5 minutes, <= 30 calls.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from devstack.stack import Stack, StackOptions

from bench.app_webhooks import control, percentile

DEFAULTS = {"WEBHOOK_DEBOUNCE_SECONDS": "30", "WEBHOOK_MAX_DELAY_SECONDS": "45"}
FORGED, FLOOD_SECONDS, BULK = 200, 2.0, 500
FINISHED = (None, "Completed", "Failed", "Terminated")


def strava_calls(stack: Stack) -> int:
    requests = control(stack, "GET", "/_emulator/stats")["requests"]
    return sum(
        n for route, n in requests.items() if "/api/v3/" in route and "push_subscriptions" not in route
    )


async def get_json(http: aiohttp.ClientSession, url: str, **params: str) -> Any:
    """The JSON answer; None for a 404 (the status API answers 202 while an instance runs)."""
    async with http.get(url, params=params) as response:
        return await response.json() if response.status in (200, 202) else None


async def quiet(stack: Stack, athlete_id: int, timeout: float = 600) -> None:
    """Until the debouncer idles and no snapshot run or history scan is active."""
    base = f"{stack.url}/runtime/webhooks/durabletask/instances"
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            debouncer = await get_json(http, f"{base}/webhook-debounce-{athlete_id}") or {}
            runs = [
                await get_json(http, f"{base}/{name}-{athlete_id}") or {}
                for name in ("stats-snapshot", "history-sync")
            ]
            idle = (debouncer.get("customStatus") or {}).get("phase") in (None, "idle")
            if idle and all(run.get("runtimeStatus") in FINISHED for run in runs):
                return
            await asyncio.sleep(0.2)
    raise TimeoutError("the athlete's work never settled")


async def failed(stack: Stack) -> int:
    async with aiohttp.ClientSession() as http:
        found = await get_json(
            http, f"{stack.url}/runtime/webhooks/durabletask/instances", runtimeStatus="Failed"
        )
    return len(found or [])


async def stats_until(stack: Stack, condition: Any, timeout: float) -> float:
    started = time.perf_counter()
    async with aiohttp.ClientSession() as http:
        while time.perf_counter() - started < timeout:
            document = await get_json(http, f"{stack.url}/api/stats")
            if document is not None and condition(document):
                return time.perf_counter() - started
            await asyncio.sleep(0.1)
    raise TimeoutError("the change never reached /api/stats")


async def receiving(stack: Stack, athlete_id: int, timeout: float = 120) -> None:
    """Until the app acts on this subscription's events (a process may hold the subscription it read
    before it was created for 30 s): real activities are created until the debouncer exists. Every
    reply is the same, so only what the app does shows it."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            control(stack, "POST", f"/_emulator/athletes/{athlete_id}/activities", {"name": "Warm-up"})
            for _ in range(20):
                found = await get_json(
                    http, f"{stack.url}/runtime/webhooks/durabletask/instances/webhook-debounce-{athlete_id}"
                )
                if found is not None:
                    return
                await asyncio.sleep(0.25)
    raise TimeoutError("the app never acted on a webhook event")


async def flood(stack: Stack, athlete_id: int, subscription_id: int) -> None:
    await receiving(stack, athlete_id)
    await quiet(stack, athlete_id)
    before, failed_before = strava_calls(stack), await failed(stack)
    draw = random.Random(19)
    latencies: list[float] = []
    now = int(time.time())

    async def forge(http: aiohttp.ClientSession, number: int) -> None:
        body = {
            "aspect_type": "update",
            "event_time": now + number,
            "object_id": draw.randrange(10**9, 10**10),
            "object_type": "activity",
            "owner_id": athlete_id,
            "subscription_id": subscription_id,
            "updates": {"title": "forged"},
        }
        started = time.perf_counter()
        async with http.post(f"{stack.url}/api/strava/webhook", json=body) as response:
            await response.read()
        latencies.append((time.perf_counter() - started) * 1000)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        begin, tasks = time.perf_counter(), []
        for number in range(FORGED):
            delay = begin + number * FLOOD_SECONDS / FORGED - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(forge(http, number)))
        await asyncio.gather(*tasks)
    created = control(
        stack, "POST", f"/_emulator/athletes/{athlete_id}/activities", {"name": "After the flood"}
    )
    arrived = await stats_until(
        stack, lambda doc: created["id"] in {item["id"] for item in doc["recent_activities"]}, 300
    )
    await quiet(stack, athlete_id)
    calls = strava_calls(stack) - before
    p99 = percentile(latencies, 0.99)
    failures = await failed(stack) - failed_before
    print(
        f"  flood of {FORGED} forged updates in {FLOOD_SECONDS:.0f} s: {calls} Strava calls in all "
        f"(goal <= 10; the real activity's own refresh included), {failures} Failed "
        f"orchestrations (goal 0), acks p50 {statistics.median(latencies):.0f} ms / p99 {p99:.0f} ms "
        f"(goal <= 200), a real new activity in /api/stats after {arrived:.1f} s (goal <= 60)"
    )


async def bulk_edit(stack: Stack, athlete_id: int) -> None:
    await quiet(stack, athlete_id)
    truth = control(stack, "GET", f"/_emulator/athletes/{athlete_id}/activities")
    chosen = [item["id"] for item in truth if item["visibility"] == "everyone"][:BULK]
    async with aiohttp.ClientSession() as http:
        document = await get_json(http, f"{stack.url}/api/stats")
    count = int(document["history"]["activity_count"])
    before = strava_calls(stack)
    started = time.perf_counter()
    control(
        stack,
        "POST",
        f"/_emulator/athletes/{athlete_id}/activities/bulk",
        {"ids": chosen, "changes": {"visibility": "only_me"}},
    )
    hidden = await stats_until(
        stack,
        lambda doc: (
            doc["history"]["activity_count"] <= count - len(chosen)
            and not set(chosen) & {item["id"] for item in doc["recent_activities"]}
        ),
        600,
    )
    took = time.perf_counter() - started
    await quiet(stack, athlete_id)
    calls = strava_calls(stack) - before
    print(
        f"  bulk edit of {len(chosen)} activities made private: all hidden from /api/stats after "
        f"{took:.1f} s (goal <= 300, {hidden:.1f} s of polling), {calls} Strava calls (goal <= 30)"
    )


def main() -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(f"strava-snapshot webhook flood and bulk edit ({os.cpu_count()} cores, commit {commit})")
    with tempfile.TemporaryDirectory() as run_dir:
        options = StackOptions(
            run_dir=Path(run_dir),
            port=0,
            azurite_port=0,
            emulator_port=0,
            site_port=0,
            emulator_flags=("--activities", "700"),
            app_overrides=tuple(DEFAULTS.items()),
        )
        stack = Stack(options, demo=True)
        stack.start()
        try:
            stack.connect_demo_athlete()
            athlete_id = int(stack.wait_for_stats()["athlete"]["id"])
            subscription_id = int(stack.create_webhook_subscription()["id"])
            asyncio.run(flood(stack, athlete_id, subscription_id))
            asyncio.run(bulk_edit(stack, athlete_id))
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
