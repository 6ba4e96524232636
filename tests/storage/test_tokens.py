from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from storage import (
    ConcurrencyConflictError,
    InvalidKeyError,
    TableService,
    TokenRecord,
    TokenStatus,
    TokenStore,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
ACCESS = "access-SECRET-aaaa"
REFRESH = "refresh-SECRET-rrrr"


def record(athlete_id: int = 1234, **changes: object) -> TokenRecord:
    base = TokenRecord(
        athlete_id=athlete_id,
        access_token=ACCESS,
        refresh_token=REFRESH,
        expires_at=2**33,  # beyond Int32, beyond 2038
        scopes=frozenset({"read", "activity:read_all"}),
        status=TokenStatus.ACTIVE,
        publish_consent=True,
        updated_at=NOW,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
async def store(service: TableService, table_prefix: str) -> TokenStore:
    return TokenStore(service, table_prefix + "tokens")


async def test_replace_then_get_round_trips(store: TokenStore) -> None:
    assert await store.get(1234) is None
    written = await store.replace(record())
    assert written.etag
    read = await store.get(1234)
    assert read == written
    assert read is not None
    assert read.updated_at.tzinfo is not None
    assert type(read.updated_at) is datetime


async def test_update_with_current_etag_succeeds_and_changes_etag(store: TokenStore) -> None:
    first = await store.replace(record())
    second = await store.update(dataclasses.replace(first, refresh_token="rotated-1", expires_at=99))
    assert second.etag != first.etag
    assert await store.get(1234) == second


async def test_stale_etag_loses_and_newer_refresh_token_survives(store: TokenStore) -> None:
    read = await store.replace(record())
    newer = await store.update(dataclasses.replace(read, refresh_token="newer"))
    with pytest.raises(ConcurrencyConflictError) as caught:
        await store.update(dataclasses.replace(read, refresh_token="stale"))
    assert "stale" not in str(caught.value)
    assert caught.value.__context__ is None
    stored = await store.get(1234)
    assert stored is not None
    assert stored.refresh_token == "newer"
    assert stored.etag == newer.etag


async def test_two_writers_racing_from_the_same_read_exactly_one_wins(store: TokenStore) -> None:
    read = await store.replace(record())
    outcomes = await asyncio.gather(
        *(store.update(dataclasses.replace(read, refresh_token=f"writer-{i}")) for i in range(6)),
        return_exceptions=True,
    )
    winners = [o for o in outcomes if isinstance(o, TokenRecord)]
    assert len(winners) == 1
    assert all(isinstance(o, ConcurrencyConflictError) for o in outcomes if o not in winners)
    stored = await store.get(1234)
    assert stored is not None
    assert stored.refresh_token == winners[0].refresh_token


async def test_update_needs_an_etag_and_a_row(store: TokenStore) -> None:
    with pytest.raises(ValueError, match="etag"):
        await store.update(record())
    with pytest.raises(ConcurrencyConflictError):
        await store.update(record(etag="W/\"datetime'2024-01-01T00%3A00%3A00Z'\""))
    assert await store.get(1234) is None


async def test_list_athletes_returns_every_record(store: TokenStore) -> None:
    for athlete_id in (3, 1, 2**40):
        await store.replace(
            record(athlete_id, status=TokenStatus.REAUTHORIZATION_REQUIRED, scopes=frozenset())
        )
    listed = await store.list_athletes()
    assert [r.athlete_id for r in listed] == [1, 3, 2**40]
    assert all(r.scopes == frozenset() and r.status is TokenStatus.REAUTHORIZATION_REQUIRED for r in listed)


async def test_tokens_never_in_repr_or_str(store: TokenStore) -> None:
    stored = await store.replace(record())
    for text in (repr(stored), str(stored), repr(store), repr([stored])):
        assert ACCESS not in text
        assert REFRESH not in text
    assert "1234" in repr(stored)


def test_record_validation() -> None:
    with pytest.raises(InvalidKeyError):
        record(athlete_id=0)
    with pytest.raises(ValueError, match="timezone-aware"):
        record(updated_at=datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="comma"):
        record(scopes=frozenset({"read,write"}))
    shifted = record(updated_at=NOW.astimezone(timezone(timedelta(hours=2))))
    assert shifted.updated_at.utcoffset() == timedelta(0)
    assert shifted.updated_at == NOW


async def test_a_refresh_request_is_kept_beside_the_grant_without_touching_it(store: TokenStore) -> None:
    stored = await store.replace(record())
    assert await store.refresh_requested_at(1234) is None
    await store.request_refresh(1234, NOW)
    await store.request_refresh(1234, NOW + timedelta(seconds=5))  # the latest request counts
    assert await store.refresh_requested_at(1234) == NOW + timedelta(seconds=5)
    again = await store.get(1234)
    assert again is not None and again.etag == stored.etag  # the grant's ETag is untouched
    assert [r.athlete_id for r in await store.list_athletes()] == [1234]  # not an athlete of its own
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.request_refresh(1234, datetime(2024, 1, 1))
