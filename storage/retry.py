"""How storage calls retry: one policy, the Tables SDK's own, with timeouts, so a call gives up in
bounded time.

:class:`StoragePolicy` configures the SDK's retry policy (azure-core's exponential ``RetryPolicy``) and
its transport timeouts: :data:`STORAGE_POLICY` is the client's default, :data:`INTERACTIVE_POLICY` the
public read path's (a read during an outage fails within a second, so a stale copy or 503 is served)
and :data:`ONLY_COPY_POLICY` the write of a rotated refresh token (its only copy: at least a minute).
Outages, throttling and 5xx are retried there and nowhere else.

:func:`retrying` re-runs a read-modify-write that lost a race (a conditional write against a changed
ETag, an insert that met a new row): the SDK cannot, since the operation must re-read first.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from storage.errors import ConcurrencyConflictError, EntityExistsError

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class StoragePolicy:
    """The Tables SDK's retries and timeouts for one kind of call.

    ``attempts`` tries in all; azure-core waits 0 s before the second, then ``backoff_s`` * 2, * 4, ...
    (at most ``max_backoff_s``); each try may take ``connect_timeout_s`` to connect and
    ``read_timeout_s`` between bytes of the answer."""

    attempts: int
    backoff_s: float
    max_backoff_s: float
    connect_timeout_s: float
    read_timeout_s: float

    def sdk_options(self) -> dict[str, Any]:
        """Keyword arguments of a Tables client or of one of its calls (both accept them)."""
        retries = self.attempts - 1
        return {
            "retry_total": retries,
            "retry_connect": retries,
            "retry_read": retries,
            "retry_status": retries,
            "retry_backoff_factor": self.backoff_s,
            "retry_backoff_max": self.max_backoff_s,
            "connection_timeout": self.connect_timeout_s,
            "read_timeout": self.read_timeout_s,
        }

    @property
    def waits_s(self) -> tuple[float, ...]:
        """The pause after each failed try but the last (azure-core's ``get_backoff_time``: none after
        the first failure, then ``backoff_s * 2 ** (failures - 1)``, capped)."""
        return tuple(
            0.0 if failures == 1 else min(self.max_backoff_s, self.backoff_s * 2 ** (failures - 1))
            for failures in range(1, self.attempts)
        )

    @property
    def give_up_after_s(self) -> float:
        """The longest a call can take before its error reaches our code (every try timing out)."""
        return self.attempts * (self.connect_timeout_s + self.read_timeout_s) + sum(self.waits_s)


STORAGE_POLICY = StoragePolicy(
    attempts=3, backoff_s=0.4, max_backoff_s=2, connect_timeout_s=2, read_timeout_s=4
)
INTERACTIVE_POLICY = StoragePolicy(
    attempts=2, backoff_s=0, max_backoff_s=0, connect_timeout_s=0.2, read_timeout_s=0.3
)
ONLY_COPY_POLICY = StoragePolicy(
    attempts=12, backoff_s=0.5, max_backoff_s=8, connect_timeout_s=2, read_timeout_s=4
)


@dataclass(frozen=True)
class RetryBudget:
    """Keep re-running a lost race for ``seconds`` after the first attempt, waiting ``first_delay_s``
    doubling up to ``max_delay_s`` (with jitter) between attempts."""

    seconds: float
    first_delay_s: float
    max_delay_s: float


RACES = RetryBudget(seconds=5, first_delay_s=0.005, max_delay_s=0.25)  # lost conditional writes


def is_retryable(error: BaseException) -> bool:
    """A lost race only: outages, throttling and 5xx were already retried by the SDK's policy."""
    return isinstance(error, ConcurrencyConflictError | EntityExistsError)


async def retrying(
    operation: Callable[[], Awaitable[T]],
    budget: RetryBudget,
    *,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> T:
    """``await operation()`` until it does not lose a race; a lost race is raised only once the next
    attempt would start after the budget has run out."""
    deadline = clock() + budget.seconds
    delay = budget.first_delay_s
    while True:
        try:
            return await operation()
        except Exception as error:
            if not is_retryable(error):
                raise
            wait = random.uniform(delay / 2, delay)
            if clock() + wait > deadline:
                raise
        await sleep(wait)
        delay = min(delay * 2, budget.max_delay_s)
