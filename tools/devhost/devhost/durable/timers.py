"""Durable timers on the event loop: fire at ``fire_at`` (wall clock), never early."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Generic, TypeVar

Key = TypeVar("Key")


class TimerSchedule(Generic[Key]):
    """Arms one callback per key; re-checks the wall clock when the loop wakes it."""

    def __init__(self, fire: Callable[[Key], None], clock: Callable[[], datetime]) -> None:
        self._fire = fire
        self._clock = clock
        self._handles: dict[Key, asyncio.TimerHandle] = {}

    def arm(self, key: Key, fire_at: datetime) -> None:
        self.cancel(key)
        self._wait(key, fire_at)

    def _wait(self, key: Key, fire_at: datetime) -> None:
        delay = (fire_at - self._clock()).total_seconds()
        if delay <= 0:
            self._handles.pop(key, None)
            self._fire(key)
            return
        loop = asyncio.get_running_loop()
        self._handles[key] = loop.call_later(delay + 0.001, self._wait, key, fire_at)

    def cancel(self, key: Key) -> None:
        handle = self._handles.pop(key, None)
        if handle is not None:
            handle.cancel()

    def cancel_where(self, doomed: Callable[[Key], bool]) -> None:
        """Cancel every armed timer whose key satisfies ``doomed``."""
        for key in [k for k in self._handles if doomed(k)]:
            self.cancel(key)

    def cancel_all(self) -> None:
        for handle in self._handles.values():
            handle.cancel()
        self._handles.clear()

    def __len__(self) -> int:
        return len(self._handles)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
