"""Host a DurableRuntime in-process over loopback HTTP, with real Azurite behind it."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from aiohttp import web
from azure.durable_functions import DurableOrchestrationClient
from azure.durable_functions.models.utils import http_utils
from devhost.clock import Clock, ManualClock
from devhost.durable import DurableRuntime
from devhost.durable.versioning import Versioning
from devhost.functions import FunctionIndex, index_functions, load_app
from devhost.server import build_web_app
from loopback.processes import LOOPBACK, free_port

APPS = Path(__file__).parent / "apps"


@dataclass
class Host:
    """One runtime served on a loopback port, plus an SDK client bound to it."""

    runtime: DurableRuntime
    runner: web.AppRunner
    url: str
    client: DurableOrchestrationClient

    async def close(self, graceful: bool = True) -> None:
        await self.runner.cleanup()
        await self.runtime.stop()


def load_test_app(name: str) -> tuple[FunctionIndex, ModuleType]:
    """Index ``apps/<name>/function_app.py`` without leaving it registered as ``function_app``."""
    app = load_app(APPS / name)
    module = sys.modules.pop("function_app")
    return index_functions(app), module


@pytest.fixture(scope="session")
def conformance() -> tuple[FunctionIndex, ModuleType]:
    return load_test_app("conformance")


async def _no_function(request: web.Request) -> web.StreamResponse:
    return web.json_response({"error": "not_found"}, status=404)


async def start_host(
    index: FunctionIndex,
    connection_string: str,
    task_hub: str,
    *,
    clock: Clock | None = None,
    replace_running: bool = False,
    versioning: Versioning | None = None,
) -> Host:
    """The runtime behind devhost's own web app (middlewares included), on a free loopback port."""
    runtime = DurableRuntime(
        index, connection_string, task_hub, clock, replace_running=replace_running, versioning=versioning
    )
    await runtime.start()
    port = free_port()
    runner = web.AppRunner(build_web_app(_no_function, None, runtime), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, LOOPBACK, port).start()
    url = f"http://{LOOPBACK}:{port}"
    return Host(runtime, runner, url, DurableOrchestrationClient(runtime.client_binding(url)))


@pytest.fixture
async def host(conformance, azurite: str, table_prefix: str) -> AsyncIterator[Host]:
    started = await start_host(conformance[0], azurite, table_prefix)
    yield started
    await started.close()


@pytest.fixture(autouse=True)
async def fresh_sdk_session() -> AsyncIterator[None]:
    """The SDK keeps one module-global aiohttp session bound to the loop that created it."""
    yield
    session = http_utils._client_session
    if session is not None:
        await session.close()
    http_utils._client_session = None


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def timed_host(conformance, azurite: str, table_prefix: str, clock: ManualClock) -> AsyncIterator[Host]:
    """A host whose durable timers run on ``clock``, which only moves when a test advances it."""
    started = await start_host(conformance[0], azurite, table_prefix, clock=clock)
    yield started
    await started.close()


@pytest.fixture
def calls(conformance) -> Iterator[dict[str, list[float]]]:
    """The conformance app's activity call log, emptied around each test."""
    log: dict[str, list[float]] = conformance[1].CALLS
    log.clear()
    conformance[1].HELD.clear()
    yield log
    log.clear()
    conformance[1].HELD.clear()
