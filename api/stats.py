"""The public, cached stats: ``GET /api/athletes/{athleteId}/stats`` and ``GET /api/stats``.

A page view never calls Strava: these read the snapshot store only.
"""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

from api.caching import cors_headers, preflight_headers
from api.conditional_get import JSON_SNAPSHOT, Representation, serve_snapshot
from api.responses import error_response
from api.route_athlete import bad_athlete_id, parse_athlete_id
from services import Services, services
from storage import TokenRecord, TokenStatus

bp = df.Blueprint()
METHODS = ["GET", "HEAD", "OPTIONS"]


@bp.route(route="athletes/{athleteId}/stats", methods=METHODS, auth_level=func.AuthLevel.ANONYMOUS)
async def athlete_stats(req: func.HttpRequest) -> func.HttpResponse:
    svc = services()
    if req.method == "OPTIONS":
        return preflight(req, svc)
    return await serve_route_athlete(req, svc)


@bp.route(route="stats", methods=METHODS, auth_level=func.AuthLevel.ANONYMOUS)
async def default_stats(req: func.HttpRequest) -> func.HttpResponse:
    """The default athlete: DEFAULT_ATHLETE_ID, else the only connected one."""
    svc = services()
    if req.method == "OPTIONS":
        return preflight(req, svc)
    return await serve_default(req, svc)


async def serve_route_athlete(
    req: func.HttpRequest, svc: Services, representation: Representation = JSON_SNAPSHOT
) -> func.HttpResponse:
    """The public snapshot of the route's ``{athleteId}``."""
    athlete_id = parse_athlete_id(req.route_params.get("athleteId"))
    if athlete_id is None:
        return bad_athlete_id(cors_for(req, svc))
    return await serve_public(req, svc, athlete_id, representation)


async def serve_default(
    req: func.HttpRequest, svc: Services, representation: Representation = JSON_SNAPSHOT
) -> func.HttpResponse:
    """The public snapshot of the default athlete."""
    athlete_id = svc.settings.default_athlete_id or default_athlete(await svc.tokens.list_athletes())
    if athlete_id is None:
        reason = "No athlete is connected yet, or several are: set DEFAULT_ATHLETE_ID."
        return error_response(404, "no_default_athlete", reason, cors_for(req, svc))
    return await serve_public(req, svc, athlete_id, representation)


def default_athlete(records: list[TokenRecord]) -> int | None:
    """The only athlete ever connected, else the only active one; ``None`` if that is ambiguous."""
    if len(records) == 1:
        return records[0].athlete_id
    active = [r.athlete_id for r in records if r.status is TokenStatus.ACTIVE]
    return active[0] if len(active) == 1 else None


async def serve_public(
    req: func.HttpRequest, svc: Services, athlete_id: int, representation: Representation = JSON_SNAPSHOT
) -> func.HttpResponse:
    """The snapshot of a connected athlete who chose to publish; nothing once access has lapsed."""
    cors = cors_for(req, svc)
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
    if record.status is not TokenStatus.ACTIVE:
        return error_response(
            410, "not_connected", "This athlete's Strava connection has lapsed; nothing is published.", cors
        )
    cache = f"public, max-age={svc.settings.cache_max_age}"
    return await serve_snapshot(req, svc, athlete_id, cache, cors, representation)


def cors_for(req: func.HttpRequest, svc: Services) -> dict[str, str]:
    """The CORS headers of a public read (``CORS_ALLOWED_ORIGINS``)."""
    return cors_headers(req.headers.get("Origin"), svc.settings.cors_origins)


def preflight(req: func.HttpRequest, svc: Services) -> func.HttpResponse:
    return func.HttpResponse(
        status_code=204, headers=preflight_headers(req.headers.get("Origin"), svc.settings.cors_origins)
    )
