"""The race-retry helper on a fake clock: a lost conditional write is re-read and retried, nothing else
is (outages are the SDK policy's, tests/storage/test_retry_policy.py)."""

from __future__ import annotations

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
from storage.retry import ONLY_COPY_POLICY, RACES, RetryBudget, StoragePolicy, is_retryable, retrying
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
    """A token store whose writes fail as unreachable, counting them."""

    def __init__(self) -> None:
        self.row = OLD
        self.attempts = 0

    async def get(self, athlete_id: int) -> TokenRecord | None:
        return self.row

    async def update(self, record: TokenRecord, *, policy: StoragePolicy | None = None) -> TokenRecord:
        assert policy is ONLY_COPY_POLICY
        self.attempts += 1
        raise StorageUnavailableError("table service unreachable")


async def test_an_outage_is_not_retried_over_the_sdks_retries() -> None:
    clock = FakeClock()
    store = OutageStore()
    with pytest.raises(StorageUnavailableError):
        await store_rotated_pair(store, OLD, NEW, NOW, clock=clock, sleep=clock.sleep)
    assert store.attempts == 1 and clock.now == 0


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
    # throttling, 5xx and an unreachable service were the SDK policy's to retry
    assert not is_retryable(StorageError("503", status=503)) and not is_retryable(
        StorageUnavailableError("x")
    )
    assert not is_retryable(ValueError("no"))
