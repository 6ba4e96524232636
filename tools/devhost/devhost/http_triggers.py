"""HTTP-triggered functions: route the request, check keys, call the function, map its result."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import azure.functions as func
from aiohttp import web
from multidict import CIMultiDict

from devhost.durable.health import RETRY_AFTER_S
from devhost.execlog import log_execution
from devhost.functions import HttpFunction
from devhost.invoke import call_function, describe_failure
from devhost.keys import HostKeys, supplied_key
from devhost.routing import MethodNotAllowed, RouteMatch, RouteTable, split_path

logger = logging.getLogger("devhost.http")


def json_error(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """The JSON error body every devhost-made error response uses."""
    sent = {"X-Content-Type-Options": "nosniff", **(headers or {})}
    return web.json_response({"error": error, "message": message}, status=status, headers=sent)


class InvalidRoute(ValueError):
    """A route template the host cannot serve."""


def build_route_table(functions: list[HttpFunction]) -> RouteTable[HttpFunction]:
    """Parse every route; an invalid template fails with the function's name."""
    table: RouteTable[HttpFunction] = RouteTable()
    for function in functions:
        try:
            table.add(function.route, function.methods, function)
        except ValueError as error:
            message = f"function {function.name!r}: invalid route {function.route!r}: {error}"
            raise InvalidRoute(message) from None
    return table


def _joined(pairs: Any) -> dict[str, str]:
    """A multi-valued mapping -> str->str, repeated values joined with ','."""
    merged: dict[str, str] = {}
    for key, value in pairs.items():
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    return merged


_URLS_KEPT = 1024
_urls: dict[tuple[str, str, str], tuple[str, dict[str, str]]] = {}


def _url_and_params(request: web.Request) -> tuple[str, dict[str, str]]:
    """The absolute URL and joined query string of a request, remembered per scheme, Host and raw
    request target (which determine both): building them costs more than routing."""
    key = (request.scheme, request.host, request.raw_path)
    found = _urls.get(key)
    if found is None:
        if len(_urls) >= _URLS_KEPT:
            _urls.clear()
        # the Host as sent (the host header middleware checked it), not yarl's URL, which refuses
        # a port above 65535 that Kestrel lets through and hands to the worker as it is
        url = f"{request.scheme}://{request.host}{request.raw_path}"
        found = _urls[key] = (url, _joined(request.query))
    return found


def to_function_request(request: web.Request, body: bytes, route_values: dict[str, str]) -> func.HttpRequest:
    """The ``func.HttpRequest`` for an aiohttp request, with the URL the caller used (shared values
    are safe: the request exposes its params and route params as read-only mappings)."""
    url, params = _url_and_params(request)
    return func.HttpRequest(
        request.method,
        url,
        headers=_joined(request.headers),
        params=params,
        route_params=route_values,
        body=body,
    )


def to_web_response(result: Any) -> web.Response:
    """Map a function's return value as the worker does; an explicit Content-Type header wins, and an
    empty ``mimetype`` sends none (the worker passes it on, and the host drops an empty Content-Type)."""
    if isinstance(result, func.HttpResponse):
        headers = list(result.headers.items())  # aiohttp copies them into its own CIMultiDict
        if result.mimetype and not any(name.lower() == "content-type" for name, _ in headers):
            mimetype = result.mimetype
            charset = f"; charset={result.charset}" if mimetype.startswith("text/") and result.charset else ""
            headers.append(("Content-Type", mimetype + charset))
        return web.Response(status=result.status_code, body=result.get_body(), headers=CIMultiDict(headers))
    if isinstance(result, str):
        return web.Response(status=200, text=result, content_type="text/plain", charset="utf-8")
    if isinstance(result, bytes):
        return web.Response(status=200, body=result, content_type="application/octet-stream")
    if result is None:
        return web.Response(status=204)
    raise TypeError(f"an HTTP function returned {type(result).__name__}, not HttpResponse or str")


class HttpTriggers:
    """The aiohttp handler for every path below the route prefix."""

    def __init__(
        self,
        functions: list[HttpFunction],
        *,
        route_prefix: str,
        keys: HostKeys | None,
        client_binding: Callable[[], str] | None,
        app_dir: Path,
    ) -> None:
        self.table = build_route_table(functions)
        self.resolve = lru_cache(maxsize=1024)(self._resolve)  # the table never changes once built
        self.prefix_segments = [s.casefold() for s in split_path(route_prefix)]
        self.keys = keys
        self.client_binding = client_binding
        self.app_dir = app_dir
        self.storage_down: Callable[[], bool] = lambda: False  # set once the durable runtime runs

    def below_prefix(self, raw_path: str) -> list[str] | None:
        """Decoded segments below the route prefix, or None when the path is outside it."""
        segments = split_path(raw_path)
        head = [s.casefold() for s in segments[: len(self.prefix_segments)]]
        return segments[len(self.prefix_segments) :] if head == self.prefix_segments else None

    def _resolve(self, raw_path: str, method: str) -> RouteMatch[HttpFunction] | MethodNotAllowed | None:
        """The function (and route values) for a raw path and method; callers must not mutate the values."""
        segments = self.below_prefix(raw_path)
        return self.table.resolve(segments, method) if segments is not None else None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        found = self.resolve(request.rel_url.raw_path, request.method)
        if found is None:
            return json_error(404, "not_found", f"no function serves {request.path}")
        if isinstance(found, MethodNotAllowed):
            allow = ", ".join(found.allowed)
            return json_error(
                405, "method_not_allowed", f"{request.method} is not allowed here", headers={"Allow": allow}
            )
        function = found.route.target
        if self.keys is not None and not self.keys.allows(
            function.auth_level, supplied_key(request.query, request.headers)
        ):
            return json_error(401, "unauthorized", "a valid key (code or x-functions-key) is required")
        body = await request.read()
        return await self._invoke(function, to_function_request(request, body, found.values), request)

    async def _invoke(
        self, function: HttpFunction, http_request: func.HttpRequest, request: web.Request
    ) -> web.Response:
        arguments: dict[str, Any] = {function.request_param: http_request}
        if function.client_param and self.client_binding is not None:
            arguments[function.client_param] = self.client_binding()
        started = time.monotonic()
        try:
            result = await call_function(
                function.func, arguments, function_name=function.name, app_dir=self.app_dir
            )
            response = to_web_response(result)
        except Exception as error:  # user code may raise anything; the response must not leak it
            logger.error("function %s raised %s", function.name, describe_failure(error))
            if self.storage_down():  # it failed because storage did: say so, as Azure's host does
                retry = {"Retry-After": str(RETRY_AFTER_S)}
                response = json_error(503, "storage_unavailable", "storage is unreachable; retry", retry)
            else:
                message = f"function {function.name!r} failed; see the log"
                response = json_error(500, "internal_error", message)
        log_execution(
            "http", f"{request.method} {request.path}", time.monotonic() - started, str(response.status)
        )
        return response
