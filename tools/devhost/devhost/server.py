"""The aiohttp application devhost serves: HTTP triggers, durable webhooks, admin status, JSON errors."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from aiohttp import web
from aiohttp.typedefs import Middleware

from devhost.durable.health import RETRY_AFTER_S
from devhost.http_triggers import json_error
from devhost.keys import HostKeys, supplied_key

MAX_REQUEST_BODY = 10 * 1024 * 1024
WEBHOOK_PREFIX = "/runtime/webhooks/"
RPC_PREFIX = "/durabletask/"
CONTROL_PREFIX = "/_devhost/"  # devhost's own test-harness routes (``--testing`` only)
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1", "::ffff:127.0.0.1")
SAFE_FETCH_SITES = ("same-origin", "none")
# Kestrel's rule for a Host header (HttpUtilities.IsHostHeaderValid, which Azure's host runs behind):
# empty, or a name of these characters or a bracketed IPv6 literal, then optionally ":" and digits only.
_VALID_HOST = re.compile(r"(?:[A-Za-z0-9!$&'()\-._~]+|\[[0-9A-Fa-f:.]{3,}\])(?::[0-9]+)?|")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class DurableSurface(Protocol):
    """The part of the durable runtime the server needs."""

    @property
    def storage_healthy(self) -> bool: ...

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


def valid_host(host: str | None) -> bool:
    """Whether Kestrel accepts this Host header (a port of digits is not range-checked, as there)."""
    return host is not None and _VALID_HOST.fullmatch(host) is not None


@web.middleware
async def host_header(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A repeated or malformed Host (or none, in HTTP/1.1) is refused with 400 before routing, as
    Kestrel refuses it in front of Azure's host."""
    hosts = request.headers.getall("Host", [])
    required = request.version >= (1, 1)
    if len(hosts) > 1 or (required and not hosts) or not all(map(valid_host, hosts)):
        return json_error(400, "bad_request", "the Host header is missing, repeated or malformed")
    return await handler(request)


def _is_durable(path: str) -> bool:
    lowered = path.lower()
    return lowered.startswith((RPC_PREFIX, WEBHOOK_PREFIX))


def _is_local_only(path: str) -> bool:
    """The routes for local programs only (the SDK's RPC, the test harness's control): no page, no
    remote caller."""
    return path.lower().startswith((RPC_PREFIX, CONTROL_PREFIX))


def _trusted_host(host_header: str, bound_host: str) -> bool:
    """An IP literal, ``localhost`` or the bound name: never a name an attacker's DNS points here."""
    if host_header.startswith("["):
        name = host_header[1 : host_header.find("]")]
    else:
        name = host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header
    name = name.lower()
    if name in ("localhost", bound_host.lower()):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def browser_guard(bound_host: str) -> Middleware:
    """Middleware: a web page must not drive the durable API. Refused with 403: any ``Origin`` on the
    RPC and control routes, a foreign ``Origin`` or a cross-site ``Sec-Fetch-Site`` on the webhooks,
    and a ``Host`` that is neither an IP address nor ``localhost`` (DNS rebinding)."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not (_is_durable(request.path) or _is_local_only(request.path)):
            return await handler(request)
        host = request.host or ""
        origin = request.headers.get("Origin")
        site = request.headers.get("Sec-Fetch-Site")
        rpc = _is_local_only(request.path)
        foreign_origin = origin is not None and (
            rpc or origin.lower() != f"{request.scheme}://{host}".lower()
        )
        if foreign_origin or (site is not None and site.lower() not in SAFE_FETCH_SITES):
            return json_error(403, "forbidden", "the durable API refuses requests from web pages")
        if not _trusted_host(host, bound_host):
            return json_error(403, "forbidden", "the durable API answers only to an IP address or localhost")
        return await handler(request)

    return guard


@web.middleware
async def rpc_from_loopback_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The durable client's RPC routes and the control routes carry no keys: only local callers (the
    app's SDK, a test harness) may use them."""
    if _is_local_only(request.path) and request.remote not in LOOPBACK_ADDRESSES:
        return json_error(403, "forbidden", "the durable RPC and control routes are for local callers only")
    return await handler(request)


def storage_gate(durable: DurableSurface) -> Middleware:
    """Middleware: while Table Storage is unreachable, the durable routes answer 503 at once. HTTP
    triggers still run, as on Azure, whose host keeps serving them through a storage outage (an app
    may answer from memory); one that fails while storage is down answers 503 (see HttpTriggers)."""

    @web.middleware
    async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
        if durable.storage_healthy or not _is_durable(request.path):
            return await handler(request)
        return service_unavailable()

    return gate


def service_unavailable() -> web.Response:
    """The 503 devhost answers while storage is down."""
    message = "storage is unreachable; devhost resumes every instance when it is back"
    return json_error(503, "storage_unavailable", message, {"Retry-After": str(RETRY_AFTER_S)})


def webhook_keys(keys: HostKeys) -> Middleware:
    """Middleware: the public durable webhooks need the durable system key (or the master key)."""

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.lower().startswith(WEBHOOK_PREFIX) and not keys.opens_durable_webhooks(
            supplied_key(request.query, request.headers)
        ):
            return json_error(401, "unauthorized", "the durable webhooks need the durable system key (code)")
        return await handler(request)

    return check


def host_status_handler(keys: HostKeys | None, durable: DurableSurface | None) -> Handler:
    """``GET /admin/host/status``: Running, or Error (503) while storage is unreachable (master key
    needed when keys are enforced)."""

    async def status(request: web.Request) -> web.StreamResponse:
        if keys is not None and not keys.allows("ADMIN", supplied_key(request.query, request.headers)):
            return json_error(401, "unauthorized", "the admin API needs the master key")
        if durable is not None and not durable.storage_healthy:
            body = {"state": "Error", "host": "devhost", "errors": ["storage is unreachable"]}
            return web.json_response(body, status=503, headers={"Retry-After": str(RETRY_AFTER_S)})
        return web.json_response({"state": "Running", "host": "devhost"})

    return status


def build_web_app(
    handle_http: Handler,
    keys: HostKeys | None,
    durable: DurableSurface | None = None,
    bound_host: str = "127.0.0.1",
    control_routes: Sequence[web.RouteDef] = (),
) -> web.Application:
    """Durable routes first, then the admin status and ``control_routes``, then the HTTP-trigger
    catch-all ``handle_http``."""
    middlewares: list[Middleware] = [
        host_header,
        json_errors,
        browser_guard(bound_host),
        rpc_from_loopback_only,
    ]
    if durable is not None:
        middlewares.append(storage_gate(durable))
    if keys is not None:
        middlewares.append(webhook_keys(keys))
    app = web.Application(client_max_size=MAX_REQUEST_BODY, middlewares=middlewares)
    if durable is not None:
        durable.add_routes(app)
    app.router.add_get("/admin/host/status", host_status_handler(keys, durable))
    app.router.add_routes(control_routes)
    app.router.add_route("*", "/{path:.*}", handle_http)
    return app
