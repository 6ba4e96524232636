"""Test-only control routes under ``/_emulator`` (never faulted, never rate limited)."""

from __future__ import annotations

import json

from aiohttp import web

from strava_emulator.config import apply_changes
from strava_emulator.state import STATE

routes = web.RouteTableDef()


@routes.get("/_emulator/stats")
async def stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].counters.as_json())


@routes.post("/_emulator/reset-counters")
async def reset_counters(request: web.Request) -> web.Response:
    """Zero the counters and the rate-limit usage."""
    request.app[STATE].reset_counters()
    return web.json_response({"reset": True})


@routes.get("/_emulator/config")
async def show_config(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].config.public_view())


@routes.post("/_emulator/config")
async def change_config(request: web.Request) -> web.Response:
    """Apply a JSON object of live settings; 400 with the reason if any is bad (none applied)."""
    state = request.app[STATE]
    try:
        changes = await request.json()
        if not isinstance(changes, dict):
            raise ValueError("send a JSON object of settings")
        changed = apply_changes(state.config, changes)
    except (ValueError, json.JSONDecodeError) as error:
        return web.json_response({"message": str(error)}, status=400)
    return web.json_response({"changed": changed, "config": state.config.public_view()})


@routes.get("/_emulator/athletes")
async def athletes(request: web.Request) -> web.Response:
    """The synthetic athletes (id, name, activity count); the first approves by default."""
    listing = [
        {
            "id": item.id,
            "firstname": item.firstname,
            "lastname": item.lastname,
            "activities": len(item.activities),
        }
        for item in request.app[STATE].athletes.values()
    ]
    return web.json_response(listing)
