"""The real app under devhost, with Azurite and the Strava emulator, driven over loopback HTTP."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import aiohttp
import pytest
from devhost.testing import RunningDevhost, isolated_app_dir
from multidict import CIMultiDict
from strava_emulator.testing import RunningEmulator

from orchestrations.contract import snapshot_instance_id
from storage import TableService, TokenRecord, TokenStore

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return isolated_app_dir(PROJECT_DIR, tmp_path_factory.mktemp("app"))


@dataclass
class AppUnderTest:
    """devhost running function_app.py against an emulator; every response body is kept for leak checks."""

    host: RunningDevhost
    emulator: RunningEmulator
    http: aiohttp.ClientSession
    connection_string: str
    table_prefix: str
    bodies: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.host.url

    async def request(
        self, method: str, path_or_url: str, **kwargs: Any
    ) -> tuple[int, CIMultiDict[str], str]:
        url = path_or_url if path_or_url.startswith("http") else self.url + path_or_url
        async with self.http.request(method, url, allow_redirects=False, **kwargs) as response:
            body = await response.text()
            self.bodies.append(body)
            return response.status, CIMultiDict(response.headers), body

    async def connect(self, publish: str = "yes", athlete_id: int | None = None) -> tuple[int, str, str]:
        """Authorize as a browser would; returns the callback's status and page, and the callback URL."""
        status, headers, _ = await self.request("GET", f"/api/strava/authorize?publish={publish}")
        assert status == 302, status
        to_strava = headers["Location"]
        if athlete_id is not None:
            to_strava += "&" + urlencode({"athlete_id": athlete_id})
        status, headers, _ = await self.request("GET", to_strava)
        assert status == 302, status
        callback = headers["Location"]
        status, _, page = await self.request("GET", callback)
        return status, page, callback

    def athlete_ids(self) -> list[int]:
        return [athlete["id"] for athlete in self.emulator.athletes()]

    async def wait_for(
        self, path: str, status: int = 200, timeout: float = 90, contains: str = ""
    ) -> tuple[CIMultiDict[str], str]:
        """Poll ``GET path`` until it answers ``status`` (and ``contains``); fail at ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            got, headers, body = await self.request("GET", path)
            if got == status and contains in body:
                return headers, body
            assert time.monotonic() < deadline, f"{path} still {got}: {body[:300]}"
            await asyncio.sleep(0.2)

    async def wait_for_log(self, text: str, timeout: float = 60) -> None:
        """Poll devhost's log until ``text`` appears; fail at ``timeout`` with the log's tail."""
        deadline = time.monotonic() + timeout
        while text not in self.host.log_text():
            assert time.monotonic() < deadline, f"{text!r} not logged: {self.host.log_text()[-2000:]}"
            await asyncio.sleep(0.2)

    async def wait_for_history(self, athlete_id: int, timeout: float = 60) -> None:
        """Until the first backfill is complete, the snapshot shows it and no run is active (the
        background work of a fresh connection, which would otherwise race a test's own runs)."""
        deadline = time.monotonic() + timeout
        while True:
            _, _, body = await self.request("GET", f"/api/athletes/{athlete_id}/status")
            status = json.loads(body)
            history = status.get("history") or {}
            if history.get("complete") and history.get("run_status") == "Completed":
                # the snapshot run read only now, after the scan ended: it is the one the scan started
                # (or a later one), not a finished earlier one the status endpoint read first
                path = f"/runtime/webhooks/durabletask/instances/{snapshot_instance_id(athlete_id)}"
                found, _, run = await self.request("GET", path)
                idle = found == 200 and json.loads(run)["runtimeStatus"] not in ("Running", "Pending")
                got, _, document = await self.request("GET", f"/api/athletes/{athlete_id}/snapshot")
                if idle and got == 200 and json.loads(document).get("history", {}).get("complete"):
                    return  # the refresh the scan started has saved: nothing else is under way
            assert time.monotonic() < deadline, body[:500]
            await asyncio.sleep(0.2)

    async def stored_tokens(self) -> list[TokenRecord]:
        async with TableService.from_connection_string(self.connection_string) as tables:
            return await TokenStore(tables, f"{self.table_prefix}Tokens").list_athletes()

    async def assert_no_secret_leaked(self) -> None:
        """No access token, refresh token or client secret in any response body or devhost log line."""
        secrets = [self.emulator.client_secret]
        for record in await self.stored_tokens():
            secrets += [record.access_token, record.refresh_token]
        texts = [*self.bodies, self.host.log_text()]
        for secret in secrets:
            assert all(secret not in text for text in texts), "a secret leaked into a response or log"


def app_settings_for(emulator: RunningEmulator, table_prefix: str) -> dict[str, str]:
    """The app's settings wired to ``emulator``, with the schedule effectively never during a test."""
    return {
        "STRAVA_CLIENT_ID": emulator.client_id,
        "STRAVA_CLIENT_SECRET": emulator.client_secret,
        "STRAVA_API_BASE_URL": emulator.api_base,
        "STRAVA_OAUTH_BASE_URL": emulator.oauth_base,
        "TABLE_PREFIX": table_prefix,
        "SNAPSHOT_SCHEDULE": "0 0 0 1 1 *",
    }


@pytest.fixture
async def launch_app(
    shared_devhost: Callable[..., RunningDevhost],
    start_devhost: Callable[..., RunningDevhost],
    start_strava_emulator: Callable[..., RunningEmulator],
    azurite: str,
    table_prefix: str,
    app_dir: Path,
) -> AsyncIterator[Callable[..., AppUnderTest]]:
    """``launch_app(*emulator_flags, **settings)``: an emulator, then devhost with the app wired to it.

    The first app of a test runs on this test process's shared devhost, restarted with the test's
    settings on a fresh task hub and table prefix (nothing of an earlier test remains: see
    test_shared_host.py), and idles on a fresh one after the test; a second app in the same test gets
    a devhost of its own."""
    async with browser_session() as http:
        launched: list[AppUnderTest] = []

        def launch(*emulator_flags: str, **settings: str) -> AppUnderTest:
            emulator = start_strava_emulator(*emulator_flags)
            env = {
                **app_settings_for(emulator, table_prefix),
                "CORS_ALLOWED_ORIGINS": "https://site.example",
                **settings,
            }
            host = start_devhost(app_dir, env=env) if launched else shared_devhost(app_dir, env)
            launched.append(AppUnderTest(host, emulator, http, azurite, table_prefix))
            return launched[-1]

        try:
            yield launch
        finally:
            host = launched[0].host if launched else None
            if host is not None and host.process.alive():
                # idle until the next test (a fresh task hub, no stored athlete): this test's work would
                # otherwise go on against the shared emulator, which a next test without devhost resets
                host.reset({**host.env, "TABLE_PREFIX": "idle" + uuid.uuid4().hex[:12]})


def browser_session() -> aiohttp.ClientSession:
    """An HTTP client that keeps cookies as a browser does (also for 127.0.0.1, which aiohttp's
    default jar refuses)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(force_close=True), cookie_jar=aiohttp.CookieJar(unsafe=True)
    )


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
