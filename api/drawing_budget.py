"""A bound on the drawing any client can force: the cards and posters the process has not drawn yet.

Every new combination of options is a new picture (about 3-15 ms each), and a client can ask for as many
as it likes. Drawings already made are served from memory; new ones spend from a bucket of drawing time
that refills at a fixed share of one core. An empty bucket answers 503 + ``Retry-After`` instead of
drawing, so the rest of the process (the JSON reads, the pictures already drawn, the orchestrations)
keeps its CPU.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

BURST_S = 1.0  # drawing time available at once: a page of a dozen new pictures after a snapshot change
SHARE = 0.25  # of one core, sustained
RETRY_AFTER_S = 1


class DrawingBusyError(Exception):
    """The drawing budget is spent for now; try again after :data:`RETRY_AFTER_S`."""


class DrawingBudget:
    """A token bucket of drawing seconds: ``burst_s`` at most, refilled at ``share`` seconds a second."""

    def __init__(
        self, burst_s: float = BURST_S, share: float = SHARE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._burst_s, self._share, self._clock = burst_s, share, clock
        self._left_s, self._at = burst_s, clock()

    @contextmanager
    def drawing(self) -> Iterator[None]:
        """Charge the time spent inside; raise :class:`DrawingBusyError` first when none is left."""
        now = self._clock()
        self._left_s = min(self._burst_s, self._left_s + (now - self._at) * self._share)
        self._at = now
        if self._left_s <= 0:
            raise DrawingBusyError
        try:
            yield
        finally:
            self._left_s -= self._clock() - now
