"""Route parameters, and serving a stored snapshot with ETag / 304 (public and keyed endpoints)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import azure.functions as func

from api.caching import etag_matches, http_date
from api.responses import JSON, error_response
from services import Services
from storage import InvalidKeyError, SnapshotInfo, TokenRecord, athlete_key


@dataclass(frozen=True)
class Representation:
    """How a stored snapshot is served: content type, ETag and body derived from the stored JSON's."""

    content_type: str
    etag: Callable[[str], str]
    body: Callable[[bytes], bytes]
    headers: Mapping[str, str] = field(default_factory=dict)


JSON_SNAPSHOT = Representation(f"{JSON}; charset=utf-8", etag=lambda etag: etag, body=lambda body: body)


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


async def serve_snapshot(
    req: func.HttpRequest,
    svc: Services,
    athlete_id: int,
    cache_control: str,
    extra: Mapping[str, str],
    representation: Representation = JSON_SNAPSHOT,
) -> func.HttpResponse:
    """200 with the stored JSON (or another representation of it), 304 when ``If-None-Match`` matches,
    404 before the first snapshot.

    A conditional request reads only the snapshot's metadata, not its body.
    """
    if_none_match = req.headers.get("If-None-Match")
    info = await svc.snapshots.head(athlete_id) if if_none_match else None
    if info is not None and etag_matches(if_none_match, representation.etag(info.etag)):
        headers = _cache_headers(info, representation, cache_control, extra)
        return func.HttpResponse(status_code=304, headers=headers)
    snapshot = await svc.snapshots.load(athlete_id)
    if snapshot is None:
        return error_response(
            404, "no_snapshot_yet", "No snapshot has been built for this athlete yet; try again soon.", extra
        )
    headers = _cache_headers(snapshot, representation, cache_control, extra)
    body = b"" if req.method == "HEAD" else representation.body(snapshot.body)
    return func.HttpResponse(
        body, status_code=200, headers={"Content-Type": representation.content_type, **headers}
    )


def _cache_headers(
    info: SnapshotInfo, representation: Representation, cache_control: str, extra: Mapping[str, str]
) -> dict[str, str]:
    return {
        "ETag": representation.etag(info.etag),
        "Last-Modified": http_date(info.generated_at),
        "Cache-Control": cache_control,
        **representation.headers,
        **extra,
    }
