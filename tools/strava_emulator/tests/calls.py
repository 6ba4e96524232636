"""Small async HTTP helpers the emulator tests share (real loopback requests via aiohttp)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
from strava_emulator.testing import DEFAULT_REDIRECT_URI, RunningEmulator


async def authorize(session: aiohttp.ClientSession, emu: RunningEmulator, **params: str) -> dict[str, str]:
    """The authorize redirect's query; fails the test unless the answer is a 302."""
    query = {
        "client_id": emu.client_id,
        "redirect_uri": DEFAULT_REDIRECT_URI,
        "response_type": "code",
        "scope": "read,activity:read_all",
        **params,
    }
    async with session.get(f"{emu.oauth_base}/authorize", params=query, allow_redirects=False) as response:
        assert response.status == 302, await response.text()
        return dict(parse_qsl(urlsplit(response.headers["Location"]).query, keep_blank_values=True))


async def post_token(
    session: aiohttp.ClientSession, emu: RunningEmulator, path: str = "/oauth/token", **form: str
) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
    """POST the form to a token endpoint; ``(status, json body, headers)``."""
    base = {"client_id": emu.client_id, "client_secret": emu.client_secret, **form}
    async with session.post(emu.base_url + path, data=base) as response:
        return response.status, await response.json(), response.headers


async def exchange(session: aiohttp.ClientSession, emu: RunningEmulator, code: str) -> tuple[int, Any]:
    status, body, _ = await post_token(session, emu, code=code, grant_type="authorization_code")
    return status, body


async def refresh(
    session: aiohttp.ClientSession, emu: RunningEmulator, refresh_token: str
) -> tuple[int, Any]:
    status, body, _ = await post_token(session, emu, refresh_token=refresh_token, grant_type="refresh_token")
    return status, body


async def connect(
    session: aiohttp.ClientSession, emu: RunningEmulator, scope: str = "read,activity:read_all", **params: str
) -> dict[str, Any]:
    """Authorize and exchange: the token response."""
    code = (await authorize(session, emu, scope=scope, **params))["code"]
    status, body = await exchange(session, emu, code)
    assert status == 200, body
    return dict(body)


async def api_get(
    session: aiohttp.ClientSession, emu: RunningEmulator, path: str, token: str | None, **params: Any
) -> tuple[int, Any, aiohttp.ClientResponse]:
    """GET an API path with a Bearer token; ``(status, json body or None, response)``."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.get(emu.api_base + path, headers=headers, params=params) as response:
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body, response


async def all_activities(
    session: aiohttp.ClientSession, emu: RunningEmulator, token: str
) -> list[dict[str, Any]]:
    """Every page of ``/athlete/activities`` (per_page 200) until the empty page."""
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        status, body, _ = await api_get(session, emu, "/athlete/activities", token, page=page, per_page=200)
        assert status == 200, body
        if not body:
            return found
        found.extend(body)
        page += 1
