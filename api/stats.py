"""The public, cached stats: ``GET /api/athletes/{athleteId}/stats`` and ``GET /api/stats``.

A page view never calls Strava: these read the snapshot store only.
"""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

from api.caching import cors_headers, preflight_headers
from api.responses import error_response
from api.snapshots import bad_athlete_id, parse_athlete_id, serve_snapshot
from services import Services, services
from storage import TokenStatus

bp = df.Blueprint()
METHODS = ["GET", "HEAD", "OPTIONS"]


@bp.route(route="athletes/{athleteId}/stats", methods=METHODS, auth_level=func.AuthLevel.ANONYMOUS)
async def athlete_stats(req: func.HttpRequest) -> func.HttpResponse:
    athlete_id = parse_athlete_id(req.route_params.get("athleteId"))
    if athlete_id is None:
        return bad_athlete_id()
    return await serve_public(req, services(), athlete_id)


@bp.route(route="stats", methods=METHODS, auth_level=func.AuthLevel.ANONYMOUS)
async def default_stats(req: func.HttpRequest) -> func.HttpResponse:
    """The default athlete: DEFAULT_ATHLETE_ID, else the only connected one."""
    svc = services()
    athlete_id = svc.settings.default_athlete_id
    if athlete_id is None:
        connected = [r.athlete_id for r in await svc.tokens.list_athletes() if r.status is TokenStatus.ACTIVE]
        if len(connected) != 1:
            cors = cors_headers(req.headers.get("Origin"), svc.settings.cors_origins)
            reason = "No athlete is connected yet." if not connected else "Set DEFAULT_ATHLETE_ID."
            return error_response(404, "no_default_athlete", reason, cors)
        athlete_id = connected[0]
    return await serve_public(req, svc, athlete_id)


async def serve_public(req: func.HttpRequest, svc: Services, athlete_id: int) -> func.HttpResponse:
    settings = svc.settings
    origin = req.headers.get("Origin")
    if req.method == "OPTIONS":
        return func.HttpResponse(status_code=204, headers=preflight_headers(origin, settings.cors_origins))
    cors = cors_headers(origin, settings.cors_origins)
    record = await svc.tokens.get(athlete_id)
    if record is None:
        return error_response(404, "unknown_athlete", "No such athlete is connected to this app.", cors)
    if not record.publish_consent:
        return error_response(
            403,
            "not_published",
            "This athlete did not choose to publish their stats; the owner can read them with a function key "
            "at /api/athletes/{id}/snapshot.",
            cors,
        )
    cache = f"public, max-age={settings.cache_max_age}"
    return await serve_snapshot(req, svc, athlete_id, cache, cors)
