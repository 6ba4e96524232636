"""The SVG card and the widget script through devhost: the snapshot's numbers, hostile names as text,
the public read's rules (consent, ETag/304, Cache-Control, CORS) and 400s for bad options."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

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
    assert headers["ETag"].startswith('"card-')
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
    await app.assert_no_secret_leaked()


CARD_ERRORS = [
    ("/api/card.svg", 404, "no_default_athlete"),
    ("/api/card.svg?theme=blue", 400, "invalid_option"),
    ("/api/card.svg?units=parsecs", 400, "invalid_option"),
    ("/api/card.svg?sports=run,yoga", 400, "invalid_option"),
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
