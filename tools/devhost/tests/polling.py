"""Waiting on a real condition with a deadline: the one way devhost's tests wait for something."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
POLL_S = 0.02


def wait_until(check: Callable[[], T | None], timeout: float, what: str) -> T:
    """Call ``check`` until it returns something truthy (returned); fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(POLL_S)


async def eventually(check: Callable[[], Awaitable[T | None]], timeout: float, what: str) -> T:
    """Async :func:`wait_until`: await ``check`` until it returns something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = await check()
        if found:
            return found
        assert loop.time() < deadline, f"timed out after {timeout}s waiting for {what}"
        await asyncio.sleep(POLL_S)
