"""What sites embed: the SVG card (``GET /api/card.svg``, ``GET /api/athletes/{athleteId}/card.svg``),
the routes poster (``GET /api/routes.svg``, ``GET /api/athletes/{athleteId}/routes.svg``), the widget
script (``GET /api/widget.js``) and the widget's light document (``GET /api/widget.json``,
``GET /api/athletes/{athleteId}/widget.json``).

The card, the poster and the light document are drawn from the cached snapshot through the same public
read as ``/api/stats`` (consent, lapsed access, ETag/304, Cache-Control, CORS, gzip/br); they never call
Strava. Their ETags derive from the snapshot's and the code's (and the options), so they change exactly
when what they show can. A card or poster not yet in memory spends from the process's drawing budget
(``api/drawing_budget.py``); spent, it is 503 ``drawing_busy`` + ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import azure.functions as func

from api.caching import choose_coding, cors_headers, encode, preflight_headers
from api.conditional_get import Representation, conditional_response
from api.drawing_budget import RETRY_AFTER_S, DrawingBudget, DrawingBusyError
from api.responses import JSON, error_response, storage_failure_is_503
from api.stats import cors_for, preflight, serve_default, serve_route_athlete
from services import Services, services

if TYPE_CHECKING:  # the card package loads on the first embed request, not at cold start
    from card import CardOptions
    from card.poster import PosterOptions

CARD_DIR = Path(__file__).resolve().parents[1] / "card"
MAPS_DIR = CARD_DIR.parent / "maps"
WIDGET = CARD_DIR / "widget.js"
HISTORY_SPORTS = CARD_DIR.parent / "history" / "sports.py"  # the families the card and poster draw
ANY_ORIGIN = ("*",)
ServeSnapshot = Callable[[func.HttpRequest, Services, Representation], Awaitable[func.HttpResponse]]
Represent = Callable[[func.HttpRequest, Services], Representation | func.HttpResponse]
SVG_HEADERS = {
    # opened on its own, the card may not run or load anything (it has no script; this makes sure);
    # its own <style> (theme=auto's dark rule) may apply
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
}
JSON_HEADERS = {"X-Content-Type-Options": "nosniff"}
DRAWING = DrawingBudget()  # the cards and posters this process may draw anew (not yet in memory)


@storage_failure_is_503()
async def default_card(req: func.HttpRequest) -> func.HttpResponse:
    """The default athlete's card (the athlete of ``/api/stats``)."""
    return await _serve_svg(req, serve_default, _card_representation)


@storage_failure_is_503()
async def athlete_card(req: func.HttpRequest) -> func.HttpResponse:
    return await _serve_svg(req, serve_route_athlete, _card_representation)


@storage_failure_is_503()
async def default_routes(req: func.HttpRequest) -> func.HttpResponse:
    """The default athlete's routes poster."""
    return await _serve_svg(req, serve_default, _poster_representation)


@storage_failure_is_503()
async def athlete_routes(req: func.HttpRequest) -> func.HttpResponse:
    return await _serve_svg(req, serve_route_athlete, _poster_representation)


@storage_failure_is_503()
async def default_widget_document(req: func.HttpRequest) -> func.HttpResponse:
    """The default athlete's light document for the widget (``/api/stats`` stays the full one)."""
    return await _serve_widget_document(req, serve_default)


@storage_failure_is_503()
async def athlete_widget_document(req: func.HttpRequest) -> func.HttpResponse:
    return await _serve_widget_document(req, serve_route_athlete)


async def widget(req: func.HttpRequest) -> func.HttpResponse:
    """The ``<strava-stats>`` custom element, an ES module (module scripts load with CORS). It holds no
    data, so any site may load it (the snapshot it fetches keeps ``CORS_ALLOWED_ORIGINS``)."""
    origin = req.headers.get("Origin")
    if req.method == "OPTIONS":
        return func.HttpResponse(status_code=204, headers=preflight_headers(origin, ANY_ORIGIN), mimetype="")
    body, etag = _widget()
    coding = choose_coding(req.headers.get("Accept-Encoding"))
    headers = {
        "Cache-Control": f"public, max-age={services().settings.cache_max_age}",
        "X-Content-Type-Options": "nosniff",
        **cors_headers(origin, ANY_ORIGIN),
        "Vary": "Origin, Accept-Encoding",
    }
    if coding is not None:
        etag = f"W/{etag}"
        headers["Content-Encoding"] = coding
    content = encode(body, coding) if coding else body
    return conditional_response(req, etag, "text/javascript; charset=utf-8", headers, lambda: content)


async def _serve_svg(req: func.HttpRequest, serve: ServeSnapshot, represent: Represent) -> func.HttpResponse:
    svc = services()
    if req.method == "OPTIONS":
        return preflight(req, svc)
    representation = represent(req, svc)
    if isinstance(representation, func.HttpResponse):
        return representation
    try:
        return await serve(req, svc, representation)
    except DrawingBusyError:
        message = "Too many new pictures were asked for just now; try again after Retry-After seconds."
        headers = {**cors_for(req, svc), "Retry-After": str(RETRY_AFTER_S)}
        return error_response(503, "drawing_busy", message, headers)


async def _serve_widget_document(req: func.HttpRequest, serve: ServeSnapshot) -> func.HttpResponse:
    svc = services()
    if req.method == "OPTIONS":
        return preflight(req, svc)
    return await serve(req, svc, WIDGET_DOCUMENT)


def _widget_document_etag(snapshot_etag: str) -> str:
    return f'"widget-{hashlib.sha256((_renderer_digest() + snapshot_etag).encode()).hexdigest()[:40]}"'


@lru_cache(maxsize=8)
def _widget_document_body(snapshot: bytes) -> bytes:
    from card.widget_document import widget_document

    document = widget_document(json.loads(snapshot))
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


WIDGET_DOCUMENT = Representation(
    f"{JSON}; charset=utf-8", _widget_document_etag, _widget_document_body, JSON_HEADERS
)


def _card_representation(req: func.HttpRequest, svc: Services) -> Representation | func.HttpResponse:
    """The card drawn with the request's options, or the 400 to send instead."""
    from card import InvalidOptionError, parse_card_options

    try:
        options = parse_card_options(req.params)
    except InvalidOptionError as error:
        return error_response(400, "invalid_option", str(error), cors_for(req, svc))
    return card_representation(options)


def _poster_representation(req: func.HttpRequest, svc: Services) -> Representation | func.HttpResponse:
    """The poster drawn with the request's options, or the 400 to send instead."""
    from card import InvalidOptionError
    from card.poster import parse_poster_options

    try:
        options = parse_poster_options(req.params)
    except InvalidOptionError as error:
        return error_response(400, "invalid_option", str(error), cors_for(req, svc))
    return _svg_representation(
        "routes", options.canonical(), lambda snapshot: _render_poster(snapshot, options)
    )


def card_representation(options: CardOptions) -> Representation:
    """The snapshot as an SVG card drawn with ``options``."""
    return _svg_representation("card", options.canonical(), lambda snapshot: _render(snapshot, options))


def _svg_representation(kind: str, canonical: str, body: Callable[[bytes], bytes]) -> Representation:
    salt = f"{_renderer_digest()}|{canonical}|"

    def etag(snapshot_etag: str) -> str:
        return f'"{kind}-{hashlib.sha256((salt + snapshot_etag).encode()).hexdigest()[:40]}"'

    return Representation("image/svg+xml; charset=utf-8", etag, body, SVG_HEADERS)


@lru_cache(maxsize=32)
def _render(snapshot: bytes, options: CardOptions) -> bytes:
    """Cards drawn lately: a page view of an unchanged snapshot does not draw it again (~1.5 ms); a new
    one spends from the process's drawing budget."""
    from card import render_card

    with DRAWING.drawing():
        return render_card(json.loads(snapshot), options)


@lru_cache(maxsize=16)
def _render_poster(snapshot: bytes, options: PosterOptions) -> bytes:
    from card.poster import render_poster

    with DRAWING.drawing():
        return render_poster(json.loads(snapshot), options)


@cache
def _renderer_digest() -> str:
    """A digest of the renderer's code: a new look after a deploy gets new ETags."""
    digest = hashlib.sha256()
    for source in [*sorted(CARD_DIR.glob("*.py")), *sorted(MAPS_DIR.glob("*.py")), HISTORY_SPORTS]:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


@cache
def _widget() -> tuple[bytes, str]:
    body = WIDGET.read_bytes()
    return body, f'"widget-{hashlib.sha256(body).hexdigest()[:40]}"'
