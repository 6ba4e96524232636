"""devhost's clocks: the manual one runs callbacks in time order only when advanced; the system one
never calls back before the moment (observed with an event, not a sleep)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from devhost.clock import ManualClock, SystemClock, sleep_until

from tests.polling import eventually


def test_manual_clock_runs_due_callbacks_in_order_and_skips_canceled() -> None:
    clock = ManualClock()
    start = clock.now()
    seen: list[tuple[str, float]] = []

    def note(name: str):
        return lambda: seen.append((name, (clock.now() - start).total_seconds()))

    clock.call_at(start + timedelta(seconds=3), note("c"))
    clock.call_at(start + timedelta(seconds=1), note("a"))
    clock.call_at(start + timedelta(seconds=2), note("b")).cancel()
    clock.advance(0.5)
    assert seen == []
    clock.advance(3)
    assert seen == [("a", 1.0), ("c", 3.0)]  # each sees the time it was due at
    assert clock.now() == start + timedelta(seconds=3.5)
    assert clock.waiting == []


async def test_sleep_until_on_a_manual_clock_returns_only_once_advanced() -> None:
    clock = ManualClock()
    woke = asyncio.create_task(sleep_until(clock, clock.now() + timedelta(seconds=10)))
    await eventually(lambda: clock.waiting, 5, "the sleeper to wait")
    clock.advance(9.999)
    assert not woke.done()
    clock.advance(0.001)
    await asyncio.wait_for(woke, 5)


async def test_system_clock_never_calls_back_early() -> None:
    clock = SystemClock()
    moment = clock.now() + timedelta(milliseconds=50)
    called = asyncio.Event()
    seen = []

    def note() -> None:
        seen.append(clock.now())
        called.set()

    clock.call_at(moment, note)
    await asyncio.wait_for(called.wait(), 5)
    assert seen[0] >= moment
