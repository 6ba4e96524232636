"""What sites embed: the SVG card (``GET /api/card.svg``, ``GET /api/athletes/{athleteId}/card.svg``) and
the widget script (``GET /api/widget.js``).

The card is rendered from the cached snapshot through the same public read as ``/api/stats`` (consent,
lapsed access, ETag/304, Cache-Control, CORS); it never calls Strava. Its ETag derives from the snapshot's,
the options and the renderer's code, so it changes exactly when the picture can.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import azure.durable_functions as df
import azure.functions as func

from api.caching import cors_headers, preflight_headers
from api.conditional_get import Representation, conditional_response
from api.responses import error_response
from api.stats import METHODS, cors_for, preflight, serve_default, serve_route_athlete
from services import Services, services

if TYPE_CHECKING:  # the card package loads on the first card request, not at cold start
    from card import CardOptions

bp = df.Blueprint()
CARD_DIR = Path(__file__).resolve().parents[1] / "card"
WIDGET = CARD_DIR / "widget.js"
ANY_ORIGIN = ("*",)
ServeSnapshot = Callable[[func.HttpRequest, Services, Representation], Awaitable[func.HttpResponse]]
SVG_HEADERS = {
    # opened on its own, the card may not run or load anything (it has no script; this makes sure)
    "Content-Security-Policy": "default-src 'none'",
    "X-Content-Type-Options": "nosniff",
}


@bp.route(route="card.svg", methods=METHODS, auth_level=func.AuthLevel.ANONYMOUS)
async def default_card(req: func.HttpRequest) -> func.HttpResponse:
    """The default athlete's card (the athlete of ``/api/stats``)."""
    return await _serve_card(req, serve_default)


@bp.route(route="athletes/{athleteId}/card.svg", methods=METHODS, auth_level=func.AuthLevel.ANONYMOUS)
async def athlete_card(req: func.HttpRequest) -> func.HttpResponse:
    return await _serve_card(req, serve_route_athlete)


@bp.route(route="widget.js", methods=METHODS, auth_level=func.AuthLevel.ANONYMOUS)
async def widget(req: func.HttpRequest) -> func.HttpResponse:
    """The ``<strava-stats>`` custom element, an ES module (module scripts load with CORS). It holds no
    data, so any site may load it (the snapshot it fetches keeps ``CORS_ALLOWED_ORIGINS``)."""
    origin = req.headers.get("Origin")
    if req.method == "OPTIONS":
        return func.HttpResponse(status_code=204, headers=preflight_headers(origin, ANY_ORIGIN))
    body, etag = _widget()
    headers = {
        "Cache-Control": f"public, max-age={services().settings.cache_max_age}",
        "X-Content-Type-Options": "nosniff",
        **cors_headers(origin, ANY_ORIGIN),
    }
    return conditional_response(req, etag, "text/javascript; charset=utf-8", headers, lambda: body)


async def _serve_card(req: func.HttpRequest, serve: ServeSnapshot) -> func.HttpResponse:
    svc = services()
    if req.method == "OPTIONS":
        return preflight(req, svc)
    representation = _card_representation(req, svc)
    if isinstance(representation, func.HttpResponse):
        return representation
    return await serve(req, svc, representation)


def _card_representation(req: func.HttpRequest, svc: Services) -> Representation | func.HttpResponse:
    """The card drawn with the request's options, or the 400 to send instead."""
    from card import InvalidOptionError, parse_card_options

    try:
        options = parse_card_options(req.params)
    except InvalidOptionError as error:
        return error_response(400, "invalid_option", str(error), cors_for(req, svc))
    return card_representation(options)


def card_representation(options: CardOptions) -> Representation:
    """The snapshot as an SVG card drawn with ``options``."""
    salt = f"{_renderer_digest()}|{options.canonical()}|"

    def etag(snapshot_etag: str) -> str:
        return f'"card-{hashlib.sha256((salt + snapshot_etag).encode()).hexdigest()[:40]}"'

    def body(snapshot: bytes) -> bytes:
        return _render(snapshot, options)

    return Representation("image/svg+xml; charset=utf-8", etag, body, SVG_HEADERS)


@lru_cache(maxsize=32)
def _render(snapshot: bytes, options: CardOptions) -> bytes:
    """Cards drawn lately: a page view of an unchanged snapshot does not draw it again (~1.5 ms)."""
    from card import render_card

    return render_card(json.loads(snapshot), options)


@cache
def _renderer_digest() -> str:
    """A digest of the renderer's code: a new look after a deploy gets new ETags."""
    digest = hashlib.sha256()
    for source in sorted(CARD_DIR.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


@cache
def _widget() -> tuple[bytes, str]:
    body = WIDGET.read_bytes()
    return body, f'"widget-{hashlib.sha256(body).hexdigest()[:40]}"'
