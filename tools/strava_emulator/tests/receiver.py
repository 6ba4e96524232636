"""A webhook callback for the emulator to call: a real aiohttp server on loopback in its own thread.

It answers Strava's validation GET (echoing the challenge, or not), records every event POST, and can
be told to answer the next deliveries with an error or to hold them (past Strava's 2-second limit:
they are only answered when the fixture ends).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from loopback.processes import free_port


@dataclass
class Receiver:
    url: str
    validations: list[dict[str, str]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    challenge: str = "echo"  # "echo", "wrong" or "text"
    failures: list[int] = field(default_factory=list)  # statuses for the next deliveries, in order
    holds: int = 0  # how many of the next deliveries to hold past the limit
    changed: threading.Condition = field(default_factory=threading.Condition)
    released: asyncio.Event | None = None  # set at teardown: held deliveries are answered then

    def wait_for_events(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Block until ``count`` deliveries have arrived (retries included)."""
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.events) >= count, timeout):
                raise AssertionError(f"{len(self.events)} of {count} deliveries arrived: {self.events}")
            return list(self.events)

    async def handle_validation(self, request: web.Request) -> web.Response:
        self.validations.append(dict(request.query))
        echoed = request.query.get("hub.challenge", "")
        if self.challenge == "text":
            return web.Response(text=echoed)
        return web.json_response({"hub.challenge": echoed if self.challenge == "echo" else "nope"})

    async def handle_event(self, request: web.Request) -> web.Response:
        event = await request.json()
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()
            status = self.failures.pop(0) if self.failures else 200
            hold = self.holds > 0
            self.holds -= 1 if hold else 0
        if hold and self.released is not None:
            await self.released.wait()  # the emulator gives up after 2 s; this answer comes too late
        return web.json_response({}, status=status)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    port = free_port()
    found = Receiver(f"http://127.0.0.1:{port}/webhook")
    loop = asyncio.new_event_loop()
    found.released = asyncio.Event()
    app = web.Application()
    app.router.add_get("/webhook", found.handle_validation)
    app.router.add_post("/webhook", found.handle_event)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        loop.call_soon_threadsafe(found.released.set)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.run_until_complete(runner.cleanup())
        loop.close()
