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

import azure.functions as func

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "snapshot" / "snapshot.schema.json"
DOCS_HEADERS = {
    "Cache-Control": "public, max-age=300",
    "Access-Control-Allow-Origin": "*",
    "X-Content-Type-Options": "nosniff",
}


def openapi(req: func.HttpRequest) -> func.HttpResponse:
    """This app's OpenAPI 3.1 document."""
    return func.HttpResponse(
        _encoded_document(), headers={"Content-Type": "application/json", **DOCS_HEADERS}
    )


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


def _operations() -> dict[str, Any]:
    """The paths (imported here: building the document is not a cold start's work)."""
    from api.openapi_paths import operations

    return operations()
