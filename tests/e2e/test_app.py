"""The app end to end: OAuth bootstrap, snapshot fan-out, the public and keyed reads, the diagnosis."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import query_of

pytestmark = pytest.mark.e2e


async def test_oauth_bootstrap_snapshot_etag_and_privacy(launch_app):
    app = launch_app()
    status, _, page = await app.request("GET", "/api/strava/authorize")
    assert status == 200
    assert "publish=yes" in page  # the consent choice comes first

    status, page, callback = await app.connect(publish="yes")
    assert status == 200
    assert "Strava connected" in page
    athlete_id = app.athlete_ids()[0]
    assert f"/api/athletes/{athlete_id}/stats" in page

    headers, body = await app.wait_for("/api/stats")
    document = json.loads(body)
    assert document["schema_version"] == 1
    assert document["athlete"]["id"] == athlete_id
    assert document["attribution"]["text"] == "Powered by Strava"
    assert len(document["recent_activities"]) == 30
    assert headers["Cache-Control"].startswith("public, max-age=")
    status, again, _ = await app.request(
        "GET", f"/api/athletes/{athlete_id}/stats", headers={"If-None-Match": headers["ETag"]}
    )
    assert status == 304
    assert again["ETag"] == headers["ETag"]

    # CORS only for the configured origin
    _, cors, _ = await app.request("GET", "/api/stats", headers={"Origin": "https://site.example"})
    assert cors["Access-Control-Allow-Origin"] == "https://site.example"
    _, other, _ = await app.request("GET", "/api/stats", headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in other

    # privacy: compare with everything Strava would hand the owner
    [record] = await app.stored_tokens()
    async with app.http.get(
        f"{app.emulator.api_base}/athlete/activities?per_page=90",
        headers={"Authorization": f"Bearer {record.access_token}"},
    ) as response:
        owner_view = await response.json()
    hidden = {a["id"] for a in owner_view if a["visibility"] != "everyone"}
    assert hidden, "the emulator's newest activities should include non-public ones"
    published = {a["id"] for a in document["recent_activities"]}
    assert not published & hidden
    assert all(a["visibility"] == "everyone" for a in document["recent_activities"])
    assert not any(
        {"start_latlng", "end_latlng", "summary_polyline"} & set(a) for a in document["recent_activities"]
    )
    assert "latlng" not in body
    assert "polyline" not in body

    # a replayed state is refused, and nothing stored changes
    status, _, page = await app.request("GET", callback)
    assert status == 400
    assert "cannot be used (used)" in page
    [after] = await app.stored_tokens()
    assert after.refresh_token == record.refresh_token

    # a second athlete cannot take over the binding
    second = app.athlete_ids()[1]
    status, page, _ = await app.connect(athlete_id=second)
    assert status == 403
    assert "bound to another Strava athlete" in page
    assert [r.athlete_id for r in await app.stored_tokens()] == [athlete_id]

    await app.assert_no_secret_leaked()


async def test_snapshot_starter_status_urls_and_keyed_read_for_an_unpublished_athlete(launch_app):
    app = launch_app()
    status, _page, _ = await app.connect(publish="no")
    assert status == 200
    athlete_id = app.athlete_ids()[0]
    await app.wait_for(f"/api/athletes/{athlete_id}/snapshot")  # the first snapshot, keyed read
    await app.wait_for_history(athlete_id)  # and the one the finished backfill publishes
    _, _, body = await app.request("GET", f"/api/athletes/{athlete_id}/status")
    generation = json.loads(body)["snapshot"]["generation"]

    status, _, body = await app.request("GET", f"/api/athletes/{athlete_id}/stats")
    assert status == 403
    assert json.loads(body)["error"] == "not_published"

    status, headers, body = await app.request("POST", f"/api/athletes/{athlete_id}/snapshot")
    assert status == 202
    urls = json.loads(body)
    assert urls["id"] == f"stats-snapshot-{athlete_id}"
    assert urls["statusQueryGetUri"].startswith(app.url)
    assert headers["Location"] == urls["statusQueryGetUri"]
    _, status_body = await app.wait_for(urls["statusQueryGetUri"], 200)
    run = json.loads(status_body)
    assert run["runtimeStatus"] == "Completed"
    # nothing changed at Strava: the stored snapshot and its ETag stay, so sites keep their 304s
    assert run["output"]["outcome"] == "unchanged"
    assert run["output"]["generation"] == generation

    status, _, body = await app.request("GET", f"/api/athletes/{athlete_id}/status")
    diagnosis = json.loads(body)
    assert status == 200
    assert diagnosis["healthy"] is True, diagnosis["problems"]
    assert diagnosis["lifecycle"]["runtime_status"] == "Running"
    assert diagnosis["lifecycle"]["phase"] == "sleeping"
    assert diagnosis["token"]["publish_consent"] is False
    assert diagnosis["rate_limit"]["usage_15min"] > 0
    await app.assert_no_secret_leaked()


async def test_inactive_application_is_diagnosed_and_the_old_snapshot_kept(launch_app):
    app = launch_app()
    await app.connect()
    athlete_id = app.athlete_ids()[0]
    await app.wait_for_history(athlete_id)
    _headers, first = await app.wait_for("/api/stats")

    app.emulator.configure(app_inactive=True)
    _, _, body = await app.request("POST", f"/api/athletes/{athlete_id}/snapshot")
    _, status_body = await app.wait_for(json.loads(body)["statusQueryGetUri"], 200)
    assert json.loads(status_body)["runtimeStatus"] == "Failed"

    _, _, body = await app.request("GET", f"/api/athletes/{athlete_id}/status")
    diagnosis = json.loads(body)
    kinds = {p["problem"]: p["fix"] for p in diagnosis["problems"]}
    assert "subscription" in kinds["application_inactive"]
    _, still = await app.wait_for("/api/stats")
    assert still == first
    await app.assert_no_secret_leaked()


async def test_denied_and_scope_less_authorizations_get_clear_pages(launch_app):
    app = launch_app("--grant-scopes", "read")
    status, page, _ = await app.connect()
    assert status == 403
    assert "Access to your activities was not granted" in page
    assert await app.stored_tokens() == []

    app.emulator.configure(deny=True)
    status, page, _ = await app.connect()
    assert status == 403
    assert "not granted" in page


BAD_REQUESTS = [
    ("GET", "/api/athletes/abc/stats", 400, "invalid_athlete_id"),
    ("GET", "/api/athletes/-1/stats", 400, "invalid_athlete_id"),
    ("GET", "/api/athletes/99999999999999999999/stats", 400, "invalid_athlete_id"),
    ("GET", "/api/athletes/1%2F2/stats", 400, "invalid_athlete_id"),
    ("GET", "/api/athletes/12/stats", 404, "unknown_athlete"),
    ("GET", "/api/stats", 404, "no_default_athlete"),
    ("GET", "/api/athletes/12/status", 404, "unknown_athlete"),
    ("GET", "/api/athletes/x/status", 400, "invalid_athlete_id"),
    ("POST", "/api/athletes/12/snapshot", 404, "unknown_athlete"),
    ("GET", "/api/athletes/12/snapshot", 404, "unknown_athlete"),
    ("DELETE", "/api/athletes/12/snapshot", 405, None),
    ("PUT", "/api/stats", 405, None),
    ("GET", "/api/nothing-here", 404, None),
]


async def test_bad_input_gets_a_json_4xx(launch_app):
    app = launch_app()
    for method, path, status, error in BAD_REQUESTS:
        got, headers, body = await app.request(method, path)
        assert got == status, (method, path, body)
        assert headers["Content-Type"].startswith("application/json"), path
        if error:
            assert json.loads(body)["error"] == error, path
        assert "Traceback" not in body


async def test_bad_callbacks_get_clear_pages(launch_app):
    app = launch_app()
    for query, expected in [
        ("", "cannot be used (malformed)"),
        ("?state=nope", "cannot be used"),
        ("?state=" + "x" * 5000, "cannot be used"),
    ]:
        status, headers, page = await app.request("GET", "/api/strava/callback" + query)
        assert status == 400, query
        assert headers["Content-Type"].startswith("text/html")
        assert expected in page
    status, headers, _ = await app.request("GET", "/api/strava/authorize?publish=yes")
    state = query_of(headers["Location"])["state"]
    status, _, page = await app.request("GET", f"/api/strava/callback?state={state}")
    assert status == 400
    assert "no authorization code" in page


async def test_an_over_long_callback_url_is_refused_without_logging_it(launch_app):
    app = launch_app()
    secret_looking = "c0de" * 2500
    status, _, _ = await app.request("GET", f"/api/strava/callback?state=s&code={secret_looking}")
    assert status == 400
    assert secret_looking[:40] not in app.host.log_text()
    assert "rejected a malformed request (LineTooLong)" in app.host.log_text()
