"""The ``{athleteId}`` route parameter: parsed, checked, and looked up in the token store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import azure.functions as func

from api.responses import error_response
from storage import InvalidKeyError, athlete_key

if TYPE_CHECKING:
    from services import Services
    from storage import TokenRecord


def parse_athlete_id(raw: str | None) -> int | None:
    """The athlete id of a route, or ``None`` when it is not a positive 64-bit integer."""
    try:
        return int(athlete_key(raw or ""))
    except InvalidKeyError:
        return None


def bad_athlete_id(headers: Mapping[str, str] | None = None) -> func.HttpResponse:
    return error_response(400, "invalid_athlete_id", "The athlete id must be a positive integer.", headers)


async def route_athlete(req: func.HttpRequest, svc: Services) -> TokenRecord | func.HttpResponse:
    """The token record of the route's ``{athleteId}``, or the 400 / 404 answer to send instead."""
    athlete_id = parse_athlete_id(req.route_params.get("athleteId"))
    if athlete_id is None:
        return bad_athlete_id()
    record = await svc.tokens.get(athlete_id)
    if record is None:
        return error_response(404, "unknown_athlete", "No such athlete is connected to this app.")
    return record
