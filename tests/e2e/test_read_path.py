"""The public read path under devhost: content codings, conditional requests, HEAD, invalidation, and real
snapshots checked against the served JSON Schema and the TypeScript types."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import brotli
import jsonschema_rs
import pytest

from tests.e2e.conftest import PROJECT_DIR, AppUnderTest

pytestmark = pytest.mark.e2e


async def raw_get(
    app: AppUnderTest, path: str, method: str = "GET", **headers: str
) -> tuple[int, Any, bytes]:
    """The response as sent: no decompression by the client, no default Accept-Encoding."""
    async with (
        aiohttp.ClientSession(auto_decompress=False, skip_auto_headers=["Accept-Encoding"]) as http,
        http.request(method, app.url + path, headers=headers) as response,
    ):
        return response.status, response.headers, await response.read()


async def connected(launch_app: Any, **settings: str) -> tuple[AppUnderTest, dict[str, Any]]:
    app: AppUnderTest = launch_app(**settings)
    status, _, _ = await app.connect(publish="yes")
    assert status == 200
    _, body = await app.wait_for("/api/stats")
    return app, json.loads(body)


async def test_codings_conditional_requests_and_head(launch_app: Any) -> None:
    app, _ = await connected(launch_app)
    status, plain, identity = await raw_get(app, "/api/stats", Origin="https://site.example")
    assert status == 200 and "Content-Encoding" not in plain
    assert plain["Content-Type"] == "application/json; charset=utf-8"
    assert {"Origin", "Accept-Encoding"} <= {v.strip() for v in plain["Vary"].split(",")}
    assert plain["Cache-Control"] == "public, max-age=15, stale-while-revalidate=15"
    strong = plain["ETag"]
    assert not strong.startswith("W/")

    _, zipped, gz = await raw_get(app, "/api/stats", **{"Accept-Encoding": "gzip, deflate"})
    assert zipped["Content-Encoding"] == "gzip" and gzip.decompress(gz) == identity
    _, brotlied, br = await raw_get(app, "/api/stats", **{"Accept-Encoding": "gzip;q=0.8, br"})
    assert brotlied["Content-Encoding"] == "br" and brotli.decompress(br) == identity
    assert len(br) < len(gz) < len(identity) / 3
    assert zipped["ETag"] == brotlied["ETag"] == f"W/{strong}"
    assert "Accept-Encoding" in zipped["Vary"]

    for headers in ({"If-None-Match": strong}, {"If-None-Match": zipped["ETag"], "Accept-Encoding": "gzip"}):
        status, not_modified, body = await raw_get(app, "/api/stats", **headers)
        assert (status, body) == (304, b"")
        assert "Content-Type" not in not_modified and "Content-Encoding" not in not_modified
        assert not_modified["ETag"] and not_modified["Cache-Control"].startswith("public, max-age=")
    status, _, _ = await raw_get(app, "/api/stats", **{"If-None-Match": '"other"'})
    assert status == 200

    last_modified = plain["Last-Modified"]
    status, _, _ = await raw_get(app, "/api/stats", **{"If-Modified-Since": last_modified})
    assert status == 304
    status, _, _ = await raw_get(app, "/api/stats", **{"If-Modified-Since": "Thu, 01 Jan 2015 00:00:00 GMT"})
    assert status == 200
    status, _, _ = await raw_get(app, "/api/stats", **{"If-Modified-Since": "not a date"})
    assert status == 200
    status, _, _ = await raw_get(  # If-None-Match decides when both are sent
        app, "/api/stats", **{"If-None-Match": '"other"', "If-Modified-Since": last_modified}
    )
    assert status == 200

    for coding, size in ((None, len(identity)), ("gzip", len(gz))):
        status, head, body = await raw_get(
            app, "/api/stats", "HEAD", **({"Accept-Encoding": coding} if coding else {})
        )
        assert (status, body) == (200, b"")
        assert int(head["Content-Length"]) == size
        assert head.get("Content-Encoding") == coding


async def test_a_consent_change_in_the_process_is_served_at_once(launch_app: Any) -> None:
    """With a 300 s revalidation interval only the invalidation can make the change visible."""
    app, _ = await connected(launch_app, STATS_CACHE_REVALIDATE_SECONDS="300")
    athlete_id = app.athlete_ids()[0]
    assert (await app.connect(publish="no"))[0] == 200
    for path in ("/api/stats", f"/api/athletes/{athlete_id}/stats"):
        status, _, body = await app.request("GET", path)
        assert (status, json.loads(body)["error"]) == (403, "not_published")
    assert (await app.connect(publish="yes"))[0] == 200
    status, _, _ = await app.request("GET", "/api/stats")
    assert status == 200


def strict(schema: Any) -> Any:
    """The schema with every object closed, so a field the schema does not declare fails the test."""
    if isinstance(schema, dict):
        closed = {key: strict(value) for key, value in schema.items()}
        if "properties" in closed and "additionalProperties" not in closed:
            closed["additionalProperties"] = False
        return closed
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


def type_check(document: dict[str, Any], broken: dict[str, Any], tmp_path: Path) -> None:
    """``document`` type-checks as a ``StravaSnapshot`` (tsc, strict) and ``broken`` does not: one tsc
    run, whose errors must all be in the broken file. Only the project's own types are loaded, not the
    ``@types`` packages Azurite's dependencies put in node_modules, and TypeScript's own library is
    trusted (``skipDefaultLibCheck``): a sixth of tsc's time otherwise."""
    types = PROJECT_DIR / "examples" / "types" / "strava-snapshot"
    for name, value in (("snapshot.ts", document), ("broken.ts", broken)):
        (tmp_path / name).write_text(
            f'import type {{ StravaSnapshot }} from "{types}";\n'
            f"export const snapshot: StravaSnapshot = {json.dumps(value)};\n",
            encoding="utf-8",
        )
    options = {
        "noEmit": True,
        "strict": True,
        "target": "es2020",
        "moduleResolution": "node",
        "types": [],
        "skipDefaultLibCheck": True,
    }
    config = tmp_path / "tsconfig.json"
    files = ["snapshot.ts", "broken.ts"]
    config.write_text(json.dumps({"compilerOptions": options, "files": files}), encoding="utf-8")
    tsc = PROJECT_DIR / "node_modules" / ".bin" / "tsc"
    result = subprocess.run(
        [str(tsc), "--project", str(config)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    errors = [line for line in result.stdout.splitlines() if ": error TS" in line]
    assert result.returncode != 0 and errors, result.stdout[-3000:]  # the broken file is caught
    assert all(line.startswith("broken.ts(") for line in errors), result.stdout[-3000:]


@pytest.mark.parametrize("maps", ["off", "outline"])
async def test_real_snapshots_match_the_served_schema_and_the_typescript_types(
    launch_app: Any, tmp_path: Path, maps: str
) -> None:
    app, document = await connected(launch_app, SNAPSHOT_MAPS=maps)
    status, headers, body = await app.request("GET", "/api/snapshot.schema.json")
    assert status == 200 and headers["Content-Type"] == "application/schema+json"
    schema = json.loads(body)
    jsonschema_rs.validator_for(strict(schema)).validate(document)
    assert ("routes" in document) is (maps == "outline")
    assert any("route" in item for item in document["recent_activities"]) is (maps == "outline")
    assert {"history", "goals"} <= set(document)  # the history's fields are checked too
    broken = {**document, "recent_activities": [{**document["recent_activities"][0], "distance_m": "12 km"}]}
    assert not jsonschema_rs.validator_for(schema).is_valid(broken)
    type_check(document, broken, tmp_path)
