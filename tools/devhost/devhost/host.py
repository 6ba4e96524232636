"""Compose devhost: settings, the app's function index, the durable runtime, HTTP server and timers."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from azure.functions.timer import TimerRequest

from devhost.clock import Clock, SystemClock
from devhost.durable import DurableRuntime
from devhost.durable.health import is_outage
from devhost.durable.versioning import Versioning
from devhost.execlog import log_execution
from devhost.functions import FunctionIndex, TimerFunction, index_functions, load_app
from devhost.http_triggers import HttpTriggers, InvalidRoute
from devhost.invoke import call_function, describe_failure
from devhost.keys import HostKeys, load_keys
from devhost.local_settings import (
    DEFAULT_TASK_HUB,
    SettingsError,
    apply_local_settings,
    durable_versioning,
    replaces_running_instances,
    route_prefix,
    storage_connection_string,
    task_hub_name,
)
from devhost.server import build_web_app
from devhost.timers import ScheduleError, TimerRunner, TimerSchedule, parse_timer_schedules

logger = logging.getLogger("devhost")


class StartupError(Exception):
    """The app or its settings cannot be served; the message says why."""


@dataclass(frozen=True)
class HostOptions:
    """What the command line chooses."""

    app_dir: Path
    host: str = "127.0.0.1"
    port: int = 7071
    require_keys: bool = False
    task_hub: str | None = None  # None: host.json's hubName, else the extension's default
    testing: bool = False  # serve POST /_devhost/restart (devhost.restart)

    @property
    def base_url(self) -> str:
        """The URL callers use; a wildcard bind address is reached through loopback."""
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host  # noqa: S104 - display only
        return f"http://{shown}:{self.port}"


class DevHost:
    """One running app. :meth:`start` fails before serving anything if the app or settings are invalid."""

    def __init__(
        self, options: HostOptions, environ: MutableMapping[str, str] = os.environ, clock: Clock | None = None
    ) -> None:
        """``clock`` drives durable timers and timer triggers (tests pass a ManualClock)."""
        self.options = options
        self.clock: Clock = clock or SystemClock()
        self.environ = environ
        self.app_dir = options.app_dir.resolve()
        self.applied_settings: list[str] = []
        self.connection_string = ""
        self.index = FunctionIndex()
        self.schedules: list[tuple[TimerFunction, TimerSchedule]] = []
        self.prefix = "api"
        self.task_hub = options.task_hub or DEFAULT_TASK_HUB
        self.replace_running = False
        self.versioning = Versioning()
        self.keys: HostKeys | None = None
        self.runtime: DurableRuntime | None = None
        self.runner: web.AppRunner | None = None
        self.timers: TimerRunner | None = None
        self.control_routes: list[web.RouteDef] = []  # served beside the admin routes (devhost.restart)

    def prepare(self) -> HttpTriggers:
        """Load settings and the app, validate routes and schedules; raises StartupError on bad config."""
        try:
            self.applied_settings = apply_local_settings(self.app_dir, self.environ)
            self.prefix = route_prefix(self.app_dir)
            self.replace_running = replaces_running_instances(self.app_dir)
            self.versioning = durable_versioning(self.app_dir)
            self.task_hub = self.options.task_hub or task_hub_name(self.app_dir, self.environ)
            self.connection_string = storage_connection_string(self.environ)
            if not (self.app_dir / "function_app.py").is_file():
                raise StartupError(f"no function_app.py in {self.app_dir}")
            self.index = index_functions(load_app(self.app_dir))
            self.schedules = parse_timer_schedules(self.index.timers, self.environ)
            self.keys = load_keys(self.environ) if self.options.require_keys else None
            return HttpTriggers(
                self.index.http,
                route_prefix=self.prefix,
                keys=self.keys,
                client_binding=self.client_binding,
                app_dir=self.app_dir,
            )
        except (SettingsError, ScheduleError, InvalidRoute) as error:
            raise StartupError(str(error)) from None

    async def start(self) -> None:
        triggers = self.prepare()
        self.runtime = DurableRuntime(
            self.index,
            self.connection_string,
            task_hub=self.task_hub,
            clock=self.clock,
            activity_client_binding=self.client_binding,
            replace_running=self.replace_running,
            versioning=self.versioning,
            required_query=f"code={self.keys.durable}" if self.keys is not None else "",
        )
        try:
            await self.runtime.start()
        except Exception as error:
            if not is_outage(error):
                raise
            kind = type(error).__name__
            raise StartupError(f"storage is unreachable ({kind}): is Azurite running?") from None
        runtime = self.runtime
        triggers.storage_down = lambda: not runtime.storage_healthy
        app = build_web_app(
            triggers.handle, self.keys, self.runtime, self.options.host, control_routes=self.control_routes
        )
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, self.options.host, self.options.port).start()
        self.timers = TimerRunner(self.schedules, self.fire_timer, self.clock)
        self.timers.start()

    async def stop(self) -> None:
        if self.timers is not None:
            await self.timers.stop()
        if self.runner is not None:
            await self.runner.cleanup()
        if self.runtime is not None:
            await self.runtime.stop()

    async def retire(self) -> web.AppRunner | None:
        """Stop listening, firing timers and running durable work, but leave the connections being
        answered (the request asking for this, say) to the returned runner: the caller cleans it up."""
        if self.timers is not None:
            await self.timers.stop()
        if self.runner is not None:
            for site in list(self.runner.sites):
                await site.stop()
        if self.runtime is not None:
            await self.runtime.stop()
        return self.runner

    def client_binding(self) -> str:
        """The durable client JSON; management URLs carry the durable system key when keys are enforced."""
        if self.runtime is None:
            raise RuntimeError("the durable runtime is not started")
        return self.runtime.client_binding(self.options.base_url)

    async def fire_timer(self, timer: TimerFunction, request: TimerRequest) -> None:
        arguments: dict[str, Any] = {timer.timer_param: request}
        if timer.client_param:
            arguments[timer.client_param] = self.client_binding()
        started = time.monotonic()
        try:
            await call_function(timer.func, arguments, function_name=timer.name, app_dir=self.app_dir)
            outcome = "Succeeded"
        except Exception as error:  # user code may raise anything; log only its type
            outcome = f"Failed: {type(error).__name__}"
            logger.error("timer %s raised %s", timer.name, describe_failure(error))
        log_execution("timer", timer.name, time.monotonic() - started, outcome)
