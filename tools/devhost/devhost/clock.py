"""The clock devhost's timers run on: durable timers and timer triggers both read and wait on it.

:class:`SystemClock` is wall-clock UTC on the event loop. :class:`ManualClock` is for tests: time
stands still until :meth:`ManualClock.advance` moves it, which runs whatever became due, in order.
Neither ever wakes a waiter before its moment.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Wakeup(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    """What timers need from time: the current UTC moment and a callback at a later one."""

    def now(self) -> datetime: ...

    def call_at(self, moment: datetime, callback: Callable[[], None]) -> Wakeup:
        """Call ``callback`` on the event loop once ``now() >= moment`` (never earlier)."""
        ...


async def sleep_until(clock: Clock, moment: datetime) -> None:
    """Wait on ``clock`` until ``moment``; returns at once when it has passed."""
    if clock.now() >= moment:
        return
    woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def wake() -> None:
        if not woken.done():
            woken.set_result(None)

    wakeup = clock.call_at(moment, wake)
    try:
        await woken
    finally:
        wakeup.cancel()


class _LoopWakeup:
    def __init__(self) -> None:
        self.handle: asyncio.Handle | None = None
        self.canceled = False

    def cancel(self) -> None:
        self.canceled = True
        if self.handle is not None:
            self.handle.cancel()


class SystemClock:
    """Wall-clock UTC; the loop's timer is re-checked against the wall clock when it wakes."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def call_at(self, moment: datetime, callback: Callable[[], None]) -> Wakeup:
        loop = asyncio.get_running_loop()
        wakeup = _LoopWakeup()

        def check() -> None:
            if wakeup.canceled:
                return
            delay = (moment - self.now()).total_seconds()
            if delay <= 0:
                callback()
                return
            wakeup.handle = loop.call_later(delay + 0.001, check)

        wakeup.handle = loop.call_soon(check)
        return wakeup


@dataclass(order=True)
class _Pending:
    moment: datetime
    sequence: int
    callback: Callable[[], None] = field(compare=False)
    canceled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.canceled = True


class ManualClock:
    """A clock that only moves when told to (tests): ``advance`` runs what fell due, in time order."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2030, 1, 1, tzinfo=timezone.utc)
        self._pending: list[_Pending] = []
        self._sequence = itertools.count()

    def now(self) -> datetime:
        return self._now

    def call_at(self, moment: datetime, callback: Callable[[], None]) -> Wakeup:
        pending = _Pending(moment, next(self._sequence), callback)
        heapq.heappush(self._pending, pending)
        return pending

    @property
    def waiting(self) -> list[datetime]:
        """Moments somebody waits for, earliest first."""
        return sorted(p.moment for p in self._pending if not p.canceled)

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, calling every callback that fell due on the way."""
        target = self._now + timedelta(seconds=seconds)
        while self._pending and self._pending[0].moment <= target:
            due = heapq.heappop(self._pending)
            if due.canceled:
                continue
            self._now = max(self._now, due.moment)
            due.callback()
        self._now = target
