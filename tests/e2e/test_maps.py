"""Maps end to end (devhost + Azurite + the emulator): with ``SNAPSHOT_MAPS=outline`` no served or stored
point lies within the privacy radius of its activity's start or end or in a privacy zone; by default no
coordinate or polyline is anywhere: not in a response, a stored entity or the log."""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
import zlib
from typing import Any

import pytest
from azure.data.tables.aio import TableServiceClient

from maps import decode_polyline, route_points
from maps.geo import distance_m
from tests.e2e.conftest import AppUnderTest
from tests.maps.test_home_attack import circle_fit, mean

pytestmark = pytest.mark.e2e
SVG = "{http://www.w3.org/2000/svg}"
RADIUS = 400
COORDINATE = re.compile(r"-?\d{1,3}\.\d{5,}")  # five decimals and more: Strava's coordinates, not our numbers


async def stored_texts(app: AppUnderTest) -> list[str]:
    """Every value of every entity this app stored in Azurite (its tables and its task hub), as text;
    binary values (the gzipped snapshot, compressed payloads) decompressed first."""
    hub = app.host.args[app.host.args.index("--task-hub") + 1]
    texts: list[str] = []
    async with TableServiceClient.from_connection_string(app.connection_string) as service:
        async for table in service.list_tables():
            if not table.name.startswith((app.table_prefix, hub)):
                continue
            async with service.get_table_client(table.name) as client:
                async for entity in client.list_entities():
                    texts.extend(_text(value) for value in entity.values())
    assert texts
    return texts


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        try:
            return gzip.decompress(value).decode("utf-8", "replace")
        except (OSError, EOFError, zlib.error):
            return value.decode("utf-8", "replace")
    return str(value)


async def connected(app: AppUnderTest) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
    status, _, _ = await app.connect()
    assert status == 200
    athlete_id = app.athlete_ids()[0]
    await app.wait_for_history(athlete_id)
    _, body = await app.wait_for("/api/stats")
    return athlete_id, json.loads(body), app.emulator.ground_truth(athlete_id)


def assert_nothing_of_where(texts: list[str], truth: list[dict[str, Any]]) -> None:
    """No raw polyline and no start or end coordinate of any activity in ``texts``."""
    raw = [a["map"]["summary_polyline"][:16] for a in truth if a.get("map", {}).get("summary_polyline")]
    corners = {json.dumps(value) for a in truth for key in ("start_latlng", "end_latlng") for value in a[key]}
    assert raw and corners
    for text in texts:
        assert not any(line in text for line in raw), "a Strava polyline was published or stored"
        assert not corners & set(COORDINATE.findall(text)), "a start or end coordinate was published"


async def test_maps_are_off_by_default_and_nothing_of_where_is_published_or_stored(launch_app):
    app = launch_app()
    athlete_id, document, truth = await connected(app)
    for path in (
        "/api/stats",
        f"/api/athletes/{athlete_id}/stats",
        "/api/card.svg?show=ytd,all,recent,latest,heatmap,goals,map",
        "/api/routes.svg",
        f"/api/athletes/{athlete_id}/routes.svg?year=2025&theme=dark",
        "/api/widget.js",
    ):
        status, _, _ = await app.request("GET", path)
        assert status == 200, path
    _, _, owner = await app.request("GET", f"/api/athletes/{athlete_id}/snapshot")  # devhost: no key
    assert "routes" not in document and not any("route" in a for a in document["recent_activities"])
    public = [body for body in app.bodies if not body.startswith("// <strava-stats")]  # not the script
    for text in public:
        assert (
            "latlng" not in text and "polyline" not in text and '"route"' not in text and "<path" not in text
        )
    stored = await stored_texts(app)
    assert_nothing_of_where([*app.bodies, *stored, app.host.log_text(), owner], truth)


async def test_outline_routes_are_trimmed_before_they_are_stored_and_served(launch_app):
    app = launch_app(SNAPSHOT_MAPS="outline", SNAPSHOT_MAP_PRIVACY_RADIUS_M=str(RADIUS))
    # a privacy zone on the way of the newest published route (what the card's map would draw)
    newest = next(
        a
        for a in app.emulator.ground_truth(app.athlete_ids()[0])
        if a["visibility"] == "everyone" and a["map"]["summary_polyline"]
    )
    track = decode_polyline(newest["map"]["summary_polyline"], 10_000)
    zone = (*track[len(track) // 3], 300.0)
    app.host.env["SNAPSHOT_PRIVACY_ZONES"] = f"{zone[0]},{zone[1]},{zone[2]:g}"
    app.host.restart()
    athlete_id, document, truth = await connected(app)
    by_id = {a["id"]: a for a in truth}
    served = [*document["recent_activities"], *document["routes"]]
    with_route = [item for item in served if item.get("route")]
    loops = [
        item for item in with_route if by_id[item["id"]]["start_latlng"] == by_id[item["id"]]["end_latlng"]
    ]
    assert len(loops) >= 10, "the emulator's looping routes are what this proves the trimming on"
    assert len(document["routes"]) > 30
    for item in with_route:
        original = by_id[item["id"]]
        start, end = tuple(original["start_latlng"]), tuple(original["end_latlng"])
        points = [point for part in route_points(item["route"]) for point in part]
        assert len(points) >= 5
        assert min(distance_m(point, start) for point in points) > RADIUS
        assert min(distance_m(point, end) for point in points) > RADIUS
        assert min(distance_m(point, zone[:2]) for point in points) > zone[2]
    for item in document["recent_activities"]:
        assert {"start_latlng", "end_latlng", "summary_polyline", "map"}.isdisjoint(item)

    stored = await stored_texts(app)
    assert_nothing_of_where([*app.bodies, *stored, app.host.log_text()], truth)
    bodies = [json.loads(text) for text in stored if text.startswith('{"achievement_count"')]
    assert bodies and any(body.get("route") for body in bodies)
    for body in bodies:  # the activity store holds the trimmed route only
        original = by_id[body["id"]]
        for part in route_points(body.get("route", [])):
            for point in part:
                assert distance_m(point, tuple(original["start_latlng"])) > RADIUS
    doors = {tuple(by_id[item["id"]]["start_latlng"]) for item in loops}
    assert len(doors) <= 2  # they all leave from (and come back to) the same home
    # the drawn ends of the loops from home do not point at it (the circle round home is off-centre)
    home = tuple(by_id[loops[0]["id"]]["start_latlng"])
    ends = [
        p for item in loops for p in (route_points(item["route"])[0][0], route_points(item["route"])[-1][-1])
    ]
    assert distance_m(circle_fit(ends, home), home) >= RADIUS / 4
    assert distance_m(mean(ends), home) >= RADIUS / 16

    # the card's map and the poster, with the card's read rules
    status, headers, svg = await app.request("GET", "/api/card.svg?show=latest,map")
    assert status == 200 and headers["ETag"].startswith('W/"card-')  # compressed: a weak validator
    assert len(list(ET.fromstring(svg).iter(f"{SVG}path"))) == 1  # noqa: S314 - our own output
    year = document["routes"][0]["start_date_local"][:4]
    status, poster, svg = await app.request("GET", f"/api/routes.svg?year={year}")
    assert status == 200 and poster["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert poster["ETag"].startswith('W/"routes-') and poster["Content-Encoding"] in ("gzip", "br")
    assert poster["Content-Security-Policy"] == headers["Content-Security-Policy"]  # the card's
    assert poster["Vary"] == headers["Vary"] and poster["Cache-Control"] == headers["Cache-Control"]
    drawn = len(list(ET.fromstring(svg).iter(f"{SVG}path")))  # noqa: S314 - our own output
    assert drawn == sum(1 for item in document["routes"] if item["start_date_local"].startswith(year))
    status, same, again = await app.request("GET", f"/api/athletes/{athlete_id}/routes.svg?year={year}")
    assert (status, same["ETag"], again) == (200, poster["ETag"], svg)
    status, _, empty = await app.request(
        "GET", f"/api/routes.svg?year={year}", headers={"If-None-Match": poster["ETag"]}
    )
    assert (status, empty) == (304, "")
    _, other, _ = await app.request("GET", f"/api/routes.svg?year={int(year) - 1}")
    assert other["ETag"] != poster["ETag"]
    _, cors, _ = await app.request("GET", "/api/routes.svg", headers={"Origin": "https://site.example"})
    assert cors["Access-Control-Allow-Origin"] == "https://site.example"
    status, preflight, _ = await app.request(
        "OPTIONS", "/api/routes.svg", headers={"Origin": "https://site.example"}
    )
    assert (status, preflight["Access-Control-Allow-Origin"]) == (204, "https://site.example")
    for query in ("year=26", "year=<svg>", "theme=neon", "sports=chess", "year=99999"):
        status, headers, body = await app.request("GET", f"/api/routes.svg?{query}")
        assert status == 400 and headers["Content-Type"].startswith("application/json"), query
        assert json.loads(body)["error"] == "invalid_option" and "<svg" not in body
    await app.assert_no_secret_leaked()


HOSTILE_POLYLINES = {
    "undecodable": "_p~iF~ps|U<script>alert(1)</script>",
    "off the globe": "_p~iF~ps|U" + "_ibE" * 120,  # a degree north (and east) a step: past 90 N
    "huge": "_p~iF~ps|U" + "??" * 60_000,
}


async def test_hostile_polylines_skip_that_route_and_are_logged_by_id_only(launch_app):
    app = launch_app(SNAPSHOT_MAPS="outline")
    athlete_id = app.athlete_ids()[0]
    public = [a for a in app.emulator.ground_truth(athlete_id) if a["visibility"] == "everyone"]
    edited = {item["id"]: text for item, text in zip(public[3:6], HOSTILE_POLYLINES.values(), strict=True)}
    for activity_id, text in edited.items():
        app.emulator.edit_activity(activity_id, summary_polyline=text)
    _, document, _ = await connected(app)
    shown = {item["id"]: item for item in document["recent_activities"]}
    assert set(edited) <= set(shown)  # the activities are published ...
    assert all("route" not in shown[activity_id] for activity_id in edited)  # ... without their route
    assert sum(1 for item in shown.values() if item.get("route")) >= 10  # the others keep theirs
    log = app.host.log_text()
    for activity_id, text in edited.items():
        assert f"activity {activity_id}: route not published" in log
        assert text[10:30] not in log and all(text[10:30] not in body for body in app.bodies)
    status, _, svg = await app.request("GET", "/api/card.svg?show=map")
    assert status == 200 and "<script" not in svg
