"""The one retry helper: try an operation again on retryable storage errors until a time budget ends.

Writers that lose a race (a conditional write against a changed ETag) and brief outages of the table
service both end in a retryable error; the operation re-reads what it needs on each attempt.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from storage.errors import (
    ConcurrencyConflictError,
    EntityExistsError,
    StorageError,
    StorageUnavailableError,
)

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryBudget:
    """Keep trying for ``seconds`` after the first attempt, waiting ``first_delay_s`` doubling up to
    ``max_delay_s`` (with jitter) between attempts."""

    seconds: float
    first_delay_s: float
    max_delay_s: float


RACES = RetryBudget(seconds=5, first_delay_s=0.005, max_delay_s=0.25)  # lost conditional writes
ONLY_COPY = RetryBudget(seconds=90, first_delay_s=0.25, max_delay_s=5)  # a rotated refresh token


def is_retryable(error: BaseException) -> bool:
    """Lost races, an unreachable service, throttling and 5xx; not bad requests or corrupt rows."""
    if isinstance(error, ConcurrencyConflictError | EntityExistsError | StorageUnavailableError):
        return True
    if type(error) is StorageError:  # a plain service error: only throttling and 5xx pass
        return error.status is None or error.status in (408, 429) or error.status >= 500
    return False


async def retrying(
    operation: Callable[[], Awaitable[T]],
    budget: RetryBudget,
    *,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> T:
    """``await operation()`` until it succeeds; a retryable error is raised only once the next
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
