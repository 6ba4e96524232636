"""Whether Table Storage answers: outages are noticed on any failed call and by a probe, and the
runtime repairs what a restarted emulator lost before anything runs again.

Only a call that failed (refused, reset, 502-504, a lost table) is an outage; a slow one that timed
out is not, since a busy machine (or a CPU-starved Azurite) is slow without being down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from azure.core.exceptions import (
    HttpResponseError,
    ServiceRequestError,
    ServiceRequestTimeoutError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)

logger = logging.getLogger("devhost.durable")

PROBE_WHILE_HEALTHY_S = 2.0
PROBE_WHILE_DOWN_S = 0.25
RETRY_AFTER_S = 2  # what 503 answers ask callers to wait
_UNAVAILABLE = (502, 503, 504)  # a 500 answers one request badly; it is retried as a failed episode
DOWN_MESSAGE = "storage unreachable (%s); answering 503 until it is back"


class StorageUnavailable(Exception):
    """Table Storage cannot be reached right now; the request may be retried later."""


def is_outage(error: BaseException) -> bool:
    """A failure that says storage is unreachable or lost its tables, not that a request was wrong
    (nor that storage was merely slow: a timeout is not an outage)."""
    if isinstance(error, ServiceRequestTimeoutError | ServiceResponseTimeoutError | asyncio.TimeoutError):
        return False
    if isinstance(error, StorageUnavailable | ServiceRequestError | ServiceResponseError):
        return True
    if isinstance(error, HttpResponseError):
        return error.status_code in _UNAVAILABLE or getattr(error, "error_code", None) == "TableNotFound"
    return isinstance(error, ConnectionError)


class StorageHealth:
    """Tracks storage reachability; ``probe`` checks (and re-creates) the table, ``recovered`` runs
    after an outage, before the storage is reported healthy again."""

    def __init__(
        self, probe: Callable[[], Awaitable[None]], recovered: Callable[[], Awaitable[None]]
    ) -> None:
        self._probe = probe
        self._recovered = recovered
        self._healthy = asyncio.Event()
        self._healthy.set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def healthy(self) -> bool:
        return self._healthy.is_set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name="storage health")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def failed(self, error: BaseException) -> None:
        """Report a failed storage call; an outage marks storage down until the probe succeeds."""
        if not is_outage(error):
            return
        if self.healthy:
            logger.warning(DOWN_MESSAGE, type(error).__name__)
        self._healthy.clear()
        self._wake.set()

    async def wait_healthy(self) -> None:
        await self._healthy.wait()

    async def _watch(self) -> None:
        while True:
            interval = PROBE_WHILE_HEALTHY_S if self.healthy else PROBE_WHILE_DOWN_S
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)
            self._wake.clear()
            try:
                await self._probe()
                if not self.healthy:
                    await self._recovered()
                    logger.info("storage is back; live instances resumed")
                    self._healthy.set()
            except Exception as error:  # a probe or repair that fails keeps storage marked down
                if self.healthy and not is_outage(error):
                    continue  # slow, not down: the next probe asks again
                if self.healthy:
                    logger.warning(DOWN_MESSAGE, type(error).__name__)
                self._healthy.clear()
