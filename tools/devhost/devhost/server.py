"""The aiohttp application devhost serves: HTTP triggers, durable webhooks, admin status, JSON errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from aiohttp import web
from aiohttp.typedefs import Middleware

from devhost.http_triggers import HttpTriggers, json_error
from devhost.keys import HostKeys, supplied_key

MAX_REQUEST_BODY = 10 * 1024 * 1024
WEBHOOK_PREFIX = "/runtime/webhooks/"
RPC_PREFIX = "/durabletask/"
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1", "::ffff:127.0.0.1")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class MountsRoutes(Protocol):
    """The part of the durable runtime the server needs."""

    def add_routes(self, app: web.Application) -> None: ...


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unmatched paths, wrong methods and oversized bodies answer in JSON like the rest of devhost."""
    unmatched = request.match_info.http_exception
    if isinstance(unmatched, web.HTTPMethodNotAllowed):
        allow = ", ".join(sorted(unmatched.allowed_methods))
        message = f"{request.method} is not allowed here"
        return json_error(405, "method_not_allowed", message, {"Allow": allow})
    if unmatched is not None:
        return json_error(unmatched.status, "not_found", f"nothing is served at {request.path}")
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return json_error(413, "payload_too_large", f"request bodies are limited to {MAX_REQUEST_BODY} bytes")


@web.middleware
async def rpc_from_loopback_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The durable client's RPC routes carry no keys: only local callers (the app's SDK) may use them."""
    if request.path.startswith(RPC_PREFIX) and request.remote not in LOOPBACK_ADDRESSES:
        return json_error(403, "forbidden", "the durable RPC routes are for local callers only")
    return await handler(request)


def webhook_keys(keys: HostKeys) -> Middleware:
    """Middleware: the public durable webhooks need the master (system) key."""

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.lower().startswith(WEBHOOK_PREFIX) and not keys.allows(
            "ADMIN", supplied_key(request.query, request.headers)
        ):
            return json_error(401, "unauthorized", "the durable webhooks need the master key (code)")
        return await handler(request)

    return check


def host_status_handler(keys: HostKeys | None) -> Handler:
    """``GET /admin/host/status``: the host is up (master key needed when keys are enforced)."""

    async def status(request: web.Request) -> web.StreamResponse:
        if keys is not None and not keys.allows("ADMIN", supplied_key(request.query, request.headers)):
            return json_error(401, "unauthorized", "the admin API needs the master key")
        return web.json_response({"state": "Running", "host": "devhost"})

    return status


def build_web_app(
    triggers: HttpTriggers, keys: HostKeys | None, durable: MountsRoutes | None = None
) -> web.Application:
    """Durable routes first, then the admin status, then the HTTP-trigger catch-all."""
    middlewares: list[Middleware] = [json_errors, rpc_from_loopback_only]
    if keys is not None:
        middlewares.append(webhook_keys(keys))
    app = web.Application(client_max_size=MAX_REQUEST_BODY, middlewares=middlewares)
    if durable is not None:
        durable.add_routes(app)
    app.router.add_get("/admin/host/status", host_status_handler(keys))
    app.router.add_route("*", "/{path:.*}", triggers.handle)
    return app
