"""Serving a stored snapshot as a conditional GET: ETag, ``If-None-Match`` -> 304, ``HEAD``; as JSON or
another representation of it (public and keyed endpoints)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import azure.functions as func

from api.caching import etag_matches, http_date
from api.responses import JSON, NOSNIFF, error_response

if TYPE_CHECKING:
    from services import Services


@dataclass(frozen=True)
class Representation:
    """How a stored snapshot is served: content type, ETag and body derived from the stored JSON's."""

    content_type: str
    etag: Callable[[str], str]
    body: Callable[[bytes], bytes]
    headers: Mapping[str, str] = field(default_factory=dict)


JSON_SNAPSHOT = Representation(
    f"{JSON}; charset=utf-8", etag=lambda etag: etag, body=lambda body: body, headers=NOSNIFF
)


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
    body = b""
    if info is None or not etag_matches(if_none_match, representation.etag(info.etag)):
        snapshot = await svc.snapshots.load(athlete_id)
        if snapshot is None:
            return error_response(
                404,
                "no_snapshot_yet",
                "No snapshot has been built for this athlete yet; try again soon.",
                extra,
            )
        info, body = snapshot, snapshot.body
    headers = {
        "Last-Modified": http_date(info.generated_at),
        "Cache-Control": cache_control,
        **representation.headers,
        **extra,
    }
    return conditional_response(
        req,
        representation.etag(info.etag),
        representation.content_type,
        headers,
        lambda: representation.body(body),
    )


def conditional_response(
    req: func.HttpRequest, etag: str, content_type: str, headers: Mapping[str, str], body: Callable[[], bytes]
) -> func.HttpResponse:
    """304 when the request's ``If-None-Match`` matches ``etag``, else 200 with ``body()`` (not called
    for ``HEAD``); both carry the ETag and ``headers``, the 304 no Content-Type."""
    headers = {"ETag": etag, **headers}
    if etag_matches(req.headers.get("If-None-Match"), etag):
        return func.HttpResponse(status_code=304, headers=headers, mimetype="")  # no body, no type
    content = b"" if req.method == "HEAD" else body()
    return func.HttpResponse(content, status_code=200, headers={"Content-Type": content_type, **headers})
