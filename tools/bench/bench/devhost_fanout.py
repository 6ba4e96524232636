# mypy: disable-error-code="untyped-decorator"
"""Fan-out/fan-in throughput of devhost's durable runtime: ``python -m bench.devhost_fanout``.

Starts Azurite on a free port, runs an orchestration that fans out N no-op activities and fans in
(N = 100, then 1,000), and prints activities/second, episodes and total replay time. The ratio of
per-activity cost (1,000 vs 100) shows whether replay grows quadratically.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.durable_functions as df
from azure.durable_functions import DurableOrchestrationClient
from devhost.durable import DurableRuntime
from devhost.functions import index_functions
from loopback.azurite import azurite_connection_string, start_azurite
from loopback.processes import LOOPBACK, free_port

app = df.DFApp()


@app.activity_trigger(input_name="value")
async def noop(value: int) -> int:
    return value


@app.activity_trigger(input_name="value")
async def staggered(value: int) -> int:
    """Completes after 0-99 ms, so completions spread over many episodes."""
    await asyncio.sleep((value % 100) / 1000)
    return value


@app.orchestration_trigger(context_name="context")
def fan(context: df.DurableOrchestrationContext) -> Generator[Any, Any, int]:
    activity, count = context.get_input()
    results = yield context.task_all([context.call_activity(activity, i) for i in range(count)])
    return len(results)


@dataclass
class Run:
    activities: int
    seconds: float
    episodes: int
    replay_seconds: float

    @property
    def per_activity_ms(self) -> float:
        return 1000 * self.seconds / self.activities


async def measure(
    runtime: DurableRuntime, client: DurableOrchestrationClient, activity: str, count: int
) -> Run:
    episodes, replay = runtime.engine.episodes, runtime.engine.replay_seconds
    started = time.perf_counter()
    instance_id = await client.start_new("fan", client_input=[activity, count])
    while True:
        status = await client.get_status(instance_id)
        if status.runtime_status and status.runtime_status.value not in ("Pending", "Running"):
            break
        await asyncio.sleep(0.01)
    seconds = time.perf_counter() - started
    if status.output != count:
        raise RuntimeError(f"fan-out of {count} ended {status.runtime_status}: {status.output}")
    return Run(count, seconds, runtime.engine.episodes - episodes, runtime.engine.replay_seconds - replay)


async def bench(small: int, large: int, connection_string: str) -> None:
    runtime = DurableRuntime(index_functions(app), connection_string, "bench")
    await runtime.start()
    port = free_port()
    runner = await runtime.serve(LOOPBACK, port)
    client = DurableOrchestrationClient(runtime.client_binding(f"http://{LOOPBACK}:{port}"))
    try:
        await measure(runtime, client, "noop", 10)  # warm-up: imports, table creation, SDK session
        for activity in ("noop", "staggered"):
            runs = [await measure(runtime, client, activity, n) for n in (small, large)]
            report(activity, runs)
    finally:
        await runner.cleanup()
        await runtime.stop()
        await close_sdk_session()


def report(activity: str, runs: list[Run]) -> None:
    for run in runs:
        print(
            f"{activity:>9} fan-out {run.activities:>5}: {run.seconds:6.2f} s, "
            f"{run.activities / run.seconds:7.1f} activities/s, {run.episodes} episodes, "
            f"replay {run.replay_seconds:.2f} s"
        )
    small, large = runs
    ratio = large.per_activity_ms / small.per_activity_ms
    scale = large.activities / small.activities
    print(f"{activity:>9} per-activity cost ratio: {ratio:.2f} (1 = linear, {scale:.0f} = quadratic)")


async def close_sdk_session() -> None:
    """The SDK keeps a module-global aiohttp session; close it before the loop ends."""
    from azure.durable_functions.models.utils import http_utils

    if http_utils._client_session is not None:
        await http_utils._client_session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=1000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as workdir:
        port = free_port()
        azurite = start_azurite(port, Path(workdir), log_path=Path(workdir) / "azurite.log")
        try:
            asyncio.run(bench(args.small, args.large, azurite_connection_string(port)))
        finally:
            azurite.stop()


if __name__ == "__main__":
    main()
