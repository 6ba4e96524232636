"""The public read path against a bare server, in one run: ``python -m bench.read_path``.

devhost serves ``GET /api/stats`` from the app (Azurite and the emulator behind it, a counting proxy in
front of Azurite); a bare aiohttp server, in its own process like devhost, answers with the very bytes
and headers devhost sent. The same load generator measures both: throughput with 32 keep-alive clients,
then latency at 500 requests/s open-loop; the proxy counts the app's storage reads per 1,000 views.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from devstack.stack import Stack, StackOptions
from loopback.processes import LOOPBACK, free_port, python_module, start_process, wait_until_listening

from bench.app_snapshot import api_calls, emulator_counters
from bench.loadgen import Result, closed_loop, open_loop, request_bytes
from bench.storage_proxy import StorageProxy

PATH = "/api/stats"
HEADERS = {"Accept-Encoding": "gzip, br", "Origin": "https://site.example"}  # as a browser sends them
KEPT = ("Content-Type", "Content-Encoding", "ETag", "Last-Modified", "Cache-Control", "Vary")
CONNECTIONS = 32
ROUNDS, ROUND_SECONDS = 5, 2.0
RATE = 500.0
RATE_SECONDS = 10.0
GOAL_RATIO, GOAL_P99_MS = 0.30, 20.0


def record(url: str) -> dict[str, Any]:
    """One response of devhost as the bare server will replay it."""
    request = urllib.request.Request(url, headers=HEADERS)  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        headers = {name: response.headers[name] for name in KEPT if name in response.headers}
        return {
            "status": response.status,
            "headers": headers,
            "body": base64.b64encode(response.read()).decode(),
        }


async def measure(ports: dict[str, int]) -> dict[str, tuple[list[Result], Result]]:
    """Per server: throughput rounds, interleaved with the other server's so that both meet the same
    machine load (other processes share the cores), then one open-loop latency run each."""
    requests = {name: request_bytes(LOOPBACK, port, PATH, HEADERS) for name, port in ports.items()}
    rounds: dict[str, list[Result]] = {name: [] for name in ports}
    for name, port in ports.items():
        await closed_loop(LOOPBACK, port, requests[name], CONNECTIONS, 1.0)  # warm up
    for _ in range(ROUNDS):
        for name, port in ports.items():
            rounds[name].append(await closed_loop(LOOPBACK, port, requests[name], CONNECTIONS, ROUND_SECONDS))
    return {
        name: (rounds[name], await open_loop(LOOPBACK, port, requests[name], RATE, RATE_SECONDS))
        for name, port in ports.items()
    }


async def handler_cost(app_env: dict[str, str], calls: int = 5000) -> float:
    """Seconds per warm ``/api/stats`` view spent in the app's own handler, called in this process
    against the same storage (the rest of devhost's per-request time is the host's)."""
    os.environ.update(app_env)
    import azure.functions as func

    import settings

    settings.load_settings.cache_clear()  # an earlier benchmark in this process read other settings
    from api import stats  # imported after the app settings are in the environment
    from services import services

    handler = stats.default_stats  # the handler itself, as its registered function awaits it

    def request() -> func.HttpRequest:
        return func.HttpRequest("GET", f"http://{LOOPBACK}/api/stats", headers=HEADERS, body=b"")

    try:
        assert (await handler(request())).status_code == 200  # fills the cache
        started = time.perf_counter()
        for _ in range(calls):
            await handler(request())
        return (time.perf_counter() - started) / calls
    finally:
        await services().close()


def line(name: str, rounds: list[Result], latency: Result) -> str:
    rate = statistics.median(r.rate for r in rounds)
    statuses = sum((r.statuses for r in rounds), latency.statuses)
    return (
        f"  {name:<9} {rate:7.0f} req/s median ({CONNECTIONS} clients)   at {RATE:.0f} req/s: "
        f"p50 {latency.percentile(50) * 1000:5.1f} ms, p99 {latency.percentile(99) * 1000:5.1f} ms, "
        f"max {max(latency.latencies) * 1000:6.1f} ms; {dict(statuses)}"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as run_dir:
        azurite_port, proxy_port = free_port(), free_port()
        proxy = StorageProxy(proxy_port, azurite_port, table_prefix="strava")
        options = StackOptions(
            run_dir=Path(run_dir),
            port=0,
            azurite_port=azurite_port,
            emulator_port=0,
            site_port=0,
            storage_port=proxy_port,
        )
        stack = Stack(options, demo=True)
        bare = None
        try:
            proxy.start()
            stack.start()
            stack.connect_demo_athlete()
            stack.wait_for_stats()
            recorded = Path(run_dir) / "response.json"
            recorded.write_text(json.dumps(record(stack.url + PATH)))
            bare_port = free_port()
            bare = start_process(
                "bare-aiohttp", python_module("bench.bare_server", str(bare_port), str(recorded))
            )
            wait_until_listening(bare, f"http://{LOOPBACK}:{bare_port}/")
            reads_before, strava_before = proxy.reads(), api_calls(emulator_counters(stack))
            port = int(stack.url.rsplit(":", 1)[1])
            results = asyncio.run(measure({"bare": bare_port, "devhost": port}))
            reads = proxy.reads() - reads_before
            strava_calls = api_calls(emulator_counters(stack)) - strava_before
            handler_s = asyncio.run(handler_cost(stack.app_env))
        finally:
            if bare is not None:
                bare.stop()
            stack.stop()
    (bare_rounds, bare_latency), (app_rounds, app_latency) = results["bare"], results["devhost"]
    views = sum(r.count for r in app_rounds) + app_latency.count
    ratios = sorted(a.rate / b.rate for a, b in zip(app_rounds, bare_rounds, strict=True))
    ratio = statistics.median(ratios)
    p99_ms = app_latency.percentile(99) * 1000
    print(
        f"read path: GET {PATH} ({', '.join(f'{k}: {v}' for k, v in HEADERS.items())}), "
        f"{os.cpu_count()} CPUs, {ROUNDS} interleaved throughput rounds of {ROUND_SECONDS:.0f} s"
    )
    print(line("bare", bare_rounds, bare_latency))
    print(line("devhost", app_rounds, app_latency))
    print(
        f"  devhost/bare throughput: median {ratio:.0%} of rounds {', '.join(f'{r:.0%}' for r in ratios)} "
        f"(goal >= {GOAL_RATIO:.0%}); p99 {p99_ms:.1f} ms at {RATE:.0f} req/s (goal <= {GOAL_P99_MS:.0f} ms)"
    )
    app_rate = statistics.median(r.rate for r in app_rounds)
    print(
        f"  per view: the app's handler {handler_s * 1e6:.0f} us (in process, warm) of "
        f"{1e6 / app_rate:.0f} us through devhost; the bare server needs "
        f"{1e6 / statistics.median(r.rate for r in bare_rounds):.0f} us"
    )
    print(
        f"  storage reads {reads} for {views} views = {reads * 1000 / views:.2f} per 1,000 views; "
        f"Strava calls {strava_calls} (reads make none; the demo's 5-minute snapshot may fall in the run)"
    )


if __name__ == "__main__":
    main()
