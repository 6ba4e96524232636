"""Hold and release: park requests on chosen routes until a test lets them go, so a test can set up a
race (e.g. "the app has sent its refresh and waits for Strava") without guessing with a sleep."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Holds:
    """The routes being held ("POST /oauth/token", matched like error rules) and the requests parked.
    Each release starts a new generation: ``waiting`` counts the requests parked since then."""

    routes: frozenset[str] = frozenset()
    generation: int = 0
    _parked: Counter[int] = field(default_factory=Counter)
    _released: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def waiting(self) -> int:
        return self._parked[self.generation]

    def hold(self, routes: frozenset[str]) -> None:
        """Park every later request on ``routes`` until :meth:`release`."""
        self.routes = routes
        self._released = asyncio.Event()

    def matches(self, method: str, paths: tuple[str, ...]) -> bool:
        return any(f"{method} {path}" in self.routes for path in paths)

    async def park(self) -> None:
        """Wait here until released (called by the edge for a held request)."""
        released, generation = self._released, self.generation
        await self._count(generation, +1)
        try:
            await released.wait()
        finally:
            await self._count(generation, -1)

    async def wait_for(self, count: int, timeout: float) -> bool:
        """Whether ``count`` requests are parked (in this generation) within ``timeout`` seconds."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: self.waiting >= count), timeout)
            except asyncio.TimeoutError:
                return False
        return True

    def release(self, keep_holding: bool = False) -> None:
        """Let every parked request go on; hold nothing more unless ``keep_holding`` (then later
        requests on the same routes park again, e.g. to step through a scan page by page)."""
        if not keep_holding:
            self.routes = frozenset()
        self._released.set()
        self._released = asyncio.Event()
        self.generation += 1

    async def _count(self, generation: int, step: int) -> None:
        async with self._changed:
            self._parked[generation] += step
            if not self._parked[generation]:
                del self._parked[generation]
            self._changed.notify_all()
