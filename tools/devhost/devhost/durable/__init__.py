"""devhost's Durable Functions runtime: orchestrations, activities, timers and the durable client API.

State lives in Azure Table Storage (Azurite locally) and survives a ``kill -9`` at any moment.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from aiohttp import web

from devhost.clock import Clock, SystemClock
from devhost.durable.binding import client_binding
from devhost.durable.management import InstanceManagement
from devhost.durable.store import InstanceStore
from devhost.durable.versioning import Versioning
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
        clock: Clock | None = None,
        activity_client_binding: Callable[[], str] | None = None,
        *,
        replace_running: bool = False,
        required_query: str = "",
        versioning: Versioning | None = None,
    ) -> None:
        """``activity_client_binding`` supplies the durable client JSON to activities that bind one;
        ``replace_running`` is host.json's ``overridableExistingInstanceStates: AnyState``;
        ``required_query`` (``code=<durable system key>``) goes into every management URL;
        ``versioning``: host.json's orchestration versioning settings."""
        self.task_hub = task_hub
        self.required_query = required_query
        self.rpc_path = f"/durabletask/{secrets.token_hex(16)}"  # unguessable, handed only to the SDK
        self.store = InstanceStore(connection_string, task_hub)
        self.engine = DurableEngine(index, self.store, clock or SystemClock())
        self.engine.client_binding = activity_client_binding
        self.engine.versioning = versioning or Versioning()
        self.management = InstanceManagement(self.engine, replace_running=replace_running)

    @property
    def storage_healthy(self) -> bool:
        return self.engine.health.healthy

    async def start(self) -> None:
        """Create the table, resume every Pending/Running/Suspended instance, watch storage health."""
        await self.store.open()
        await self.engine.recover()
        self.engine.health.start()

    async def stop(self) -> None:
        """Stop timers and dispatch and cancel in-flight work; storage keeps what a restart needs."""
        await self.engine.stop()
        await self.store.close()

    def client_binding(self, external_base_url: str) -> str:
        """JSON text for a ``durableClient`` binding (doc 4.1); RPC and webhooks on the same origin."""
        return client_binding(external_base_url, self.task_hub, self.rpc_path, self.required_query)

    async def serve(self, host: str, port: int) -> web.AppRunner:
        """Serve only the durable routes on ``host:port`` (benchmarks and tests); clean up the runner."""
        app = web.Application()
        self.add_routes(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        return runner

    def add_routes(self, app: web.Application) -> None:
        """Serve the SDK's RPC below :attr:`rpc_path` and ``/runtime/webhooks/durabletask/...``."""
        add_durable_routes(app, self.management, self.task_hub, self.rpc_path, self.required_query)
