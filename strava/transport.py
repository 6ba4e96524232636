"""HTTP to Strava: timeouts, Bearer header, rate-limit headers, error mapping, one DEBUG line per call."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone

import aiohttp
from yarl import URL

from strava.errors import (
    BadResponseError,
    StravaUnavailableError,
    TruncatedResponseError,
    error_for_response,
)
from strava.json_text import scan_brackets
from strava.ratelimits import RateLimitUsage, parse_rate_limit_headers

logger = logging.getLogger("strava")

Clock = Callable[[], datetime]
Params = Mapping[str, str | int]


def utc_now() -> datetime:
    """The wall clock, aware UTC."""
    return datetime.now(timezone.utc)


class StravaTransport:
    """Sends one request and returns its decoded JSON, or raises a typed ``StravaError``."""

    def __init__(self, session: aiohttp.ClientSession, timeout_s: float, clock: Clock = utc_now) -> None:
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._clock = clock
        self.last_rate_limit: RateLimitUsage | None = None

    async def request(
        self,
        method: str,
        url: str,
        *,
        bearer: str | None = None,
        params: Params | None = None,
        form: Params | None = None,
        secrets: Iterable[str] = (),
    ) -> object:
        """Decoded JSON of a 2xx response (None for an empty body)."""
        label = f"{method} {URL(url).path}"
        hidden = (bearer or "", *secrets)
        headers = {"Accept": "application/json"}
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        started = time.monotonic()
        outcome = "failed"
        try:
            status, body, reply_headers = await self._send(method, url, headers, params, form, label)
            outcome = str(status)
        finally:
            elapsed_ms = (time.monotonic() - started) * 1000
            logger.debug("%s -> %s in %.1f ms", label, outcome, elapsed_ms)
        now = self._clock()
        usage = parse_rate_limit_headers(reply_headers, now)
        if usage is not None:
            self.last_rate_limit = usage
        if not 200 <= status < 300:
            raise error_for_response(status, body, reply_headers, now, label=label, secrets=hidden)
        return _decode(body, label, status)

    async def _send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        params: Params | None,
        form: Params | None,
        label: str,
    ) -> tuple[int, bytes, Mapping[str, str]]:
        try:
            async with self._session.request(
                method,
                url,
                headers=headers,
                params=params,
                data=dict(form) if form is not None else None,
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                body = await response.read()
                return response.status, body, response.headers
        except asyncio.TimeoutError:
            raise StravaUnavailableError(f"{label}: timed out") from None
        except aiohttp.ClientPayloadError:  # the connection ended before the whole body arrived
            raise TruncatedResponseError(f"{label}: the response body was cut off") from None
        except aiohttp.ClientError as exc:
            raise StravaUnavailableError(f"{label}: {type(exc).__name__}") from None


def _decode(body: bytes, label: str, status: int) -> object:
    """The JSON of a body; a body that stops mid-document is told apart from one that is not JSON."""
    text = body.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        if _unclosed(text):
            raise TruncatedResponseError(f"{label}: HTTP {status} body is cut off", status=status) from None
        raise BadResponseError(f"{label}: HTTP {status} body is not JSON", status=status) from None


def _unclosed(text: bytes) -> bool:
    """Whether a JSON object or array ends while a string or a container is still open."""
    if text[:1] not in (b"{", b"["):
        return False
    scan = scan_brackets(text)
    return scan.in_string or scan.depth > 0
