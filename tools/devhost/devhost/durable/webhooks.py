"""HTTP surface: the SDK's RPC (``/durabletask/``, double-encoded bodies, doc 4.2) and the public
webhooks (``/runtime/webhooks/durabletask/``, plain JSON, doc 4.5), served by one implementation."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from devhost.durable.binding import client_binding
from devhost.durable.events import parse_time
from devhost.durable.management import InstanceManagement, InstanceQuery, ManagementError
from devhost.durable.record import RuntimeStatus
from devhost.durable.status import status_json

RPC_PREFIX = "/durabletask"
WEBHOOK_PREFIX = "/runtime/webhooks/durabletask"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_durable_routes(app: web.Application, management: InstanceManagement, task_hub: str) -> None:
    """Register both route trees on ``app``."""
    for prefix, rpc in ((RPC_PREFIX, True), (WEBHOOK_PREFIX, False)):
        routes = DurableRoutes(management, task_hub, rpc)
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


def error_response(status: int, message: str, kind: str = "InvalidOperationException") -> web.Response:
    body = {"Message": message, "ExceptionMessage": message, "ExceptionType": kind, "StackTrace": ""}
    return web.json_response(body, status=status)


class DurableRoutes:
    """Handlers for one prefix; ``rpc`` selects double-encoded request bodies."""

    def __init__(self, management: InstanceManagement, task_hub: str, rpc: bool) -> None:
        self.management = management
        self.task_hub = task_hub
        self.rpc = rpc

    def guard(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except ManagementError as exc:
                return error_response(exc.status, str(exc))
            except (ValueError, KeyError) as exc:
                return error_response(400, f"Bad request: {type(exc).__name__}", "ArgumentException")

        return guarded

    async def start(self, request: web.Request) -> web.StreamResponse:
        text = await request.text()
        input_text = self._start_input(text)
        name = request.match_info["name"]
        record = await self.management.start(name, request.match_info.get("instance_id"), input_text)
        timeout = request.query.get("timeout")
        if timeout is not None and not self.rpc:
            interval = float(request.query.get("pollingInterval", "1"))
            return await self._wait(request, record.instance_id, float(timeout), interval)
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
        deadline = time.monotonic() + timeout
        while True:
            record, _ = await self.management.get(instance_id)
            if not record.status.live:
                if record.status == RuntimeStatus.COMPLETED:
                    return web.Response(text=record.output or "null", content_type="application/json")
                code = 500 if record.status == RuntimeStatus.FAILED else 200
                return web.json_response(status_json(record), status=code)
            if time.monotonic() >= deadline:
                return self._check_status(request, instance_id)
            await asyncio.sleep(min(interval, max(deadline - time.monotonic(), 0.01)))

    def _check_status(self, request: web.Request, instance_id: str) -> web.Response:
        origin = f"{request.scheme}://{request.host}"
        urls: dict[str, str] = json.loads(client_binding(origin, self.task_hub))["managementUrls"]
        body = {key: value.replace("INSTANCEID", instance_id) for key, value in urls.items()}
        headers = {"Location": body["statusQueryGetUri"], "Retry-After": "10"}
        return web.json_response(body, status=202, headers=headers)

    async def status(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        show_history = _flag(query, "showHistory")
        record, history = await self.management.get(request.match_info["instance_id"], show_history)
        body = status_json(record, history, show_input=query.get("showInput", "true").lower() != "false")
        if record.status.live:
            headers = {"Location": str(request.url), "Retry-After": "5"}
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
        raise web.HTTPNotFound()

    async def entities(self, request: web.Request) -> web.StreamResponse:
        return error_response(501, "durable entities are not supported by devhost", "NotImplementedException")


def _flag(query: Any, name: str) -> bool:
    return str(query.get(name, "false")).lower() == "true"


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
