"""HTTP surface: the SDK's RPC (below an unguessable ``/durabletask/<token>``, double-encoded bodies,
doc 4.2) and the public webhooks (``/runtime/webhooks/durabletask/``, plain JSON, doc 4.5), served by
one implementation."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from devhost.durable.binding import client_binding
from devhost.durable.events import parse_time
from devhost.durable.health import RETRY_AFTER_S, is_outage
from devhost.durable.management import InstanceManagement, InstanceQuery, ManagementError
from devhost.durable.record import RuntimeStatus
from devhost.durable.status import status_json

WEBHOOK_PREFIX = "/runtime/webhooks/durabletask"
MAX_WAIT_S = 230.0  # Azure's front end ends any HTTP request after 230 s
MIN_POLL_S = 0.5
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
logger = logging.getLogger("devhost.durable")


def add_durable_routes(
    app: web.Application,
    management: InstanceManagement,
    task_hub: str,
    rpc_path: str,
    required_query: str = "",
) -> None:
    """Register the SDK's RPC tree below ``rpc_path`` and the public webhook tree on ``app``."""
    for prefix, rpc in ((rpc_path.rstrip("/"), True), (WEBHOOK_PREFIX, False)):
        routes = DurableRoutes(management, task_hub, rpc, required_query)
        add = app.router.add_route
        add("POST", f"{prefix}/orchestrators/{{name}}", routes.guard(routes.start))
        add("POST", f"{prefix}/orchestrators/{{name}}/{{instance_id}}", routes.guard(routes.start))
        for path in (f"{prefix}/instances", f"{prefix}/instances/"):
            add("GET", path, routes.guard(routes.list_instances))
            add("DELETE", path, routes.guard(routes.purge_by))
        add("GET", f"{prefix}/instances/{{instance_id}}", routes.guard(routes.status))
        add("DELETE", f"{prefix}/instances/{{instance_id}}", routes.guard(routes.purge))
        add(
            "POST",
            f"{prefix}/instances/{{instance_id}}/raiseEvent/{{event}}",
            routes.guard(routes.raise_event),
        )
        add("POST", f"{prefix}/instances/{{instance_id}}/{{operation}}", routes.guard(routes.operation))
        add("*", f"{prefix}/entities/{{tail:.*}}", routes.guard(routes.entities))


def error_response(
    status: int,
    message: str,
    kind: str | None = "InvalidOperationException",
    headers: dict[str, str] | None = None,
) -> web.Response:
    """The extension's error body: ``Message`` plus, when it names an exception, the .NET details."""
    body: dict[str, str] = {"Message": message}
    if kind is not None:
        body.update(ExceptionMessage=message, ExceptionType=f"System.{kind}", StackTrace="")
    return web.json_response(body, status=status, headers=headers)


def wait_bounds(query: Mapping[str, str]) -> tuple[float, float] | None:
    """``(timeout, polling interval)`` in seconds when the caller asked to wait (both given), clamped
    to ``MAX_WAIT_S`` and ``MIN_POLL_S``; ValueError for values that are not finite, non-negative
    numbers."""
    if "timeout" not in query or "pollingInterval" not in query:
        return None
    timeout, interval = (_seconds(query, name) for name in ("timeout", "pollingInterval"))
    timeout = min(timeout, MAX_WAIT_S)
    return timeout, min(max(interval, MIN_POLL_S), max(timeout, MIN_POLL_S))


def _seconds(query: Mapping[str, str], name: str) -> float:
    value = float(query[name])
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number of seconds, not {query[name]!r}")
    return value


class DurableRoutes:
    """Handlers for one prefix; ``rpc`` selects double-encoded request bodies."""

    def __init__(self, management: InstanceManagement, task_hub: str, rpc: bool, required_query: str) -> None:
        self.management = management
        self.task_hub = task_hub
        self.rpc = rpc
        self.required_query = required_query

    def guard(self, handler: Handler) -> Handler:
        """Refusals and bad input become the extension's error bodies (never a Python type name);
        an unreachable storage answers 503 with ``Retry-After``."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            health = self.management.engine.health
            try:
                return await handler(request)
            except ManagementError as exc:
                return error_response(exc.status, str(exc), exc.kind)
            except json.JSONDecodeError:
                return error_response(400, "Invalid JSON content", "ArgumentException")
            except (ValueError, KeyError):
                message = "One or more of the arguments submitted is incorrect"
                return error_response(400, message, "ArgumentException")
            except Exception as exc:
                if not is_outage(exc):
                    kind = type(exc).__name__
                    logger.error("durable API %s %s failed (%s)", request.method, request.path, kind)
                    return error_response(500, "Something went wrong while processing your request", None)
                health.failed(exc)
                return storage_unavailable()

        return guarded

    async def start(self, request: web.Request) -> web.StreamResponse:
        wait = None if self.rpc else wait_bounds(request.query)
        text = await request.text()
        input_text = self._start_input(text)
        name = request.match_info["name"]
        version = request.query.get("version")  # start_new(..., version=): else host.json's defaultVersion
        record = await self.management.start(name, request.match_info.get("instance_id"), input_text, version)
        if wait is not None:
            return await self._wait(request, record.instance_id, *wait)
        return self._check_status(request, record.instance_id)

    def _start_input(self, text: str) -> str | None:
        if not text.strip():
            return None
        decoded = json.loads(text)
        if self.rpc:
            return decoded if isinstance(decoded, str) else json.dumps(decoded)
        return text

    async def _wait(
        self, request: web.Request, instance_id: str, timeout: float, interval: float
    ) -> web.StreamResponse:
        """Wake when the instance finishes (no busy polling); re-read at most every ``interval``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            record, _ = await self.management.get(instance_id)
            if not record.status.live:
                if record.status == RuntimeStatus.COMPLETED:
                    return web.Response(text=record.output or "null", content_type="application/json")
                code = 500 if record.status == RuntimeStatus.FAILED else 200
                return web.json_response(status_json(record), status=code)
            remaining = deadline - loop.time()
            if remaining <= 0:
                return self._check_status(request, instance_id)
            await self.management.engine.wait_finished(instance_id, min(interval, remaining))

    def _check_status(self, request: web.Request, instance_id: str) -> web.Response:
        origin = f"{request.scheme}://{request.host}"
        binding = client_binding(origin, self.task_hub, "", self.required_query)
        urls: dict[str, str] = json.loads(binding)["managementUrls"]
        body = {key: value.replace("INSTANCEID", instance_id) for key, value in urls.items()}
        headers = {"Location": body["statusQueryGetUri"], "Retry-After": "10"}
        return web.json_response(body, status=202, headers=headers)

    async def status(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        show_history = _flag(query, "showHistory")
        record, history = await self.management.get(request.match_info["instance_id"], show_history)
        body = status_json(record, history, show_input=query.get("showInput", "true").lower() != "false")
        if record.status.live:
            location = f"{request.scheme}://{request.host}{request.raw_path}"  # yarl refuses port 99999
            headers = {"Location": location, "Retry-After": "5"}
            return web.json_response(body, status=202, headers=headers)
        failed = record.status == RuntimeStatus.FAILED and _flag(query, "returnInternalServerErrorOnFailure")
        return web.json_response(body, status=500 if failed else 200)

    async def list_instances(self, request: web.Request) -> web.StreamResponse:
        records = await self.management.query(_instance_query(request))
        return web.json_response([status_json(r, show_input=False) for r in records])

    async def purge(self, request: web.Request) -> web.StreamResponse:
        deleted = await self.management.purge(request.match_info["instance_id"])
        return _purged(deleted)

    async def purge_by(self, request: web.Request) -> web.StreamResponse:
        if "createdTimeFrom" not in request.query:
            return error_response(400, "createdTimeFrom is required.", "ArgumentException")
        return _purged(await self.management.purge_by(_instance_query(request)))

    async def raise_event(self, request: web.Request) -> web.StreamResponse:
        if request.content_type != "application/json":
            return error_response(
                400, "Only application/json request content is supported", "ArgumentException"
            )
        text = await request.text()
        input_text = json.dumps(json.loads(text)) if text.strip() else None
        await self.management.raise_event(
            request.match_info["instance_id"], request.match_info["event"], input_text
        )
        return web.Response(status=202)

    async def operation(self, request: web.Request) -> web.StreamResponse:
        instance_id = request.match_info["instance_id"]
        operation = request.match_info["operation"]
        reason = request.query.get("reason", "")
        if operation in ("terminate", "suspend", "resume"):
            await self.management.control(instance_id, operation, reason)  # type: ignore[arg-type]
            return web.Response(status=202)
        if operation == "restart":
            new_id = request.query.get("restartWithNewInstanceId", "true").lower() != "false"
            record = await self.management.restart(instance_id, new_id)
            return self._check_status(request, record.instance_id)
        if operation == "rewind":
            return error_response(501, "rewind is not supported by devhost", "NotImplementedException")
        return web.Response(status=404)

    async def entities(self, request: web.Request) -> web.StreamResponse:
        return error_response(501, "durable entities are not supported by devhost", "NotImplementedException")


def _flag(query: Any, name: str) -> bool:
    return str(query.get(name, "false")).lower() == "true"


def storage_unavailable() -> web.Response:
    """503 while Table Storage cannot be reached."""
    message = "Storage is unreachable right now; retry later."
    return error_response(503, message, None, headers={"Retry-After": str(RETRY_AFTER_S)})


def _purged(deleted: int) -> web.Response:
    if deleted == 0:
        return web.Response(status=404)
    return web.json_response({"instancesDeleted": deleted})


def _instance_query(request: web.Request) -> InstanceQuery:
    query = request.query
    statuses = [RuntimeStatus(s.strip()) for s in query.get("runtimeStatus", "").split(",") if s.strip()]
    return InstanceQuery(
        created_from=parse_time(query["createdTimeFrom"]) if query.get("createdTimeFrom") else None,
        created_to=parse_time(query["createdTimeTo"]) if query.get("createdTimeTo") else None,
        statuses=statuses,
        id_prefix=query.get("instanceIdPrefix", ""),
    )
