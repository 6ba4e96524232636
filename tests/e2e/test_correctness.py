"""Correct on Azure, not only under devhost: singleton starts, a browser-bound OAuth state, URLs that
never come from the Host header, a suspended lifecycle resumed by the watchdog."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.e2e.conftest import AppUnderTest, browser_session, query_of

pytestmark = pytest.mark.e2e


async def run_status(app: AppUnderTest, instance_id: str) -> str | None:
    status, _, body = await app.request("GET", f"/runtime/webhooks/durabletask/instances/{instance_id}")
    return json.loads(body)["runtimeStatus"] if status in (200, 202) else None


async def until_completed(app: AppUnderTest, instance_id: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while (state := await run_status(app, instance_id)) != "Completed":
        assert time.monotonic() < deadline, f"{instance_id} still {state}"
        await asyncio.sleep(0.1)


def snapshot_calls(app: AppUnderTest) -> dict[str, int]:
    """Strava API calls by route (athlete, stats, activities pages), token calls aside."""
    requests = app.emulator.stats()["requests"]
    return {route: int(count) for route, count in requests.items() if route.startswith("GET /api/v3/")}


async def test_twenty_concurrent_snapshot_starts_answer_202_with_one_instance(launch_app):
    app = launch_app()
    await app.connect()
    athlete_id = app.athlete_ids()[0]
    instance_id = f"stats-snapshot-{athlete_id}"
    await app.wait_for_history(athlete_id)  # the connection's backfill and the refresh it ends with
    await until_completed(app, instance_id)  # the previous run is Completed: the stale-read case
    app.emulator.reset_counters()
    one_snapshot = {"GET /api/v3/athletes/{athlete_id}/stats": 1, "GET /api/v3/athlete/activities": 1}

    answers = await asyncio.gather(
        *(app.request("POST", f"/api/athletes/{athlete_id}/snapshot") for _ in range(20))
    )
    assert [status for status, _, _ in answers] == [202] * 20, [body[:200] for _, _, body in answers]
    assert {json.loads(body)["id"] for _, _, body in answers} == {instance_id}
    await until_completed(app, instance_id)
    assert snapshot_calls(app) == one_snapshot  # one snapshot's Strava calls
    await app.assert_no_secret_leaked()


async def test_the_oauth_state_is_bound_to_the_browser_that_started_it(launch_app):
    app = launch_app()
    victim, attacker = app.athlete_ids()[:2]
    status, headers, _ = await app.request("GET", "/api/strava/authorize?publish=yes")
    assert status == 302
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/api/strava/callback" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    to_strava = headers["Location"]
    state = query_of(to_strava)["state"]
    assert state not in cookie

    # the attacker has the victim's unused state, and approves with their own Strava account
    async with browser_session() as other_browser:
        async with other_browser.get(f"{to_strava}&athlete_id={attacker}", allow_redirects=False) as answer:
            callback = answer.headers["Location"]
        async with other_browser.get(callback, allow_redirects=False) as answer:
            status, page = answer.status, await answer.text()
            refusal_cookie = answer.headers.get("Set-Cookie", "")
    assert query_of(callback)["state"] == state
    assert status == 400
    assert "started in another browser" in page
    assert "Max-Age=0" in refusal_cookie  # the refusal clears the binding too
    assert await app.stored_tokens() == []

    # the victim's own browser can still finish with the same state
    status, headers, _ = await app.request("GET", f"{to_strava}&athlete_id={victim}")
    assert status == 302
    status, headers, _ = await app.request("GET", headers["Location"])
    assert status == 200
    assert [r.athlete_id for r in await app.stored_tokens()] == [victim]
    assert "Max-Age=0" in headers["Set-Cookie"]  # the binding is cleared once used


async def test_another_sites_malformed_cookie_does_not_break_the_callback(launch_app):
    app = launch_app()
    athlete_id = app.athlete_ids()[0]
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as browser:
        async with browser.get(
            f"{app.url}/api/strava/authorize?publish=yes", allow_redirects=False
        ) as answer:
            binding = answer.headers["Set-Cookie"].split(";")[0]
            to_strava = answer.headers["Location"]
        async with browser.get(f"{to_strava}&athlete_id={athlete_id}", allow_redirects=False) as answer:
            callback = answer.headers["Location"]
        cookies = f'consent={{"necessary":true,"analytics":false}}; {binding}; banner=a b'
        async with browser.get(callback, headers={"Cookie": cookies}, allow_redirects=False) as answer:
            status, page = answer.status, await answer.text()
    assert status == 200, page
    assert [r.athlete_id for r in await app.stored_tokens()] == [athlete_id]


async def test_authorize_on_another_host_moves_to_the_callbacks_origin(launch_app):
    app = launch_app(STRAVA_REDIRECT_URI="http://127.0.0.2:7072/api/strava/callback")
    status, headers, _ = await app.request("GET", "/api/strava/authorize?publish=yes&code=k")
    assert status == 302
    assert headers["Location"] == "http://127.0.0.2:7072/api/strava/authorize?publish=yes&code=k&moved=1"
    assert "Set-Cookie" not in headers  # the binding is set only on the callback's origin
    # moved once: behind a proxy that keeps rewriting the host, the flow goes on from here
    status, headers, _ = await app.request("GET", "/api/strava/authorize?publish=yes&code=k&moved=1")
    assert status == 302 and "Set-Cookie" in headers
    assert query_of(headers["Location"])["redirect_uri"] == "http://127.0.0.2:7072/api/strava/callback"


async def test_urls_never_come_from_the_host_header(launch_app):
    app = launch_app()
    port = urlsplit(app.url).port
    status, headers, page = await app.request(
        "GET", "/api/strava/authorize?publish=yes", headers={"Host": f"evil.127.0.0.1:{port}"}
    )
    assert status == 503
    assert "PUBLIC_BASE_URL" in page and "evil" not in page
    assert "Location" not in headers

    status, _, page = await app.request(
        "GET", "/api/strava/authorize?code=the-function-key", headers={"Host": "attacker.example"}
    )
    assert status == 200
    assert "attacker.example" not in page
    assert 'href="/api/strava/authorize?publish=yes&amp;code=the-function-key"' in page

    status, headers, _ = await app.request("GET", "/api/strava/authorize?publish=yes")  # loopback: fine
    redirect_uri = query_of(headers["Location"])["redirect_uri"]
    assert redirect_uri == f"{app.url}/api/strava/callback"

    await app.connect()
    athlete_id = app.athlete_ids()[0]
    _, _, body = await app.request(
        "GET", f"/api/athletes/{athlete_id}/status", headers={"Host": "attacker.example"}
    )
    assert "attacker.example" not in body

    # the snapshot starter's management URLs carry the durable system key on Azure
    status, headers, body = await app.request(
        "POST", f"/api/athletes/{athlete_id}/snapshot", headers={"Host": "attacker.example"}
    )
    assert status == 202
    assert "attacker.example" not in body and "attacker.example" not in headers["Location"]
    management = json.loads(body)
    assert headers["Location"] == management["statusQueryGetUri"]
    assert all(url.startswith(f"{app.url}/") for key, url in management.items() if key != "id")


async def test_the_watchdog_resumes_a_suspended_lifecycle(launch_app):
    app = launch_app(SNAPSHOT_SCHEDULE="*/1 * * * * *")  # the watchdog every second
    await app.connect()
    athlete_id = app.athlete_ids()[0]
    lifecycle = f"token-lifecycle-{athlete_id}"
    deadline = time.monotonic() + 20
    while await run_status(app, lifecycle) != "Running":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    status, _, _ = await app.request(
        "POST", f"/runtime/webhooks/durabletask/instances/{lifecycle}/suspend?reason=e2e"
    )
    assert status == 202
    deadline = time.monotonic() + 20
    while "was suspended; resumed" not in app.host.log_text():
        assert time.monotonic() < deadline, "the watchdog did not resume the suspended lifecycle"
        await asyncio.sleep(0.1)
    assert await run_status(app, lifecycle) == "Running"
