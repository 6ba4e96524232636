"""The app's own figures, measured in one run on the demo stack: ``python -m bench.app_snapshot``.

1. Fan-out vs sequential: the three snapshot fetch activities run concurrently (as the orchestration
   runs them) and one after another, against a Strava emulator that answers after a fixed latency.
2. Strava calls per snapshot (once the connection's history backfill is done) and per token refresh,
   counted by the emulator.

The read path has its own benchmark (``bench.read_path``).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from devstack.stack import Stack, StackOptions

LATENCY_MS = 100
ROUNDS = 5


def emulator_counters(stack: Stack) -> dict[str, Any]:
    with urllib.request.urlopen(f"{stack.emulator_url}/_emulator/stats", timeout=10) as response:  # noqa: S310
        counters: dict[str, Any] = json.loads(response.read())
        return counters


def api_calls(counters: dict[str, Any]) -> int:
    return sum(n for route, n in counters["requests"].items() if "/api/v3/" in route and "oauth" not in route)


def token_calls(counters: dict[str, Any]) -> int:
    return sum(n for route, n in counters["requests"].items() if route.endswith("/oauth/token"))


async def timed(factory: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await factory()
    return time.perf_counter() - started


async def fan_out_vs_sequential(stack: Stack, athlete_id: int) -> tuple[float, float]:
    """Median seconds for the three fetch activities, concurrent and sequential, in this process."""
    os.environ.update(stack.app_env)
    from activities import fetch, history  # imported after the app settings are in the environment

    functions = (fetch.fetch_athlete, fetch.fetch_stats, history.sync_recent_activities)

    async def concurrent() -> None:
        await asyncio.gather(*(function(athlete_id) for function in functions))

    async def sequential() -> None:
        for function in functions:
            await function(athlete_id)

    from services import services

    try:
        await concurrent()  # warm up connections and tables
        parallel = [await timed(concurrent) for _ in range(ROUNDS)]
        serial = [await timed(sequential) for _ in range(ROUNDS)]
    finally:
        await services().close()
    return statistics.median(parallel), statistics.median(serial)


async def snapshot_run(http: aiohttp.ClientSession, stack: Stack, athlete_id: int) -> float:
    started = time.perf_counter()
    async with http.post(f"{stack.url}/api/athletes/{athlete_id}/snapshot") as response:
        status_url = (await response.json())["statusQueryGetUri"]
    while True:
        async with http.get(status_url) as response:
            if (await response.json())["runtimeStatus"] == "Completed":
                return time.perf_counter() - started
        await asyncio.sleep(0.02)


async def history_settled(http: aiohttp.ClientSession, stack: Stack, athlete_id: int) -> None:
    """Until the connection's background backfill (and the refresh it ends with) is done."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        async with http.get(f"{stack.url}/api/athletes/{athlete_id}/status") as response:
            status = await response.json()
        history = status.get("history") or {}
        if history.get("complete") and status["snapshot"]["run_status"] not in ("Running", "Pending"):
            return
        await asyncio.sleep(0.2)
    raise TimeoutError("the history backfill did not finish")


async def measure(stack: Stack) -> None:
    document = stack.wait_for_stats()
    athlete_id = int(document["athlete"]["id"])
    async with aiohttp.ClientSession() as http:
        await history_settled(http, stack, athlete_id)
        before = emulator_counters(stack)
        runs = [await snapshot_run(http, stack, athlete_id) for _ in range(ROUNDS)]
        after = emulator_counters(stack)
        per_snapshot = (api_calls(after) - api_calls(before)) / ROUNDS

        before = emulator_counters(stack)
        hub = f"{stack.url}/runtime/webhooks/durabletask/instances/token-lifecycle-{athlete_id}"
        async with http.post(f"{hub}/raiseEvent/refresh_now", json={"reason": "unauthorized"}) as response:
            assert response.status == 202, response.status
        await asyncio.sleep(2)  # the lifecycle wakes, refreshes and goes back to sleep
        after = emulator_counters(stack)
        refresh_tokens, refresh_api = (
            token_calls(after) - token_calls(before),
            api_calls(after) - api_calls(before),
        )

        parallel, serial = await fan_out_vs_sequential(stack, athlete_id)

    print(f"strava-snapshot benchmarks (emulator latency {LATENCY_MS} ms, {os.cpu_count()} cores)")
    print(
        f"  fan-out: 3 fetches concurrent {parallel * 1000:7.1f} ms, sequential {serial * 1000:7.1f} ms"
        f"  -> sequential/fan-out = {serial / parallel:.2f}x"
    )
    print(
        "  durable snapshot end to end (starter -> Completed): "
        f"median {statistics.median(runs) * 1000:.0f} ms over {ROUNDS} runs"
    )
    print(f"  Strava API calls per snapshot: {per_snapshot:.1f}")
    print(f"  per token refresh: {refresh_tokens} token call(s), {refresh_api} API call(s)")


def main() -> None:
    with tempfile.TemporaryDirectory() as run_dir:
        options = StackOptions(
            run_dir=Path(run_dir),
            port=0,
            azurite_port=0,
            emulator_port=0,
            site_port=0,
            emulator_flags=("--latency-ms", str(LATENCY_MS)),
        )
        stack = Stack(options, demo=True)
        try:
            stack.start()
            stack.connect_demo_athlete()
            asyncio.run(measure(stack))
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
