"""The aiohttp application: routes plus the "edge" every non-control request passes through
(request counters, seeded faults, rate limits)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from strava_emulator import api, changes, control, edits, errors, oauth, pictures, subscriptions
from strava_emulator.config import EmulatorConfig
from strava_emulator.faults import truncate_json
from strava_emulator.state import STATE, Clock, EmulatorState
from strava_emulator.webhooks import outbox_context

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
TOKEN_PATHS = frozenset({"/oauth/token", "/api/v3/oauth/token"})
UNKNOWN_PATH = errors.fault("Record Not Found", "resource", "path", "invalid")


def build_app(config: EmulatorConfig, *, wall_clock: Clock = time.time) -> web.Application:
    """A ready-to-run emulator app; ``wall_clock`` lets tests control time."""
    app = web.Application(middlewares=[strava_edge])
    app[STATE] = EmulatorState.create(config, wall_clock)
    app.cleanup_ctx.append(outbox_context)
    for table in (
        control.routes,
        edits.routes,
        changes.routes,
        oauth.routes,
        api.routes,
        subscriptions.routes,
        pictures.routes,
    ):
        app.add_routes(table)
    return app


def route_names(request: web.Request) -> tuple[str, ...]:
    """The concrete path and, if different, the route template it matched."""
    resource = request.match_info.route.resource
    template = resource.canonical if resource is not None else request.path
    return (request.path,) if template == request.path else (template, request.path)


def counts_against_limits(request: web.Request) -> bool:
    """API calls count; the token endpoints carry no rate-limit headers (as observed)."""
    return request.path.startswith("/api/v3/") and request.path not in TOKEN_PATHS


UPLOADS = ("/api/v3/uploads", "/api/v3/activities")  # POST: uploads and activity create


def is_read(request: web.Request) -> bool:
    """Strava's read ("non-upload") bucket counts every call except uploads, activity create and
    media uploads, whatever the method."""
    return not (request.method == "POST" and (request.path in UPLOADS or request.path.endswith("/media")))


@web.middleware
async def strava_edge(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/_emulator/"):
        return await handler(request)
    state = request.app[STATE]
    limiter = state.limiter  # a request held or hung across a reset counts in the state it arrived in
    names = route_names(request)
    state.counters.requests[f"{request.method} {names[0]}"] += 1
    if state.holds.matches(request.method, names):
        await state.holds.park()
    plan = state.dice.plan(state.config, request.method, names)
    if plan.delay_seconds > 0:
        await asyncio.sleep(plan.delay_seconds)
    if plan.hang:
        state.counters.faults["hang"] += 1
        await asyncio.sleep(state.config.hang_seconds)
    limit_headers: dict[str, str] = {}
    if counts_against_limits(request):
        config, now = state.config, state.now()
        limiter.count(now, is_read=is_read(request))
        limit_headers = limiter.headers(config.rate_limit, config.read_rate_limit)
        if limiter.exceeded(config.rate_limit, config.read_rate_limit):
            state.counters.faults["rate_limited"] += 1
            return web.json_response(errors.RATE_LIMITED, status=429, headers=limit_headers)
    response = await _answer(request, handler, plan.error_status)
    if state.holds.matches(request.method, names, answered=True):
        await state.holds.park()
    if plan.error_status is not None:
        state.counters.faults["error"] += 1
    if response.status in (200, 401, 403, 404, 400, 429, 500):
        response.headers.update(limit_headers)
    if plan.malformed and response.status == 200 and response.content_type == "application/json":
        state.counters.faults["malformed"] += 1
        body = response.body
        if isinstance(body, bytes | bytearray):
            response.body = truncate_json(bytes(body))
    return response


async def _answer(request: web.Request, handler: Handler, error: int | None) -> web.Response:
    if error is not None:
        return errors.server_error(error)
    if request.match_info.http_exception is not None:
        status = request.match_info.http_exception.status
        return web.json_response(UNKNOWN_PATH, status=status)
    response = await handler(request)
    assert isinstance(response, web.Response)
    return response
