"""devhost's Durable Functions runtime: orchestrations, activities, timers and the durable client API.

State lives in Azure Table Storage (Azurite locally) and survives a ``kill -9`` at any moment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from devhost.durable.binding import client_binding
from devhost.durable.management import InstanceManagement
from devhost.durable.store import InstanceStore
from devhost.durable.timers import utc_now
from devhost.durable.webhooks import add_durable_routes
from devhost.durable.work import DurableEngine
from devhost.functions import FunctionIndex

__all__ = ["DurableRuntime"]


class DurableRuntime:
    """Runs the orchestrators, activities and durable client API of one app on one task hub."""

    def __init__(
        self,
        index: FunctionIndex,
        connection_string: str,
        task_hub: str = "TestHubName",
        clock: Callable[[], datetime] = utc_now,
        activity_client_binding: Callable[[], str] | None = None,
    ) -> None:
        """``activity_client_binding`` supplies the durable client JSON to activities that bind one."""
        self.task_hub = task_hub
        self.store = InstanceStore(connection_string, task_hub)
        self.engine = DurableEngine(index, self.store, clock)
        self.engine.client_binding = activity_client_binding
        self.management = InstanceManagement(self.engine)

    async def start(self) -> None:
        """Create the table, then resume every Pending/Running/Suspended instance from storage."""
        await self.store.open()
        await self.engine.recover()

    async def stop(self) -> None:
        """Stop timers and dispatch and cancel in-flight work; storage keeps what a restart needs."""
        await self.engine.stop()
        await self.store.close()

    def client_binding(self, external_base_url: str, required_query: str = "") -> str:
        """JSON text for a ``durableClient`` binding (doc 4.1); RPC and webhooks on the same origin."""
        return client_binding(external_base_url, self.task_hub, required_query)

    async def serve(self, host: str, port: int) -> web.AppRunner:
        """Serve only the durable routes on ``host:port`` (benchmarks and tests); clean up the runner."""
        app = web.Application()
        self.add_routes(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        return runner

    def add_routes(self, app: web.Application) -> None:
        """Serve ``/durabletask/...`` (the SDK's RPC) and ``/runtime/webhooks/durabletask/...``."""
        add_durable_routes(app, self.management, self.task_hub)
