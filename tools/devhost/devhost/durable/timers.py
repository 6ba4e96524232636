"""Durable timers: one callback per key at its ``fire_at`` on devhost's clock, never early."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from devhost.clock import Clock, Wakeup

Key = TypeVar("Key")


class TimerSchedule(Generic[Key]):
    """Arms one callback per key; an overdue timer fires at once."""

    def __init__(self, fire: Callable[[Key], None], clock: Clock) -> None:
        self._fire = fire
        self._clock = clock
        self._wakeups: dict[Key, Wakeup] = {}

    def arm(self, key: Key, fire_at: datetime) -> None:
        self.cancel(key)
        if fire_at <= self._clock.now():
            self._fire(key)
            return
        self._wakeups[key] = self._clock.call_at(fire_at, lambda: self._due(key))

    def _due(self, key: Key) -> None:
        self._wakeups.pop(key, None)
        self._fire(key)

    def cancel(self, key: Key) -> None:
        wakeup = self._wakeups.pop(key, None)
        if wakeup is not None:
            wakeup.cancel()

    def cancel_where(self, doomed: Callable[[Key], bool]) -> None:
        """Cancel every armed timer whose key satisfies ``doomed``."""
        for key in [k for k in self._wakeups if doomed(k)]:
            self.cancel(key)

    def cancel_all(self) -> None:
        for wakeup in self._wakeups.values():
            wakeup.cancel()
        self._wakeups.clear()

    def armed(self) -> list[Key]:
        """Keys of the timers still waiting."""
        return list(self._wakeups)

    def __len__(self) -> int:
        return len(self._wakeups)
