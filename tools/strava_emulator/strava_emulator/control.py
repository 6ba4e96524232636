"""Test-only control routes under ``/_emulator`` (never faulted, never rate limited)."""

from __future__ import annotations

import json

from aiohttp import web

from strava_emulator import errors
from strava_emulator.config import apply_changes
from strava_emulator.flags import FlagError, config_from_flags
from strava_emulator.render import summary_activity
from strava_emulator.state import STATE
from strava_emulator.webhooks import OUTBOX

routes = web.RouteTableDef()


@routes.get("/_emulator/stats")
async def stats(request: web.Request) -> web.Response:
    pending = request.app[OUTBOX].pending()
    return web.json_response(request.app[STATE].counters.as_json(pending))


@routes.post("/_emulator/reset-counters")
async def reset_counters(request: web.Request) -> web.Response:
    """Zero the counters and the rate-limit usage."""
    request.app[STATE].reset_counters()
    return web.json_response({"reset": True})


@routes.post("/_emulator/reset")
async def reset(request: web.Request) -> web.Response:
    """Back to the state the emulator started in: data, tokens, subscription, counters, live settings,
    holds (parked requests go on) and webhook deliveries under way (dropped); with ``{"flags": [...]}``,
    as if started with those command-line flags instead, and later resets go back to them (not
    ``--host`` or ``--port``; 400 with the reason if they do not parse, nothing reset). Lets tests
    share one emulator, whatever its flags."""
    body = await _json_object(request) if request.can_read_body else {}
    flags = body.get("flags")
    config = None
    if flags is not None:
        if not isinstance(flags, list) or not all(isinstance(flag, str) for flag in flags):
            return web.json_response({"message": "flags: a list of strings"}, status=400)
        try:
            config = config_from_flags(flags)
        except FlagError as error:
            return web.json_response({"message": f"flags: {error}"}, status=400)
    await request.app[OUTBOX].drop()
    request.app[STATE].restart(config)
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


async def _json_object(request: web.Request) -> dict[str, object]:
    try:
        body = await request.json()
    except json.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text='{"message": "send a JSON object"}', content_type="application/json")
    return body


@routes.post("/_emulator/holds")
async def hold(request: web.Request) -> web.Response:
    """``{"routes": ["POST /oauth/token"]}``: park later requests on those routes until released;
    ``"when": "answered"`` parks them after their answer is made (default ``"received"``: before)."""
    body = await _json_object(request)
    held, when = body.get("routes"), body.get("when", "received")
    if not isinstance(held, list) or not all(isinstance(item, str) for item in held):
        return web.json_response({"message": 'send {"routes": ["METHOD /path", ...]}'}, status=400)
    if when not in ("received", "answered"):
        return web.json_response({"message": 'when is "received" or "answered"'}, status=400)
    request.app[STATE].holds.hold(frozenset(held), answered=when == "answered")
    return web.json_response({"holding": sorted(held), "when": when})


@routes.post("/_emulator/holds/wait")
async def wait_for_held(request: web.Request) -> web.Response:
    """``{"count": 1, "timeout": 10}``: answer once that many requests are parked (504 if they never are)."""
    body = await _json_object(request)
    count, timeout = body.get("count", 1), body.get("timeout", 10)
    if not isinstance(count, int) or not isinstance(timeout, int | float) or count < 1 or timeout < 0:
        return web.json_response(
            {"message": "count is a whole number >= 1, timeout seconds >= 0"}, status=400
        )
    holds = request.app[STATE].holds
    if await holds.wait_for(count, float(timeout)):
        return web.json_response({"waiting": holds.waiting})
    return web.json_response({"message": f"{holds.waiting} of {count} requests held"}, status=504)


@routes.post("/_emulator/holds/release")
async def release(request: web.Request) -> web.Response:
    """Let every parked request go on, and hold nothing more (``{"keep_holding": true}``: park the
    next requests on the same routes again)."""
    keep = (await _json_object(request)).get("keep_holding", False) if request.can_read_body else False
    if not isinstance(keep, bool):
        return web.json_response({"message": "keep_holding is true or false"}, status=400)
    holds = request.app[STATE].holds
    waiting = holds.waiting
    holds.release(keep_holding=keep)
    return web.json_response({"released": waiting})


@routes.get(r"/_emulator/athletes/{athlete_id:\d+}/activities")
async def ground_truth(request: web.Request) -> web.Response:
    """Every activity of the athlete, newest first, whatever its visibility or start (summary shape)."""
    athlete = request.app[STATE].athletes.get(int(request.match_info["athlete_id"]))
    if athlete is None:
        return web.json_response(errors.fault("Record Not Found", "Athlete", "id", "invalid"), status=404)
    ordered = sorted(athlete.activities, key=lambda item: item.start, reverse=True)
    return web.json_response([summary_activity(item) for item in ordered])
