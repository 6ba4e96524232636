"""The one retry helper and the write that holds the only copy of a rotated refresh token, on a fake
clock: the write keeps trying through a storage outage of almost a minute and a half."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from activities.tokens import store_rotated_pair
from storage import (
    ConcurrencyConflictError,
    CorruptEntityError,
    StorageError,
    StorageUnavailableError,
    TokenRecord,
    TokenStatus,
)
from storage.retry import ONLY_COPY, RACES, RetryBudget, is_retryable, retrying
from strava.models import TokenSet

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
OLD = TokenRecord(
    42, "old-access", "old-refresh", 1, frozenset({"read"}), TokenStatus.ACTIVE, True, NOW, '"e1"'
)
NEW = TokenSet(access_token="new-access", refresh_token="new-refresh", expires_at=2)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class OutageStore:
    """A token store whose writes fail until ``healthy_at`` (fake seconds)."""

    def __init__(self, clock: FakeClock, healthy_at: float) -> None:
        self.clock, self.healthy_at = clock, healthy_at
        self.row = OLD
        self.attempts = 0

    async def get(self, athlete_id: int) -> TokenRecord | None:
        return self.row

    async def update(self, record: TokenRecord) -> TokenRecord:
        self.attempts += 1
        if self.clock.now < self.healthy_at:
            raise StorageUnavailableError("table service unreachable")
        self.row = dataclasses.replace(record, etag='"e2"')
        return self.row


async def test_the_rotated_pair_survives_a_storage_outage_of_over_a_minute() -> None:
    clock = FakeClock()
    store = OutageStore(clock, healthy_at=75.0)
    stored = await store_rotated_pair(store, OLD, NEW, NOW, clock=clock, sleep=clock.sleep)
    assert stored.refresh_token == "new-refresh" and store.row.refresh_token == "new-refresh"
    assert clock.now >= 75.0 and store.attempts > 2


async def test_it_gives_up_only_after_at_least_a_minute() -> None:
    clock = FakeClock()
    store = OutageStore(clock, healthy_at=float("inf"))
    with pytest.raises(StorageUnavailableError):
        await store_rotated_pair(store, OLD, NEW, NOW, clock=clock, sleep=clock.sleep)
    assert clock.now >= 60.0
    assert ONLY_COPY.seconds >= 60


async def test_lost_races_are_retried_and_other_errors_are_not() -> None:
    clock = FakeClock()
    tries = 0

    async def wins_on_the_third_try() -> str:
        nonlocal tries
        tries += 1
        if tries < 3:
            raise ConcurrencyConflictError("lost")
        return "written"

    assert await retrying(wins_on_the_third_try, RACES, clock=clock, sleep=clock.sleep) == "written"

    async def corrupt() -> None:
        raise CorruptEntityError("bad row")

    with pytest.raises(CorruptEntityError):
        await retrying(corrupt, RetryBudget(60, 1, 1), clock=clock, sleep=clock.sleep)
    assert is_retryable(StorageError("503", status=503)) and not is_retryable(StorageError("400", status=400))
    assert not is_retryable(ValueError("no"))
