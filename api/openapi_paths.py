"""The operations of the OpenAPI document (``api/openapi.py``): one entry per route and method."""

from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], media: str = "application/json") -> dict[str, Any]:
    return {"content": {media: {"schema": schema}}}


def _error(description: str, *codes: str) -> dict[str, Any]:
    text = f"{description} (`error`: {', '.join(f'`{code}`' for code in codes)})" if codes else description
    return {"description": text, **_json(_ref("Error"))}


def _page(description: str) -> dict[str, Any]:
    return {"description": description, **_json({"type": "string"}, "text/html")}


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


ATHLETE_ID = {
    "name": "athleteId",
    "in": "path",
    "required": True,
    "description": "The Strava athlete id (a positive 64-bit integer).",
    "schema": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1},
    "example": 78469571,  # the demo athlete (`make run`)
}
KEYED: list[dict[str, list[str]]] = [{"functionKey": []}, {"functionKeyHeader": []}]
BAD_ID = _error("The athlete id is not a positive integer", "invalid_athlete_id")
NO_KEY = _error("A valid function key is required")
CONDITIONAL = [
    {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}, "description": "ETags held"},
    {"name": "If-Modified-Since", "in": "header", "schema": {"type": "string"}, "description": "HTTP date"},
]
REPRESENTATION = {
    "ETag": _header("Strong for identity, weak (`W/`) for a compressed copy of the same bytes"),
    "Last-Modified": _header("When the content last changed"),
    "Cache-Control": _header("`public, max-age=…, stale-while-revalidate=…` (keyed: `private, no-cache`)"),
    "Vary": _header("`Origin, Accept-Encoding`"),
}
ENCODING = {"name": "Accept-Encoding", "in": "header", "schema": {"type": "string"}}
ORIGIN = {"name": "Origin", "in": "header", "schema": {"type": "string"}}
NOT_MODIFIED = {
    "description": "The client's copy is current (no body, no Content-Type)",
    "headers": {"ETag": REPRESENTATION["ETag"], "Cache-Control": REPRESENTATION["Cache-Control"]},
}


SNAPSHOT_OK = {"description": "The snapshot", "headers": REPRESENTATION, **_json(_ref("Snapshot"))}
WIDGET_DOCUMENT_OK = {
    "description": "The widget's light document: athlete, totals, the newest activity of each sport type",
    "headers": REPRESENTATION,
    **_json(_ref("Snapshot_widget_document")),
}


def _public_read(
    name: str,
    summary: str,
    athlete_param: bool,
    ok: dict[str, Any],
    options: list[dict[str, Any]] | None = None,
    bad_option: bool = False,
) -> dict[str, Any]:
    """GET, HEAD and OPTIONS of a public read of the snapshot (the stats and the card)."""
    prefix = f"athlete{name}" if athlete_param else f"default{name}"
    path_params = [ATHLETE_ID] if athlete_param else []
    bad = ["invalid_athlete_id"] if athlete_param else []
    refusals = {
        "403": _error("The athlete did not choose to publish", "not_published"),
        "404": _error(
            "Unknown athlete, no snapshot yet, or no default athlete",
            "unknown_athlete",
            "no_snapshot_yet",
            "no_default_athlete",
        ),
        "410": _error("The athlete's Strava access lapsed; nothing is published", "not_connected"),
        **(
            {"400": _error("A malformed id or option", *bad, *(["invalid_option"] if bad_option else []))}
            if bad or bad_option
            else {}
        ),
        **(
            {
                "503": _error(
                    "Too many pictures not yet drawn were asked for just now (`Retry-After`)", "drawing_busy"
                )
            }
            if bad_option  # the drawn representations: new option combinations spend a drawing budget
            else {}
        ),
    }
    params = [*path_params, *(options or []), *CONDITIONAL, ENCODING, ORIGIN]
    no_body = {code: {"description": r["description"]} for code, r in refusals.items()}
    return {
        "get": {
            "summary": summary,
            "operationId": prefix,
            "parameters": params,
            "responses": {"200": ok, "304": NOT_MODIFIED, **refusals},
        },
        "head": {
            "summary": f"{summary}: headers only, with Content-Length",
            "operationId": f"{prefix}Head",
            "parameters": params,
            "responses": {
                "200": {"description": "Headers of the 200", "headers": REPRESENTATION},
                "304": NOT_MODIFIED,
                **no_body,
            },
        },
        "options": {
            "summary": "CORS preflight",
            "operationId": f"{prefix}Preflight",
            "parameters": [*path_params, ORIGIN],
            "responses": {"204": {"description": "Allowed methods and headers for the configured origins"}},
        },
    }


def _choice(name: str, pattern: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": what,
        "schema": {"type": "string", "pattern": pattern},
    }


STYLE_OPTIONS = [
    _choice("theme", "^(light|dark|auto)$", "`light` (default), `dark`, or `auto` (the viewer's dark mode)"),
    _choice("units", "^(metric|imperial)$", "default: the athlete's preference, else metric"),
    {
        "name": "sports",
        "in": "query",
        "description": "comma list of families (`run`, `walk`, `ride`, `swim`, `ski`, `paddle`, "
        "`workout`) or Strava sport types (`TrailRun`), case-insensitive",
        "schema": {"type": "string"},
    },
]


def _svg(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": REPRESENTATION,
        **_json({"type": "string"}, "image/svg+xml"),
    }


def _card(athlete_param: bool) -> dict[str, Any]:
    year = _choice("year", "^[0-9]{4}$", "draw that calendar year's heatmap (January to December)")
    show = {
        "name": "show",
        "in": "query",
        "description": "comma list of `ytd,all,recent,latest,heatmap,goals,map`",
        "schema": {"type": "string"},
    }
    summary = "An athlete's SVG card" if athlete_param else "The default athlete's SVG card"
    card = _svg("The card, SVG 1.1")
    return _public_read("Card", summary, athlete_param, card, [*STYLE_OPTIONS, year, show], bad_option=True)


def _routes(athlete_param: bool) -> dict[str, Any]:
    year = _choice(
        "year", "^[0-9]{4}$", "the year drawn (default: the athlete's current year, by their local date)"
    )
    summary = "An athlete's routes poster" if athlete_param else "The default athlete's routes poster"
    poster = _svg("Every route of the year as small multiples under the year's totals, SVG 1.1")
    return _public_read("Routes", summary, athlete_param, poster, [*STYLE_OPTIONS, year], bad_option=True)


def _widget() -> dict[str, Any]:
    script = {"description": "The ES module", **_json({"type": "string"}, "text/javascript")}
    headers = {"ETag": REPRESENTATION["ETag"], "Cache-Control": REPRESENTATION["Cache-Control"]}
    return {
        "get": {
            "summary": "The `<strava-stats>` widget (an ES module)",
            "operationId": "widget",
            "parameters": [CONDITIONAL[0], ORIGIN],
            "responses": {"200": {**script, "headers": headers}, "304": NOT_MODIFIED},
        },
        "head": {
            "summary": "The widget's headers",
            "operationId": "widgetHead",
            "parameters": [CONDITIONAL[0], ORIGIN],
            "responses": {
                "200": {"description": "Headers of the 200", "headers": headers},
                "304": NOT_MODIFIED,
            },
        },
        "options": {
            "summary": "CORS preflight",
            "operationId": "widgetPreflight",
            "parameters": [ORIGIN],
            "responses": {"204": {"description": "Allowed methods and headers for the configured origins"}},
        },
    }


def _webhook() -> dict[str, Any]:
    hub = ("hub.mode", "hub.challenge", "hub.verify_token")
    received = {
        "type": "object",
        "required": ["received"],
        "properties": {"received": {"const": True}},
        "additionalProperties": False,
    }
    return {
        "get": {
            "summary": "Strava's subscription handshake: echo hub.challenge for our verify token",
            "operationId": "stravaWebhookHandshake",
            "parameters": [{"name": name, "in": "query", "schema": {"type": "string"}} for name in hub],
            "responses": {
                "200": {"description": "The challenge echoed", **_json({"type": "object"})},
                "403": _error("Not a subscription request with this app's token", "verification_failed"),
            },
        },
        "post": {
            "summary": "A Strava webhook event (a hint, checked with Strava before anything changes): the "
            "same reply for every well-formed event",
            "operationId": "stravaWebhookEvent",
            "requestBody": {"required": True, **_json({"type": "object"})},
            "responses": {
                "200": {
                    "description": "Received (never says what becomes of it)",
                    **_json(received),
                },
                "400": _error("Not a Strava event", "malformed_event"),
                "503": _error("Could not be queued; Strava delivers it again", "unavailable"),
            },
        },
    }


def _subscription() -> dict[str, Any]:
    failed = {
        "429": _error("The app's Strava rate limit is used up (see Retry-After)", "strava_rate_limited"),
        "502": _error("Strava refused or failed", "strava_failed", "strava_rejected_credentials"),
        "503": _error("Strava is not configured or unavailable", "strava_not_configured", "strava_failed"),
    }
    described = {"description": "The subscription", **_json({"type": "object"})}
    return {
        "get": {
            "summary": "The app's push subscription as Strava reports it",
            "operationId": "stravaSubscription",
            "security": KEYED,
            "responses": {"200": described, "401": NO_KEY, **failed},
        },
        "post": {
            "summary": "Create the push subscription, pointing at this app's public webhook URL",
            "operationId": "createStravaSubscription",
            "security": KEYED,
            "responses": {
                "200": described,
                "201": described,
                "400": _error("Strava refused the callback", "subscription_refused"),
                "401": NO_KEY,
                "409": _error(
                    "Not possible yet", "verify_token_not_set", "public_url_unknown", "subscription_exists"
                ),
                **failed,
                "502": _error(
                    "Strava failed or could not validate the callback",
                    "callback_not_verifiable",
                    "strava_failed",
                    "strava_rejected_credentials",
                ),
            },
        },
        "delete": {
            "summary": "Delete the push subscription at Strava",
            "operationId": "deleteStravaSubscription",
            "security": KEYED,
            "responses": {
                "200": described,
                "401": NO_KEY,
                "404": _error("No subscription", "no_subscription"),
                **failed,
            },
        },
    }


def operations() -> dict[str, Any]:
    return {
        "/api/stats": _public_read("Stats", "The default athlete's published snapshot", False, SNAPSHOT_OK),
        "/api/athletes/{athleteId}/stats": _public_read(
            "Stats", "An athlete's published snapshot", True, SNAPSHOT_OK
        ),
        "/api/card.svg": _card(athlete_param=False),
        "/api/athletes/{athleteId}/card.svg": _card(athlete_param=True),
        "/api/routes.svg": _routes(athlete_param=False),
        "/api/athletes/{athleteId}/routes.svg": _routes(athlete_param=True),
        "/api/widget.js": _widget(),
        "/api/widget.json": _public_read(
            "WidgetDocument", "The default athlete's light document for the widget", False, WIDGET_DOCUMENT_OK
        ),
        "/api/athletes/{athleteId}/widget.json": _public_read(
            "WidgetDocument", "An athlete's light document for the widget", True, WIDGET_DOCUMENT_OK
        ),
        "/api/athletes/{athleteId}/snapshot": {
            "parameters": [ATHLETE_ID],
            "get": {
                "summary": "The athlete's snapshot, published or not",
                "operationId": "athleteSnapshot",
                "security": KEYED,
                "parameters": CONDITIONAL[:1],
                "responses": {
                    "200": {
                        "description": "The snapshot",
                        "headers": REPRESENTATION,
                        **_json(_ref("Snapshot")),
                    },
                    "304": NOT_MODIFIED,
                    "400": BAD_ID,
                    "401": NO_KEY,
                    "404": _error("Unknown athlete or no snapshot yet", "unknown_athlete", "no_snapshot_yet"),
                },
            },
            "post": {
                "summary": "Start a snapshot refresh (or answer with the one running)",
                "operationId": "startSnapshot",
                "security": KEYED,
                "responses": {
                    "202": {
                        "description": "Durable check-status URLs; treat them like the key",
                        **_json(_ref("CheckStatus")),
                    },
                    "400": BAD_ID,
                    "401": NO_KEY,
                    "404": _error("Unknown athlete", "unknown_athlete"),
                    "409": _error("The athlete's token is not active", "not_active"),
                },
            },
        },
        "/api/athletes/{athleteId}/status": {
            "get": {
                "summary": "A diagnosis: token, lifecycle, snapshot, rate limit, problems and fixes",
                "operationId": "athleteStatus",
                "security": KEYED,
                "parameters": [ATHLETE_ID],
                "responses": {
                    "200": {"description": "The diagnosis", **_json(_ref("Status"))},
                    "400": BAD_ID,
                    "401": NO_KEY,
                    "404": _error("Unknown athlete", "unknown_athlete"),
                },
            }
        },
        "/api/strava/authorize": {
            "get": {
                "summary": "Ask publish-or-private, then redirect to Strava with a single-use state",
                "operationId": "stravaAuthorize",
                "security": KEYED,
                "parameters": [
                    {"name": "publish", "in": "query", "schema": {"type": "string", "enum": ["yes", "no"]}}
                ],
                "responses": {
                    "200": _page("The consent question"),
                    "302": {
                        "description": "To Strava's authorize page",
                        "headers": {"Location": _header("Strava")},
                    },
                    "400": _page("`publish` is neither yes nor no"),
                    "401": NO_KEY,
                    "503": _page("STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET are not set"),
                },
            }
        },
        "/api/strava/callback": {
            "get": {
                "summary": "Strava's redirect target: check the state, exchange the code, connect",
                "operationId": "stravaCallback",
                "parameters": [
                    {"name": name, "in": "query", "schema": {"type": "string"}}
                    for name in ("state", "code", "scope", "error")
                ],
                "responses": {
                    "200": _page("Connected"),
                    "400": _page("A bad, expired or replayed state, or no code"),
                    "403": _page("Denied, no activity scope, or another athlete"),
                    "502": _page("Strava could not be reached or refused the app's credentials"),
                },
            }
        },
        "/api/strava/webhook": _webhook(),
        "/api/strava/subscription": _subscription(),
        "/api/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {"200": {"description": "OpenAPI 3.1", **_json({"type": "object"})}},
            }
        },
        "/api/snapshot.schema.json": {
            "get": {
                "summary": "The snapshot's JSON Schema",
                "operationId": "snapshotSchema",
                "responses": {
                    "200": {
                        "description": "JSON Schema 2020-12",
                        **_json({"type": "object"}, "application/schema+json"),
                    }
                },
            }
        },
    }
