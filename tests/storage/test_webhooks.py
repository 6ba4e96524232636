"""The webhook store on Azurite: the subscription row, duplicate receipts (also when racing) and the
deletion of an athlete's data after deauthorization."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from storage import (
    DiagnosticsStore,
    SnapshotStore,
    StoredSubscription,
    TableService,
    TokenRecord,
    TokenStatus,
    TokenStore,
    WebhookStore,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
async def store(service: TableService, table_prefix: str) -> WebhookStore:
    return WebhookStore(service, table_prefix + "webhooks")


async def test_the_subscription_round_trips_and_clears(store: WebhookStore) -> None:
    assert await store.subscription() is None
    await store.save_subscription(StoredSubscription(120475, "https://app.example/api/strava/webhook", NOW))
    assert await store.subscription() == StoredSubscription(
        120475, "https://app.example/api/strava/webhook", NOW
    )
    await store.clear_subscription()
    await store.clear_subscription()  # idempotent
    assert await store.subscription() is None


async def test_a_receipt_is_new_once_even_when_deliveries_race(store: WebhookStore) -> None:
    results = await asyncio.gather(*(store.record_event(42, "f" * 64, NOW) for _ in range(8)))
    assert sorted(results) == [False] * 7 + [True]
    assert await store.record_event(42, "e" * 64, NOW)
    assert await store.record_event(43, "f" * 64, NOW)  # another athlete's event
    await store.forget_event(42, "f" * 64)
    assert await store.record_event(42, "f" * 64, NOW)  # a retry counts again after a failed hand-on


async def test_old_receipts_are_purged_and_an_athletes_receipts_deleted(store: WebhookStore) -> None:
    await store.save_subscription(StoredSubscription(1, "https://app.example/cb", NOW - timedelta(days=9)))
    await store.record_event(42, "a" * 64, NOW - timedelta(days=2))
    await store.record_event(42, "b" * 64, NOW)
    await store.record_event(43, "c" * 64, NOW)
    assert await store.purge_receipts(NOW - timedelta(days=1)) == 1
    assert await store.subscription() is not None  # never purged
    assert await store.delete_athlete(42) == 1
    assert await store.record_event(42, "b" * 64, NOW)
    assert not await store.record_event(43, "c" * 64, NOW)


async def test_forgetting_an_athlete_erases_tokens_snapshot_and_facts(
    service: TableService, table_prefix: str
) -> None:
    tokens = TokenStore(service, table_prefix + "tokens")
    snapshots = SnapshotStore(service, table_prefix + "snapshots")
    facts = DiagnosticsStore(service, table_prefix + "diagnostics")
    assert await tokens.forget(42, NOW) is None
    record = TokenRecord(
        42, "access-1", "refresh-1", 2_000_000_000, frozenset({"read"}), TokenStatus.ACTIVE, True, NOW
    )
    await tokens.replace(record)
    await snapshots.save(42, b'{"x": 1}', NOW)
    await facts.record(42, {"last_snapshot_outcome": "saved"})

    forgotten = await tokens.forget(42, NOW + timedelta(minutes=1))
    assert forgotten is not None
    stored = await tokens.get(42)
    assert stored is not None
    assert (stored.access_token, stored.refresh_token, stored.status) == ("", "", TokenStatus.DEAUTHORIZED)
    assert (stored.publish_consent, stored.scopes, stored.expires_at) == (False, frozenset(), 0)
    assert await snapshots.delete(42) and not await snapshots.delete(42)
    assert await snapshots.head(42) is None
    await facts.delete(42)
    await facts.delete(42)
    assert await facts.read(42) == {}
