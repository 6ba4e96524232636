"""``devhost --testing``: ``POST /_devhost/restart`` restarts the host in place with new app settings and
a new task hub, as Azure restarts an app whose settings change — so a test harness can share one devhost
between tests instead of starting one per test.

The restart stops listening, firing timers and running durable work of the old task hub (whose instances
stay in its tables, never dispatched again), resets the environment to what the process started with
plus the new settings, drops every module loaded from the app folder and loads the app afresh (its
module-level state and caches go), then serves the new task hub on the same port and answers. Only
local programs may call it: never a remote caller or a web page (``devhost.server``), and ``--testing``
is refused on an address other than loopback.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import Callable, MutableMapping
from dataclasses import replace
from typing import Any

from aiohttp import web

from devhost.functions import forget_app
from devhost.host import DevHost, HostOptions, StartupError
from devhost.http_triggers import json_error
from devhost.local_settings import TASK_HUB_NAME

RESTART_PATH = "/_devhost/restart"
logger = logging.getLogger("devhost")


class RestartableHost:
    """The current :class:`DevHost` of a ``--testing`` process, replaced on each restart request."""

    def __init__(
        self,
        options: HostOptions,
        environ: MutableMapping[str, str] = os.environ,
        on_failure: Callable[[], None] = lambda: None,
    ) -> None:
        """``on_failure`` is called when a restart cannot serve the new settings (nothing serves then)."""
        self.options = options
        self.environ = environ
        self.started_with = dict(environ)
        self.on_failure = on_failure
        self.failure = ""  # why the last restart could not serve its settings
        self.host = self._new_host(options)
        self._lock = asyncio.Lock()
        self._retiring: set[asyncio.Task[None]] = set()

    def _new_host(self, options: HostOptions) -> DevHost:
        host = DevHost(options, self.environ)
        host.control_routes = [web.post(RESTART_PATH, self.handle_restart)]
        return host

    async def start(self) -> None:
        await self.host.start()

    async def stop(self) -> None:
        await self.host.stop()
        await asyncio.gather(*self._retiring)

    async def restart(self, settings: dict[str, str | None], task_hub: str) -> None:
        """Serve ``task_hub`` with the app loaded afresh under ``settings`` (``None``: not set); raises
        StartupError when they cannot be served (the old host is gone by then)."""
        async with self._lock:
            old = self.host
            runner = await old.retire()
            self.environ.clear()
            self.environ.update(self.started_with)
            for name, value in settings.items():
                if value is None:
                    self.environ.pop(name, None)
                else:
                    self.environ[name] = value
            forgotten = forget_app(old.app_dir)
            del old
            gc.collect()  # what the old app left unclosed is reported now, before the new one serves
            self.host = self._new_host(replace(self.options, task_hub=task_hub))
            if runner is not None:
                task = asyncio.create_task(runner.cleanup())  # waits for the answer to this request
                self._retiring.add(task)
                task.add_done_callback(self._retiring.discard)
            await self.host.start()
            logger.info("restarted on task hub %s (%d app modules reloaded)", task_hub, len(forgotten))

    async def handle_restart(self, request: web.Request) -> web.StreamResponse:
        """``POST /_devhost/restart`` ``{"settings": {NAME: value or null}, "taskHub": NAME}`` (the
        environment devhost started with, plus each value; ``null`` unsets a variable): 200 once the new
        host serves, 400 for a bad body (nothing restarted), 500 when the new settings cannot be served
        (devhost then stops, as it would at start)."""
        if request.content_type != "application/json":
            return json_error(415, "unsupported_media_type", "send the restart as application/json")
        try:
            body: Any = await request.json()
        except ValueError:
            return json_error(400, "bad_request", "the body is not JSON")
        settings = body.get("settings", {}) if isinstance(body, dict) else None
        task_hub = body.get("taskHub") if isinstance(body, dict) else None
        if not isinstance(settings, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in settings.items()
        ):
            return json_error(400, "bad_request", "settings must map names to strings (or null)")
        if not isinstance(task_hub, str) or not TASK_HUB_NAME.fullmatch(task_hub):
            return json_error(
                400, "bad_request", "taskHub must be 3-45 letters and digits, starting with a letter"
            )
        try:
            await self.restart(settings, task_hub)
        except StartupError as error:
            self.failure = str(error)
            self.on_failure()
            return json_error(500, "startup_failed", str(error))
        return web.json_response({"state": "Running", "taskHub": task_hub})
