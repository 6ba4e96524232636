"""Push subscriptions: the app's one subscription, Strava's validation call and event delivery.

Strava validates a new callback with ``GET <callback>?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…``
(200 with ``{"hub.challenge": …}`` within 2 s) and later POSTs each event as JSON, counting an answer
other than 200 within 2 s as a failure and trying 3 times in total.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

ATTEMPTS = 3
ANSWER_SECONDS = 2.0
OUTCOMES = ("ok", "bad_status", "timeout", "unreachable")
log = logging.getLogger("strava_emulator.webhooks")


@dataclass(frozen=True)
class Subscription:
    id: int
    application_id: int
    callback_url: str
    created_at: str

    def as_json(self) -> dict[str, Any]:
        """The shape of a real create answer (201) and of each item of the view list."""
        return {
            "id": self.id,
            "resource_state": 2,
            "application_id": self.application_id,
            "callback_url": self.callback_url,
            "created_at": self.created_at,
            "updated_at": self.created_at,
        }


@dataclass
class WebhookCounters:
    """Deliveries and their outcomes, for ``GET /_emulator/stats``."""

    counts: Counter[str] = field(default_factory=Counter)

    def as_json(self, pending: int) -> dict[str, Any]:
        keys = ("events", "attempts", "delivered", "retried", "failed")
        return {
            **{key: self.counts[key] for key in keys},
            "pending": pending,
            "outcomes": {key: self.counts[f"outcome:{key}"] for key in OUTCOMES},
            "validations": {key: self.counts[f"validation:{key}"] for key in ("ok", "failed")},
        }


@dataclass
class Outbox:
    """Sends events to the subscription's callback in the background, retrying like Strava."""

    session: aiohttp.ClientSession | None = None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def pending(self) -> int:
        return len(self.tasks)

    def send(
        self, callback_url: str, event: dict[str, Any], counters: WebhookCounters, retry_seconds: float
    ) -> None:
        """Deliver ``event`` in the background; ``retry_seconds`` apart between attempts."""
        counters.counts["events"] += 1
        delivery = self._deliver(callback_url, event, counters, retry_seconds)
        task = asyncio.get_running_loop().create_task(delivery)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _deliver(
        self, callback_url: str, event: dict[str, Any], counters: WebhookCounters, retry_seconds: float
    ) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            counters.counts["attempts"] += 1
            outcome = await self._post(callback_url, event)
            counters.counts[f"outcome:{outcome}"] += 1
            if outcome == "ok":
                counters.counts["delivered"] += 1
                return
            log.info(
                "webhook %s %s: attempt %d %s", event["object_type"], event["aspect_type"], attempt, outcome
            )
            if attempt < ATTEMPTS:
                counters.counts["retried"] += 1
                await asyncio.sleep(retry_seconds)
        counters.counts["failed"] += 1

    async def _post(self, callback_url: str, event: dict[str, Any]) -> str:
        session = self._session()
        try:
            async with session.post(
                callback_url, json=event, timeout=aiohttp.ClientTimeout(total=ANSWER_SECONDS)
            ) as response:
                await response.read()
                return "ok" if response.status == 200 else "bad_status"
        except asyncio.TimeoutError:
            return "timeout"
        except aiohttp.ClientError:
            return "unreachable"

    async def post_raw(self, callback_url: str, body: bytes) -> tuple[int | None, str, float]:
        """One POST of ``body`` as JSON: the status (None: no answer in time), body and milliseconds."""
        started = time.perf_counter()
        headers = {"Content-Type": "application/json"}
        try:
            async with self._session().post(
                callback_url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=ANSWER_SECONDS)
            ) as response:
                text = await response.text(errors="replace")
                status: int | None = response.status
        except (asyncio.TimeoutError, aiohttp.ClientError):
            status, text = None, ""
        return status, text, round((time.perf_counter() - started) * 1000, 2)

    async def validate(self, callback_url: str, verify_token: str) -> bool:
        """Strava's validation GET: 200, JSON, the challenge echoed, all within 2 s."""
        challenge = secrets.token_urlsafe(16)
        params = {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token}
        try:
            async with self._session().get(
                callback_url, params=params, timeout=aiohttp.ClientTimeout(total=ANSWER_SECONDS)
            ) as response:
                if response.status != 200 or response.content_type != "application/json":
                    return False
                body = await response.json()
        except (asyncio.TimeoutError, aiohttp.ClientError, ValueError):
            return False
        return isinstance(body, dict) and body.get("hub.challenge") == challenge

    def _session(self) -> aiohttp.ClientSession:
        if self.session is None:
            self.session = aiohttp.ClientSession()
        return self.session

    async def drop(self) -> None:
        """Cancel every delivery still under way (a reset: its subscriber is gone)."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def close(self) -> None:
        await self.drop()
        if self.session is not None:
            await self.session.close()


OUTBOX = web.AppKey("strava_emulator_outbox", Outbox)


async def outbox_context(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx``: one outbox (and HTTP session) per running app."""
    app[OUTBOX] = Outbox()
    yield
    await app[OUTBOX].close()
