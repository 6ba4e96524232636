"""The OpenAPI document says exactly what the app registers, and the snapshot schema is sound."""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import azure.functions as func
import jsonschema_rs
import pytest

from api.openapi import openapi_document, snapshot_components, snapshot_json_schema

PROJECT_DIR = Path(__file__).resolve().parents[2]
ROUTE_PREFIX = "/api/"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@cache  # the SDK builds the function list once per app
def registered_routes() -> dict[tuple[str, str], func.AuthLevel]:
    """(path, method) -> auth level of every HTTP trigger function_app.py registers."""
    import function_app

    routes: dict[tuple[str, str], func.AuthLevel] = {}
    for function in function_app.app.get_functions():
        trigger: Any = function.get_trigger()
        if trigger.type != "httpTrigger":
            continue
        for method in trigger.methods:
            routes[(ROUTE_PREFIX + trigger.route, str(method.value).lower())] = trigger.auth_level
    return routes


def documented_operations() -> dict[tuple[str, str], dict[str, Any]]:
    paths = openapi_document()["paths"]
    return {
        (path, method): op for path, item in paths.items() for method, op in item.items() if method in METHODS
    }


def test_every_registered_route_is_documented_and_nothing_else() -> None:
    registered, documented = registered_routes(), documented_operations()
    assert sorted(set(registered) - set(documented)) == [], "routes without an OpenAPI operation"
    assert sorted(set(documented) - set(registered)) == [], "operations without a route"


def test_keyed_routes_and_only_those_declare_the_function_key() -> None:
    documented = documented_operations()
    for key, auth_level in registered_routes().items():
        secured = bool(documented[key].get("security"))
        assert secured == (auth_level is not func.AuthLevel.ANONYMOUS), key
        if secured:
            assert "401" in documented[key]["responses"], key


def test_every_error_response_uses_the_error_schema_and_ids_are_unique() -> None:
    operations = documented_operations().values()
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    for op in operations:
        for status, response in op["responses"].items():
            content = response.get("content", {})
            if status.startswith("4") and "application/json" in content:
                assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_document_is_openapi_3_1_and_embeds_the_snapshot_schema() -> None:
    document = openapi_document()
    assert document["openapi"] == "3.1.0"
    schemas = document["components"]["schemas"]
    assert snapshot_components().items() <= schemas.items()
    text = json.dumps(document)
    assert "#/$defs/" not in text
    for name in snapshot_json_schema()["$defs"]:
        assert f'"#/components/schemas/Snapshot_{name}"' in text


def test_the_snapshot_schema_is_valid_draft_2020_12() -> None:
    schema = snapshot_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema_rs.meta.validate(schema)


def test_typescript_types_are_generated_from_the_schema(tmp_path: Path) -> None:
    """``examples/types/strava-snapshot.d.ts`` is what ``npm run types`` makes from the schema today."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed (make install installs the node tools)")
    committed = PROJECT_DIR / "examples" / "types" / "strava-snapshot.d.ts"
    before = committed.read_text(encoding="utf-8")
    copy = tmp_path / "project"
    shutil.copytree(PROJECT_DIR / "snapshot", copy / "snapshot")
    (copy / "examples" / "types").mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "package.json", copy)
    (copy / "node_modules").symlink_to(PROJECT_DIR / "node_modules")
    subprocess.run([npm, "run", "-s", "types"], cwd=copy, check=True, timeout=120)
    regenerated = (copy / "examples" / "types" / "strava-snapshot.d.ts").read_text(encoding="utf-8")
    assert regenerated == before, "the schema changed: run `npm run types` and commit the .d.ts"
