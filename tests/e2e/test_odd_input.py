"""Odd input and vanished storage against the real app under devhost: never a 5xx or a traceback.

A malformed Host is 400 as Kestrel answers it; every JSON answer says ``nosniff``; a storage outage
serves the last good copy held in memory (a cold read answers 503 + Retry-After within a second); and
storage wiped under the running app (an Azurite restarted empty) is 404/503, never 500.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from devhost.testing import RunningDevhost, launch_devhost
from loopback.azurite import azurite_connection_string, start_azurite
from loopback.processes import ManagedProcess, free_port
from strava_emulator.testing import RunningEmulator

from tests.e2e.conftest import AppUnderTest, browser_session

pytestmark = pytest.mark.e2e
QUICK_S = 1.0


def raw(url: str, path: str, host: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """One request with the Host header exactly as given."""
    where = urlsplit(url)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


async def test_odd_hosts_and_nosniff_on_every_json_answer(launch_app: Any) -> None:
    app: AppUnderTest = launch_app()
    status, _, _ = await app.connect(publish="yes")
    assert status == 200
    await app.wait_for("/api/stats")
    for path in ("/api/stats", "/api/athletes/1/stats", "/api/athletes/x/stats", "/api/openapi.json"):
        _, headers, _ = await app.request("GET", path)
        assert headers["X-Content-Type-Options"] == "nosniff", path
    for since in ("Mon, 07 Dec 99999999999999999 15:36:39 GMT", "Fri, 31 Dec 9999 23:00:00 -2300"):
        for path in ("/api/stats", "/api/card.svg", "/api/routes.svg", "/api/widget.json"):
            code, _, text = await app.request("GET", path, headers={"If-Modified-Since": since})
            assert code == 200, (since, path, text)  # a date out of range is ignored, as an invalid one
    for host in ("127.0.0.1:7071/x", "127.0.0.1:-1", "127.0.0.1:abc", "[::1", "a b"):
        for path in ("/api/stats", "/api/strava/authorize", "/api/strava/webhook", "/api/card.svg"):
            code, _, body = raw(app.url, path, host)
            assert code == 400, (host, path, body)
            assert json.loads(body)["error"] == "bad_request"
    for host in ("127.0.0.1:99999", "127.0.0.1:0"):  # digits: Kestrel passes them on as sent
        for path in ("/api/stats", "/api/strava/authorize?publish=yes", "/api/card.svg"):
            code, _, body = raw(app.url, path, host)
            assert code < 500, (host, path, body)
    assert "Traceback" not in app.host.log_text()


@dataclass
class OwnStorage:
    """An in-memory Azurite for one test, which it may kill and start again (empty) on the same port."""

    port: int
    workdir: Path
    process: ManagedProcess

    def kill(self) -> None:
        self.process.kill()

    def start_again(self) -> None:
        self.process = start_azurite(self.port, self.workdir, log_path=self.workdir / "azurite.log")


@pytest.fixture
def own_storage(tmp_path: Path) -> Iterator[OwnStorage]:
    workdir = tmp_path / "own-azurite"
    workdir.mkdir()
    port = free_port()
    own = OwnStorage(port, workdir, start_azurite(port, workdir, log_path=workdir / "azurite.log"))
    try:
        yield own
    finally:
        own.process.stop()


async def timed(app: AppUnderTest, path: str) -> tuple[int, Any, str, float]:
    started = time.monotonic()
    status, headers, body = await app.request("GET", path)
    return status, headers, body, time.monotonic() - started


async def test_an_outage_serves_the_copy_in_memory_and_a_wipe_is_never_a_500(
    own_storage: OwnStorage,
    start_strava_emulator: Callable[..., RunningEmulator],
    app_dir: Path,
    table_prefix: str,
    tmp_path: Path,
) -> None:
    emulator = start_strava_emulator()
    connection_string = azurite_connection_string(own_storage.port)
    env = {
        "STRAVA_CLIENT_ID": emulator.client_id,
        "STRAVA_CLIENT_SECRET": emulator.client_secret,
        "STRAVA_API_BASE_URL": emulator.api_base,
        "STRAVA_OAUTH_BASE_URL": emulator.oauth_base,
        "TABLE_PREFIX": table_prefix,
        "SNAPSHOT_SCHEDULE": "0 0 0 1 1 *",
        "STATS_CACHE_REVALIDATE_SECONDS": "0",  # every read asks storage: the outage is met at once
    }
    host: RunningDevhost = launch_devhost(
        app_dir, connection_string=connection_string, log_dir=tmp_path, env=env
    )
    try:
        async with browser_session() as http_session:
            app = AppUnderTest(host, emulator, http_session, connection_string, table_prefix)
            status, _, _ = await app.connect(publish="yes")
            assert status == 200
            _, good = await app.wait_for("/api/stats")
            athlete_id = json.loads(good)["athlete"]["id"]
            # the connection's backfill saves newer bodies: wait until it is done, then hold the copy
            # the outage must serve
            await app.wait_for_history(athlete_id)
            _, good = await app.wait_for("/api/stats")
            await app.wait_for(f"/api/athletes/{athlete_id}/stats")

            own_storage.kill()
            for path in ("/api/stats", f"/api/athletes/{athlete_id}/stats"):
                for _ in range(3):
                    code, _, body, took = await timed(app, path)
                    assert (code, body) == (200, good), (path, code, body[:200])
                    assert took < QUICK_S, (path, took)
            for route in ("stats", "card.svg", "routes.svg", "widget.json"):  # a cold read: 503
                code, headers, body, took = await timed(app, f"/api/athletes/{athlete_id + 1}/{route}")
                assert (code, json.loads(body)["error"]) == (503, "storage_unavailable"), (route, body)
                assert int(headers["Retry-After"]) > 0 and took < QUICK_S, (route, took)

            own_storage.start_again()  # empty: every table and row is gone
            deadline = time.monotonic() + 30
            while True:
                code, headers, body = await app.request("GET", "/api/stats")
                assert code in (200, 404, 503), (code, body[:300])
                if code == 503:
                    assert int(headers["Retry-After"]) > 0
                if code == 404:
                    assert json.loads(body)["error"] in ("no_default_athlete", "unknown_athlete")
                    break
                assert time.monotonic() < deadline, (code, body[:300])
            for path in (f"/api/athletes/{athlete_id}/stats", "/api/card.svg", "/api/routes.svg"):
                while True:  # the copy in memory until a read of the emptied storage completes
                    code, _, body = await app.request("GET", path)
                    assert code in (200, 404, 503), (path, code, body[:300])
                    if code == 404:
                        break
                    assert time.monotonic() < deadline, (path, code, body[:300])
    finally:
        host.stop()
    assert "Traceback" not in host.log_text()
