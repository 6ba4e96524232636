"""``GET /api/openapi.json`` (OpenAPI 3.1 of every app route) and ``GET /api/snapshot.schema.json``.

The document is built once per process from the operations below and the snapshot's JSON Schema
(``snapshot/snapshot.schema.json``); ``tests/app/test_openapi.py`` keeps it equal to the registered
routes, so a new route without its operation here fails the suite.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import azure.durable_functions as df
import azure.functions as func

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "snapshot" / "snapshot.schema.json"
DOCS_HEADERS = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}

bp = df.Blueprint()


@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def openapi(req: func.HttpRequest) -> func.HttpResponse:
    """This app's OpenAPI 3.1 document."""
    return func.HttpResponse(
        _encoded_document(), headers={"Content-Type": "application/json", **DOCS_HEADERS}
    )


@bp.route(route="snapshot.schema.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def snapshot_schema(req: func.HttpRequest) -> func.HttpResponse:
    """The JSON Schema (2020-12) of the snapshot document."""
    return func.HttpResponse(
        SCHEMA_PATH.read_bytes(), headers={"Content-Type": "application/schema+json", **DOCS_HEADERS}
    )


@lru_cache(maxsize=1)
def _encoded_document() -> bytes:
    return json.dumps(openapi_document(), ensure_ascii=False, separators=(",", ":")).encode()


@lru_cache(maxsize=1)
def snapshot_json_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def snapshot_components() -> dict[str, Any]:
    """The snapshot schema as components: ``Snapshot`` and its ``$defs`` as ``Snapshot_<name>``, with
    the references rewritten, since a ``#/$defs/…`` inside a component would point at the document root."""
    schema = dict(snapshot_json_schema())
    defs = schema.pop("$defs", {})

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: f"#/components/schemas/Snapshot_{value.removeprefix('#/$defs/')}"
                if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/")
                else rewrite(value)
                for key, value in node.items()
            }
        return [rewrite(item) for item in node] if isinstance(node, list) else node

    return {"Snapshot": rewrite(schema), **{f"Snapshot_{name}": rewrite(d) for name, d in defs.items()}}


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
NOT_MODIFIED = {
    "description": "The client's copy is current (no body, no Content-Type)",
    "headers": {"ETag": REPRESENTATION["ETag"], "Cache-Control": REPRESENTATION["Cache-Control"]},
}


def _public_stats(summary: str, athlete_param: bool) -> dict[str, Any]:
    path_params = [ATHLETE_ID] if athlete_param else []
    refusals = {
        "403": _error("The athlete did not choose to publish", "not_published"),
        "404": _error(
            "Unknown athlete, no snapshot yet, or no default athlete",
            "unknown_athlete",
            "no_snapshot_yet",
            "no_default_athlete",
        ),
        "410": _error("The athlete's Strava access lapsed; nothing is published", "not_connected"),
        **({"400": BAD_ID} if athlete_param else {}),
    }
    encoding = {"name": "Accept-Encoding", "in": "header", "schema": {"type": "string"}}
    origin = {"name": "Origin", "in": "header", "schema": {"type": "string"}}
    ok = {"description": "The snapshot", "headers": REPRESENTATION, **_json(_ref("Snapshot"))}
    no_body = {code: {"description": r["description"]} for code, r in refusals.items()}
    return {
        "get": {
            "summary": summary,
            "operationId": "athleteStats" if athlete_param else "defaultStats",
            "parameters": [*path_params, *CONDITIONAL, encoding, origin],
            "responses": {"200": ok, "304": NOT_MODIFIED, **refusals},
        },
        "head": {
            "summary": f"{summary}: headers only, with Content-Length",
            "operationId": "athleteStatsHead" if athlete_param else "defaultStatsHead",
            "parameters": [*path_params, *CONDITIONAL, encoding, origin],
            "responses": {
                "200": {"description": "Headers of the 200", "headers": REPRESENTATION},
                "304": NOT_MODIFIED,
                **no_body,
            },
        },
        "options": {
            "summary": "CORS preflight",
            "operationId": "athleteStatsPreflight" if athlete_param else "defaultStatsPreflight",
            "parameters": [*path_params, origin],
            "responses": {"204": {"description": "Allowed methods and headers for the configured origins"}},
        },
    }


def _operations() -> dict[str, Any]:
    return {
        "/api/stats": _public_stats("The default athlete's published snapshot", athlete_param=False),
        "/api/athletes/{athleteId}/stats": _public_stats(
            "An athlete's published snapshot", athlete_param=True
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


def _components() -> dict[str, Any]:
    nullable_text = {"type": ["string", "null"]}
    return {
        "securitySchemes": {
            "functionKey": {"type": "apiKey", "in": "query", "name": "code"},
            "functionKeyHeader": {"type": "apiKey", "in": "header", "name": "x-functions-key"},
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "message"],
                "properties": {
                    "error": {"type": "string", "description": "A stable code, e.g. `unknown_athlete`"},
                    "message": {"type": "string", "description": "What happened and what to do"},
                },
            },
            **snapshot_components(),
            "CheckStatus": {
                "type": "object",
                "required": [
                    "id",
                    "statusQueryGetUri",
                    "sendEventPostUri",
                    "terminatePostUri",
                    "purgeHistoryDeleteUri",
                ],
                "properties": {
                    name: {"type": "string"}
                    for name in (
                        "id",
                        "statusQueryGetUri",
                        "sendEventPostUri",
                        "terminatePostUri",
                        "purgeHistoryDeleteUri",
                    )
                },
            },
            "Status": {
                "type": "object",
                "required": ["athlete_id", "healthy", "problems", "token", "lifecycle", "snapshot"],
                "properties": {
                    "athlete_id": {"type": "integer"},
                    "healthy": {"type": "boolean"},
                    "problems": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["problem", "source", "fix"],
                            "properties": {
                                "problem": {"type": "string"},
                                "source": {"type": "string"},
                                "fix": nullable_text,
                            },
                        },
                    },
                    "token": {"type": "object"},
                    "lifecycle": {"type": "object"},
                    "snapshot": {"type": "object"},
                },
            },
        },
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every app route (the Durable management API is the host's)."""
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "strava-snapshot",
            "version": "1",
            "description": "A Strava athlete's stats as cached JSON for static sites. Errors are JSON "
            "(`Error`); the OAuth pages are short HTML. Keyed routes take the function key as `?code=` "
            "or `x-functions-key`. `/runtime/webhooks/durabletask/…` is Durable Functions' own API.",
        },
        "paths": _operations(),
        "components": _components(),
    }
