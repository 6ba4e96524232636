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
from devhost.durable import DurableRuntime
from devhost.functions import FunctionIndex, index_functions, load_app
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


async def start_host(index: FunctionIndex, connection_string: str, task_hub: str) -> Host:
    runtime = DurableRuntime(index, connection_string, task_hub)
    await runtime.start()
    port = free_port()
    runner = await runtime.serve(LOOPBACK, port)
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
def calls(conformance) -> Iterator[dict[str, list[float]]]:
    """The conformance app's activity call log, emptied around each test."""
    log: dict[str, list[float]] = conformance[1].CALLS
    log.clear()
    yield log
    log.clear()
