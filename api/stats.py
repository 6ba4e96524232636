"""The public, cached stats: ``GET /api/athletes/{athleteId}/stats`` and ``GET /api/stats``.

A page view never calls Strava and, warm, touches no storage: it is answered from the process's
:class:`read_cache.PublicReadCache` (consent, status and the snapshot's bytes in each content coding).
Other representations of the snapshot (the SVG card) go through the same public read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import azure.functions as func

from api.caching import choose_coding, cors_headers, encode, http_date, not_modified, preflight_headers
from api.conditional_get import JSON_SNAPSHOT
from api.responses import error_response, storage_failure_is_503
from api.route_athlete import bad_athlete_id, parse_athlete_id
from services import services

if TYPE_CHECKING:
    from api.conditional_get import Representation
    from read_cache import CachedSnapshot, PublicView
    from services import Services

DEAUTHORIZED_MESSAGE = "This athlete revoked this app's access on Strava; their data was deleted."
REFUSALS = {  # by ``read_cache.Publication`` value: the error code of the answer
    "unknown_athlete": (404, "No such athlete is connected to this app."),
    "not_published": (
        403,
        "This athlete did not choose to publish their stats; the owner can read them with a function key "
        "at /api/athletes/{id}/snapshot.",
    ),
    "not_connected": (410, "This athlete's Strava connection has lapsed; nothing is published."),
    "deauthorized": (410, DEAUTHORIZED_MESSAGE),
    "no_snapshot_yet": (404, "No snapshot has been built for this athlete yet; try again soon."),
}


@storage_failure_is_503()
async def athlete_stats(req: func.HttpRequest) -> func.HttpResponse:
    svc = services()
    if req.method == "OPTIONS":
        return preflight(req, svc)
    return await serve_route_athlete(req, svc)


@storage_failure_is_503()
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
    athlete_id = svc.settings.default_athlete_id or await svc.public_reads.default_athlete()
    if athlete_id is None:
        reason = "No athlete is connected yet, or several are: set DEFAULT_ATHLETE_ID."
        return error_response(404, "no_default_athlete", reason, cors_for(req, svc))
    return await serve_public(req, svc, athlete_id, representation)


async def published_view(
    req: func.HttpRequest, svc: Services, athlete_id: int
) -> PublicView | func.HttpResponse:
    """The cached view of an athlete who chose to publish, or the JSON refusal (404/403/410) to send."""
    from read_cache import Publication

    view = await svc.public_reads.view(athlete_id)
    if view.publication is Publication.PUBLISHED:
        return view
    status, message = REFUSALS[view.publication.value]
    return error_response(status, view.publication.value, message, cors_for(req, svc))


async def serve_public(
    req: func.HttpRequest, svc: Services, athlete_id: int, representation: Representation = JSON_SNAPSHOT
) -> func.HttpResponse:
    """200 with the snapshot (the JSON compressed when accepted), or 304 when the client's copy is
    current; nothing unless the athlete chose to publish and is still connected."""
    view = await published_view(req, svc, athlete_id)
    if isinstance(view, func.HttpResponse):
        return view
    assert view.snapshot is not None  # PUBLISHED always carries one
    cache_control = public_cache_control(svc.settings.cache_max_age)
    return represent(req, view.snapshot, representation, cache_control, cors_for(req, svc))


def represent(
    req: func.HttpRequest,
    snapshot: CachedSnapshot,
    representation: Representation,
    cache_control: str,
    extra: Mapping[str, str],
) -> func.HttpResponse:
    """The snapshot as ``representation``, in the coding the client accepts. HEAD gets the same
    headers (the host drops the body and keeps its Content-Length); a 304 carries validators and
    caching headers only, no Content-Type."""
    coded = representation is JSON_SNAPSHOT
    coding = choose_coding(req.headers.get("Accept-Encoding"))
    etag = representation.etag(snapshot.etag)
    if coding is not None:
        etag = f"W/{etag}"  # a compressed copy of the same bytes: a weak match of the plain one
    vary = ", ".join(filter(None, (extra.get("Vary"), "Accept-Encoding")))
    headers = {**representation.headers, **extra, "ETag": etag, "Cache-Control": cache_control}
    if vary:
        headers["Vary"] = vary
    if not_modified(
        req.headers.get("If-None-Match"), req.headers.get("If-Modified-Since"), etag, snapshot.generated_at
    ):
        return func.HttpResponse(status_code=304, headers=headers, mimetype="")
    headers["Last-Modified"] = http_date(snapshot.generated_at)
    headers["Content-Type"] = representation.content_type
    if coded:
        body = snapshot.encoded[coding] if coding else snapshot.body
    else:
        body = representation.body(snapshot.body)
        body = encode(body, coding) if coding else body
    if coding is not None:
        headers["Content-Encoding"] = coding
    return func.HttpResponse(body, status_code=200, headers=headers)


def public_cache_control(max_age: int) -> str:
    """Browsers and CDNs keep it ``max_age`` and may serve it as long again while they revalidate."""
    return f"public, max-age={max_age}" + (f", stale-while-revalidate={max_age}" if max_age else "")


def deauthorized(headers: dict[str, str] | None = None) -> func.HttpResponse:
    """Reads of an athlete who revoked this app: their data is deleted and nothing is served."""
    return error_response(
        410,
        "deauthorized",
        "This athlete revoked this app's access on Strava; their data was deleted.",
        headers,
    )


def cors_for(req: func.HttpRequest, svc: Services) -> dict[str, str]:
    """The CORS headers of a public read (``CORS_ALLOWED_ORIGINS``)."""
    return cors_headers(req.headers.get("Origin"), svc.settings.cors_origins)


def preflight(req: func.HttpRequest, svc: Services) -> func.HttpResponse:
    return func.HttpResponse(  # no body, so no Content-Type
        status_code=204,
        headers=preflight_headers(req.headers.get("Origin"), svc.settings.cors_origins),
        mimetype="",
    )
