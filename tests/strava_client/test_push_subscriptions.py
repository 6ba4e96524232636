"""Push subscriptions through the client against the emulator, which calls back a real local server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from loopback.processes import free_port

from strava import StravaClient
from strava.errors import ClientCredentialsError, NotFoundError, StravaError
from strava.push import fault_codes


@pytest.fixture
async def callback() -> AsyncIterator[str]:
    """A callback that echoes the challenge for the verify token ``right``."""

    async def validate(request: web.Request) -> web.Response:
        if request.query.get("hub.verify_token") != "right":
            return web.json_response({"error": "no"}, status=403)
        return web.json_response({"hub.challenge": request.query["hub.challenge"]})

    app = web.Application()
    app.router.add_get("/webhook", validate)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/webhook"
    await runner.cleanup()


async def test_create_view_delete(client: StravaClient, callback: str) -> None:
    assert await client.list_push_subscriptions() == []
    created = await client.create_push_subscription(callback, "right")
    assert created.callback_url == callback
    assert await client.list_push_subscriptions() == [created]
    with pytest.raises(StravaError) as again:
        await client.create_push_subscription(callback, "right")
    assert fault_codes(again.value) == {"already exists"}
    await client.delete_push_subscription(created.id)
    assert await client.list_push_subscriptions() == []
    with pytest.raises(NotFoundError):
        await client.delete_push_subscription(created.id)


async def test_an_unverifiable_callback_and_wrong_credentials(
    client: StravaClient, callback: str, make_client, strava_emulator
) -> None:
    with pytest.raises(StravaError) as refused:
        await client.create_push_subscription(callback, "wrong")
    assert fault_codes(refused.value) == {"not verifiable"}
    assert "wrong" not in str(refused.value)
    impostor = make_client(strava_emulator, client_secret="not-the-secret")
    with pytest.raises(ClientCredentialsError) as rejected:
        await impostor.list_push_subscriptions()
    assert "not-the-secret" not in str(rejected.value)
