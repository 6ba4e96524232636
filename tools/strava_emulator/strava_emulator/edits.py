"""Test-only edits of the seeded data: ``PATCH /_emulator/athletes/{athleteId}`` (profile text fields)
and ``PATCH /_emulator/activities/{activityId}`` (its name, visibility or ``summary_polyline``), e.g. to
seed hostile names or polylines, or turn an activity private."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from strava_emulator.model import VISIBILITIES, Activity, Athlete
from strava_emulator.state import STATE

routes = web.RouteTableDef()
ATHLETE_FIELDS = ("firstname", "lastname", "username")
ACTIVITY_FIELDS = ("name", "visibility", "summary_polyline")


@routes.patch("/_emulator/athletes/{athleteId}")
async def edit_athlete(request: web.Request) -> web.Response:
    athletes = request.app[STATE].athletes
    athlete = athletes.get(_int(request.match_info["athleteId"]))
    if athlete is None:
        return web.json_response({"message": "no such athlete"}, status=404)
    changes = await _changes(request, ATHLETE_FIELDS)
    for name, value in changes.items():
        setattr(athlete, name, value)
    return web.json_response({"id": athlete.id, **changes})


@routes.patch("/_emulator/activities/{activityId}")
async def edit_activity(request: web.Request) -> web.Response:
    activity_id = _int(request.match_info["activityId"])
    owner = _owner(request.app[STATE].athletes.values(), activity_id)
    if owner is None:
        return web.json_response({"message": "no such activity"}, status=404)
    changes = await _changes(request, ACTIVITY_FIELDS)
    if changes.get("visibility", VISIBILITIES[0]) not in VISIBILITIES:
        raise _bad(f"visibility is one of {', '.join(VISIBILITIES)}")
    owner.activities = [
        _edited(item, changes) if item.id == activity_id else item for item in owner.activities
    ]
    return web.json_response({"id": activity_id, **changes})


async def _changes(request: web.Request, allowed: tuple[str, ...]) -> dict[str, str]:
    try:
        body: Any = await request.json()
    except json.JSONDecodeError:
        body = None
    if not isinstance(body, dict) or not body:
        raise _bad(f"send a JSON object with some of: {', '.join(allowed)}")
    unknown = sorted(set(body) - set(allowed))
    if unknown or not all(isinstance(value, str) for value in body.values()):
        raise _bad(f"only string fields {', '.join(allowed)} can be set")
    return {str(name): str(value) for name, value in body.items()}


def _edited(activity: Activity, changes: dict[str, str]) -> Activity:
    return dataclasses.replace(
        activity,
        name=changes.get("name", activity.name),
        visibility=changes.get("visibility", activity.visibility),
        summary_polyline=changes.get("summary_polyline", activity.summary_polyline),
    )


def _owner(athletes: Iterable[Athlete], activity_id: int) -> Athlete | None:
    return next((athlete for athlete in athletes if athlete.activity(activity_id) is not None), None)


def _int(raw: str) -> int:
    return int(raw) if raw.isdigit() else -1


def _bad(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"message": message}), content_type="application/json")
