"""Control routes that change an athlete's data as Strava would, and send the matching webhook events
(``edits`` only seeds names and visibility, silently).

Create, update, delete and deauthorize send events to the subscription's callback, but only for
athletes who have authorized the app (a live refresh token), as Strava does. (The ground truth,
``GET /_emulator/athletes/{id}/activities``, is a control route.)
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from aiohttp import web

from strava_emulator import errors
from strava_emulator.data import utc_offset
from strava_emulator.model import VISIBILITIES, Activity, Athlete
from strava_emulator.render import detailed_activity
from strava_emulator.state import STATE, EmulatorState
from strava_emulator.webhooks import OUTBOX

routes = web.RouteTableDef()
NUMBERS = {
    "distance": "distance",
    "moving_time": "moving_time",
    "elapsed_time": "elapsed_time",
    "total_elevation_gain": "elevation_gain",
}
WHOLE_SECONDS = frozenset({"moving_time", "elapsed_time"})
MAX_NAME_LENGTH = 255


class BadField(Exception):
    """A field of the edit that Strava would refuse; the argument names it."""


def parse_edit(body: object) -> dict[str, Any]:
    """The edit as ``Activity`` field values (``start_date`` becomes ``start``); raises ``BadField``."""
    if not isinstance(body, dict):
        raise BadField("body")
    changes: dict[str, Any] = {}
    for key, value in body.items():
        if key in ("name", "sport_type"):
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_LENGTH:
                raise BadField(key)
            changes[key] = value
        elif key in NUMBERS:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise BadField(key)
            changes[NUMBERS[key]] = int(value) if key in WHOLE_SECONDS else float(value)
        elif key == "start_date":
            changes["start"] = _epoch(value)
        elif key == "visibility":
            if value not in VISIBILITIES:
                raise BadField(key)
            changes[key] = value
        else:
            raise BadField(key)
    return changes


def _epoch(value: object) -> int:
    if not isinstance(value, str):
        raise BadField("start_date")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadField("start_date") from None
    if moment.tzinfo is None:
        raise BadField("start_date")
    return int(moment.timestamp())


def new_activity(state: EmulatorState, athlete: Athlete, changes: dict[str, Any]) -> Activity:
    """A manual activity just finished (unless ``start`` says otherwise), with ``changes`` applied."""
    moving = int(changes.get("moving_time", 1800))
    elapsed = int(changes.get("elapsed_time", moving))
    start = int(changes.get("start", state.now() - elapsed))
    sport = str(changes.get("sport_type", "Run"))
    activity = Activity(
        id=state.next_activity_id(),
        athlete_id=athlete.id,
        name=str(changes.get("name", sport)),
        sport_type=sport,
        start=start,
        utc_offset=utc_offset(athlete.place, start),
        timezone=athlete.place.timezone,
        distance=float(changes.get("distance", 5000.0)),
        moving_time=moving,
        elapsed_time=elapsed,
        elevation_gain=float(changes.get("elevation_gain", 0.0)),
        visibility=str(changes.get("visibility", "everyone")),
        start_latlng=None,
        end_latlng=None,
        summary_polyline="",
        gear_id=None,
        heart_rate=None,
        watts=None,
        achievement_count=0,
        kudos_count=0,
        pr_count=0,
        commute=False,
        trainer=False,
    )
    return activity


def event_updates(before: Activity, after: Activity) -> dict[str, str]:
    """Strava's ``updates`` keys for an edit: ``title``, ``type`` and ``private`` (a string)."""
    updates: dict[str, str] = {}
    if after.name != before.name:
        updates["title"] = after.name
    if after.sport_type != before.sport_type:
        updates["type"] = after.sport_type
    if after.visibility != before.visibility:
        updates["private"] = "true" if after.visibility == "only_me" else "false"
    return updates


def emit(
    request: web.Request,
    athlete_id: int,
    object_type: str,
    object_id: int,
    aspect_type: str,
    updates: dict[str, str],
    *,
    connected: bool | None = None,
) -> bool:
    """Queue the event for the subscription's callback; False when Strava would send nothing."""
    state = request.app[STATE]
    subscription = state.subscription
    if connected is None:
        connected = athlete_id in state.tokens.connected_athletes()
    if subscription is None or not connected:
        return False
    event = {
        "aspect_type": aspect_type,
        "event_time": int(state.now()),
        "object_id": object_id,
        "object_type": object_type,
        "owner_id": athlete_id,
        "subscription_id": subscription.id,
        "updates": updates,
    }
    outbox = request.app[OUTBOX]
    outbox.send(subscription.callback_url, event, state.counters.webhooks, state.config.webhook_retry_seconds)
    return True


def _athlete(request: web.Request) -> Athlete | None:
    return request.app[STATE].athletes.get(int(request.match_info["athlete_id"]))


async def _edit(request: web.Request) -> dict[str, Any] | web.Response:
    try:
        return parse_edit(await request.json())
    except json.JSONDecodeError:
        return errors.bad_request("Activity", "body")
    except BadField as bad:
        return errors.bad_request("Activity", str(bad))


def _not_found(resource: str) -> web.Response:
    return web.json_response(errors.fault("Record Not Found", resource, "id", "invalid"), status=404)


@routes.post(r"/_emulator/athletes/{athlete_id:\d+}/activities")
async def create_activity(request: web.Request) -> web.Response:
    """201 with the new activity (detail shape); a ``create`` event follows."""
    athlete = _athlete(request)
    if athlete is None:
        return _not_found("Athlete")
    changes = await _edit(request)
    if isinstance(changes, web.Response):
        return changes
    activity = new_activity(request.app[STATE], athlete, changes)
    athlete.activities.append(activity)
    athlete.activities.sort(key=lambda item: item.start)
    emit(request, athlete.id, "activity", activity.id, "create", {})
    return web.json_response(detailed_activity(activity), status=201)


@routes.put(r"/_emulator/activities/{activity_id:\d+}")
async def update_activity(request: web.Request) -> web.Response:
    """200 with the changed activity; an ``update`` event if its title, type or privacy changed."""
    found = request.app[STATE].find_activity(int(request.match_info["activity_id"]))
    if found is None:
        return _not_found("Activity")
    athlete, before = found
    changes = await _edit(request)
    if isinstance(changes, web.Response):
        return changes
    after = replace(before, **changes)
    if "start" in changes:
        after = replace(after, utc_offset=utc_offset(athlete.place, after.start))
    athlete.activities[athlete.activities.index(before)] = after
    athlete.activities.sort(key=lambda item: item.start)
    updates = event_updates(before, after)
    if updates:
        emit(request, athlete.id, "activity", after.id, "update", updates)
    return web.json_response(detailed_activity(after))


@routes.delete(r"/_emulator/activities/{activity_id:\d+}")
async def delete_activity(request: web.Request) -> web.Response:
    """204; a ``delete`` event follows."""
    found = request.app[STATE].find_activity(int(request.match_info["activity_id"]))
    if found is None:
        return _not_found("Activity")
    athlete, activity = found
    athlete.activities.remove(activity)
    emit(request, athlete.id, "activity", activity.id, "delete", {})
    return web.Response(status=204)


MAX_BULK = 10_000


@routes.post(r"/_emulator/athletes/{athlete_id:\d+}/activities/bulk")
async def bulk_edit(request: web.Request) -> web.Response:
    """Strava's bulk edit (e.g. every past activity made private at once): ``{"changes": {...}}`` and
    optionally ``"ids": [...]`` (else ``"newest": n``, else all); one ``update`` event per activity whose
    title, type or privacy changed, as Strava sends them. 200 ``{"changed", "events_sent"}``."""
    athlete = _athlete(request)
    if athlete is None:
        return _not_found("Athlete")
    try:
        body = await request.json()
    except json.JSONDecodeError:
        body = None
    if not isinstance(body, dict) or set(body) - {"changes", "ids", "newest"}:
        return errors.bad_request("Activity", "body")
    try:
        changes = parse_edit(body.get("changes"))
    except BadField as bad:
        return errors.bad_request("Activity", str(bad))
    ids, newest = body.get("ids"), body.get("newest")
    ordered = sorted(athlete.activities, key=lambda item: item.start, reverse=True)
    if ids is not None:
        if not isinstance(ids, list) or not all(type(item) is int for item in ids) or len(ids) > MAX_BULK:
            return errors.bad_request("Activity", "ids")
        chosen = [item for item in ordered if item.id in set(ids)]
    elif newest is not None:
        if type(newest) is not int or not 0 <= newest <= MAX_BULK:
            return errors.bad_request("Activity", "newest")
        chosen = ordered[:newest]
    else:
        chosen = ordered
    sent = 0
    for before in chosen:
        after = replace(before, **changes)
        if "start" in changes:
            after = replace(after, utc_offset=utc_offset(athlete.place, after.start))
        athlete.activities[athlete.activities.index(before)] = after
        updates = event_updates(before, after)
        if updates:
            sent += emit(request, athlete.id, "activity", after.id, "update", updates)
    athlete.activities.sort(key=lambda item: item.start)
    return web.json_response({"changed": len(chosen), "events_sent": sent})


@routes.post("/_emulator/webhooks/deliver")
async def deliver(request: web.Request) -> web.Response:
    """POST the request's body, byte for byte, to the subscription's callback, once, as an outsider
    (or a replaying Strava) could: forged ids, a wrong subscription, legacy string ids, broken JSON.
    200 ``{"status", "body", "elapsed_ms"}`` with the callback's answer; 409 without a subscription."""
    state = request.app[STATE]
    if state.subscription is None:
        return web.json_response({"message": "no push subscription"}, status=409)
    status, text, elapsed = await request.app[OUTBOX].post_raw(
        state.subscription.callback_url, await request.read()
    )
    return web.json_response({"status": status, "body": text, "elapsed_ms": elapsed})


@routes.post(r"/_emulator/athletes/{athlete_id:\d+}/deauthorize")
async def deauthorize_athlete(request: web.Request) -> web.Response:
    """The athlete revokes the app on Strava's site: every token dies, then the athlete event."""
    state = request.app[STATE]
    athlete = _athlete(request)
    if athlete is None:
        return _not_found("Athlete")
    connected = athlete.id in state.tokens.connected_athletes()
    state.tokens.revoke_athlete(athlete.id)
    sent = emit(
        request, athlete.id, "athlete", athlete.id, "update", {"authorized": "false"}, connected=connected
    )
    return web.json_response({"athlete_id": athlete.id, "deauthorized": True, "event_sent": sent})
