"""The SVG card and the widget script through devhost: the snapshot's numbers, hostile names as text,
the public read's rules (consent, ETag/304, Cache-Control, CORS) and 400s for bad options."""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
from typing import Any

import aiohttp
import brotli
import jsonschema_rs
import pytest

from tests.e2e.conftest import PROJECT_DIR, AppUnderTest
from tests.e2e.embeds import HOSTILE_FIRST, HOSTILE_LAST, assert_shows_totals

pytestmark = pytest.mark.e2e
SVG = "{http://www.w3.org/2000/svg}"


def shown(svg: str) -> dict[str, str]:
    root = ET.fromstring(svg)  # noqa: S314 - the app's own output, parsed to prove it is well-formed
    assert root.tag == f"{SVG}svg"
    return {node.get("id", ""): node.text or "" for node in root.iter(f"{SVG}text") if node.get("id")}


async def test_card_shows_the_snapshot_with_hostile_names_as_text(launch_app):
    app = launch_app()
    athlete_id = app.athlete_ids()[0]
    app.emulator.edit_athlete(athlete_id, firstname=HOSTILE_FIRST, lastname=HOSTILE_LAST)
    await app.connect()
    await app.wait_for_history(athlete_id)  # the snapshot stays put while the card is compared with it
    stats_headers, body = await app.wait_for("/api/stats")
    snapshot = json.loads(body)

    status, headers, svg = await app.request("GET", "/api/card.svg?show=ytd,all,recent,latest")
    assert status == 200
    assert headers["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert headers["Cache-Control"] == stats_headers["Cache-Control"]
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert headers["ETag"].startswith('W/"card-')  # gzipped (aiohttp asks for it): a weak validator
    assert headers["ETag"] != stats_headers["ETag"]
    assert "<script" not in svg
    assert "<img" not in svg
    texts = shown(svg)
    assert texts["athlete-name"].startswith(HOSTILE_FIRST)
    assert assert_shows_totals(texts, snapshot, ("run", "ride", "swim")) >= 3
    assert texts["latest-name"] == snapshot["recent_activities"][0]["name"]
    assert texts["attribution"] == "Powered by Strava"

    # the athlete's own route draws the same card; HEAD, 304, and other options are another ETag
    status, same, svg_again = await app.request(
        "GET", f"/api/athletes/{athlete_id}/card.svg?show=ytd,all,recent,latest"
    )
    assert (status, same["ETag"], svg_again) == (200, headers["ETag"], svg)
    status, _, empty = await app.request("HEAD", "/api/card.svg?show=ytd,all,recent,latest")
    assert (status, empty) == (200, "")
    status, cached, empty = await app.request(
        "GET", "/api/card.svg?show=ytd,all,recent,latest", headers={"If-None-Match": headers["ETag"]}
    )
    assert (status, cached["ETag"], empty) == (304, headers["ETag"], "")
    status, dark, _ = await app.request(
        "GET",
        "/api/card.svg?show=ytd,all,recent,latest&theme=dark",
        headers={"If-None-Match": headers["ETag"]},
    )
    assert status == 200
    assert dark["ETag"] != headers["ETag"]

    _, cors, _ = await app.request("GET", "/api/card.svg", headers={"Origin": "https://site.example"})
    assert cors["Access-Control-Allow-Origin"] == "https://site.example"
    _, other, _ = await app.request("GET", "/api/card.svg", headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in other
    status, preflight, _ = await app.request(
        "OPTIONS", "/api/card.svg", headers={"Origin": "https://site.example"}
    )
    assert (status, preflight["Access-Control-Allow-Origin"]) == (204, "https://site.example")
    assert "Content-Type" not in preflight  # a 204 has no body, so no type
    await app.assert_no_secret_leaked()


CARD_ERRORS = [
    ("/api/card.svg", 404, "no_default_athlete"),
    ("/api/card.svg?theme=blue", 400, "invalid_option"),
    ("/api/card.svg?units=parsecs", 400, "invalid_option"),
    ("/api/card.svg?sports=run,yogaa", 400, "invalid_option"),
    ("/api/card.svg?year=99", 400, "invalid_option"),
    ("/api/card.svg?theme=midnight", 400, "invalid_option"),
    ("/api/widget.json", 404, "no_default_athlete"),
    ("/api/athletes/0/widget.json", 400, "invalid_athlete_id"),
    ("/api/athletes/12/widget.json", 404, "unknown_athlete"),
    ("/api/card.svg?show=", 400, "invalid_option"),
    ("/api/athletes/0/card.svg", 400, "invalid_athlete_id"),
    ("/api/athletes/abc/card.svg", 400, "invalid_athlete_id"),
    ("/api/athletes/12/card.svg", 404, "unknown_athlete"),
    ("/api/athletes/12/card.svg?theme=blue", 400, "invalid_option"),
]


async def test_card_errors_are_json(launch_app):
    app = launch_app()
    for path, status, error in CARD_ERRORS:
        got, headers, body = await app.request("GET", path, headers={"Origin": "https://site.example"})
        assert (got, json.loads(body)["error"]) == (status, error), path
        assert headers["Content-Type"].startswith("application/json"), path
        assert headers["Access-Control-Allow-Origin"] == "https://site.example", path


async def test_unpublished_card_is_refused_and_the_widget_script_is_served(launch_app):
    app = launch_app()
    await app.connect(publish="no")
    athlete_id = app.athlete_ids()[0]
    await app.wait_for(f"/api/athletes/{athlete_id}/snapshot")
    status, _, body = await app.request("GET", f"/api/athletes/{athlete_id}/card.svg")
    assert status == 403
    assert json.loads(body)["error"] == "not_published"

    status, headers, script = await app.request(
        "GET", "/api/widget.js", headers={"Origin": "https://site.example"}
    )
    assert status == 200
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert headers["Access-Control-Allow-Origin"] == "*"  # it holds no data: any site may load it
    assert 'customElements.define("strava-stats"' in script
    assert "innerHTML" not in script
    status, again, empty = await app.request(
        "GET", "/api/widget.js", headers={"If-None-Match": headers["ETag"]}
    )
    assert (status, again["ETag"], empty) == (304, headers["ETag"], "")
    assert "Content-Type" not in again  # a 304 has no body, so no type (as /api/stats's)


async def raw_get(app: AppUnderTest, path: str, **headers: str) -> tuple[int, Any, bytes]:
    """The response as sent: no decompression, no default Accept-Encoding."""
    async with (
        aiohttp.ClientSession(auto_decompress=False, skip_auto_headers=["Accept-Encoding"]) as http,
        http.get(app.url + path, headers=headers) as response,
    ):
        return response.status, response.headers, await response.read()


DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}


async def test_embeds_are_compressed_and_the_widget_reads_a_light_document(launch_app):
    app = launch_app()
    await app.connect()
    athlete_id = app.athlete_ids()[0]
    await app.wait_for_history(athlete_id)
    _, full = await app.wait_for("/api/stats")
    snapshot = json.loads(full)
    for path in ["/api/card.svg?show=ytd,latest,heatmap", "/api/widget.json", "/api/widget.js"]:
        status, plain, identity = await raw_get(app, path)
        assert status == 200 and "Content-Encoding" not in plain, path
        assert "Accept-Encoding" in plain["Vary"], path
        for coding, decode in DECODE.items():
            status, coded, body = await raw_get(app, path, **{"Accept-Encoding": f"{coding}, identity;q=0.5"})
            assert (status, coded["Content-Encoding"]) == (200, coding), path
            assert decode(body) == identity, path
            assert coded["ETag"] == f"W/{plain['ETag']}", path
            assert len(body) < len(identity) / 2, path
            status, _, empty = await raw_get(
                app, path, **{"Accept-Encoding": coding, "If-None-Match": coded["ETag"]}
            )
            assert (status, empty) == (304, b""), path
        if path.startswith("/api/card.svg"):
            print(f"heatmap card: {len(identity)} bytes, {len(body)} br, {len(gzip.compress(identity))} gzip")

    _, headers, light_gz = await raw_get(app, "/api/widget.json", **{"Accept-Encoding": "gzip"})
    light = json.loads(gzip.decompress(light_gz))
    print(
        f"widget.json: {len(json.dumps(light))} bytes, {len(light_gz)} gzipped; /api/stats {len(full)} bytes"
    )
    assert len(light_gz) <= 3 * 1024
    assert headers["Cache-Control"] == "public, max-age=15, stale-while-revalidate=15"
    schema = json.loads((PROJECT_DIR / "snapshot" / "snapshot.schema.json").read_text())
    jsonschema_rs.validator_for({"$defs": schema["$defs"], "$ref": "#/$defs/widget_document"}).validate(light)
    jsonschema_rs.validator_for(schema).validate(snapshot)  # /api/stats stays the full document
    assert "history" in snapshot and "history" not in light
    assert light["stats"]["totals"] == snapshot["stats"]["totals"]
    newest: dict[str, int] = {}
    for item in snapshot["recent_activities"]:
        newest.setdefault(item["sport_type"], item["id"])
    assert [item["id"] for item in light["recent_activities"]] == list(newest.values())
    ytd = snapshot["history"]["by_year"][-1]["sports"]
    assert {s: t["count"] for s, t in light["history_totals"]["ytd"].items()} == {
        s: t["count"] for s, t in ytd.items()
    }
    status, _, _ = await app.request("GET", f"/api/athletes/{athlete_id}/widget.json")
    assert status == 200

    # sports= families and sport types, the latest of the filter, a calendar year
    walks = [a for a in snapshot["recent_activities"] if a["sport_type"] in ("Walk", "Hike")]
    status, _, svg = await app.request(
        "GET", "/api/card.svg?sports=RUN,walk,trailrun&show=all,latest,heatmap"
    )
    assert status == 200
    texts = shown(svg)
    assert texts["all-run-detail"].split(" ")[0] == str(snapshot["stats"]["totals"]["all"]["run"]["count"])
    walk_count = sum(
        t["count"]
        for row in snapshot["history"]["by_year"]
        for s, t in row["sports"].items()
        if s in ("Walk", "Hike")
    )
    assert texts["all-walk-detail"].startswith(f"{walk_count:,} walk")
    assert "all-TrailRun-distance" in texts
    runs = [a for a in snapshot["recent_activities"] if a["sport_type"] in ("Run", "TrailRun", "VirtualRun")]
    _, _, run_card = await app.request("GET", "/api/card.svg?sports=run&show=latest")
    if runs:
        assert shown(run_card)["latest-name"] == runs[0]["name"][:52]
    assert walks or runs
    year = int(snapshot["history"]["by_year"][0]["year"])
    status, _, year_card = await app.request("GET", f"/api/card.svg?year={year}")
    assert status == 200 and f">{year}<" in year_card
