"""The public read cache's rules, with counting fake stores, a hand-moved clock and held reads."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import brotli
import pytest

import read_cache
from read_cache import Publication, PublicReadCache, invalidate_public_reads, publish_saved_snapshot
from storage import SnapshotInfo, StorageUnavailableError, StoredSnapshot, TokenRecord, TokenStatus
from storage.snapshot_codec import content_etag

NOW = datetime(2026, 11, 24, 21, 38, 5, tzinfo=timezone.utc)
ATHLETE = 78469571


def record(athlete_id: int = ATHLETE, **changes: Any) -> TokenRecord:
    base = TokenRecord(
        athlete_id, "access", "refresh", 2_000_000_000, frozenset({"read"}), TokenStatus.ACTIVE, True, NOW
    )
    return dataclasses.replace(base, **changes)


def stored(body: bytes, generation: int = 1) -> StoredSnapshot:
    return StoredSnapshot(ATHLETE, content_etag(body), generation, NOW, len(body), body=body)


class FakeStores:
    """Token and snapshot reads from dicts; every read counted; ``hold`` parks reads until released."""

    def __init__(self) -> None:
        self.tokens: dict[int, TokenRecord] = {ATHLETE: record()}
        self.snapshots: dict[int, StoredSnapshot] = {ATHLETE: stored(b'{"schema_version":1}')}
        self.reads: Counter[str] = Counter()
        self.hold: asyncio.Event | None = None
        self.reading = asyncio.Event()  # set once a read is parked on ``hold``
        self.failing = False

    async def _read(self, kind: str) -> None:
        self.reads[kind] += 1
        if self.hold is not None:
            self.reading.set()
            await self.hold.wait()
        if self.failing:
            raise StorageUnavailableError("table service unreachable")

    async def get(self, athlete_id: int) -> TokenRecord | None:
        await self._read("token")
        return self.tokens.get(athlete_id)

    async def list_athletes(self) -> list[TokenRecord]:
        await self._read("list")
        return list(self.tokens.values())

    async def head(self, athlete_id: int) -> SnapshotInfo | None:
        await self._read("head")
        return self.snapshots.get(athlete_id)

    async def load(self, athlete_id: int) -> StoredSnapshot | None:
        await self._read("load")
        return self.snapshots.get(athlete_id)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def stores() -> FakeStores:
    return FakeStores()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(stores: FakeStores, clock: Clock) -> PublicReadCache:
    return PublicReadCache(stores, stores, revalidate_seconds=5, clock=clock)


async def test_a_warm_hit_touches_no_storage(
    cache: PublicReadCache, stores: FakeStores, clock: Clock
) -> None:
    first = await cache.view(ATHLETE)
    assert first.publication is Publication.PUBLISHED
    assert stores.reads == {"token": 1, "load": 1}
    clock.now += 4.9
    for _ in range(100):
        assert await cache.view(ATHLETE) is first
    assert stores.reads == {"token": 1, "load": 1}


async def test_revalidation_reads_only_metadata_while_the_snapshot_is_unchanged(
    cache: PublicReadCache, stores: FakeStores, clock: Clock
) -> None:
    first = await cache.view(ATHLETE)
    clock.now += 5
    again = await cache.view(ATHLETE)
    assert again.snapshot is first.snapshot
    assert stores.reads == {"token": 2, "head": 1, "load": 1}

    stores.snapshots[ATHLETE] = stored(b'{"schema_version":1,"new":true}', generation=2)
    clock.now += 5
    changed = await cache.view(ATHLETE)
    assert changed.snapshot is not None and changed.snapshot.generation == 2
    assert stores.reads == {"token": 3, "head": 2, "load": 2}


async def test_every_coding_decodes_to_the_stored_bytes(cache: PublicReadCache, stores: FakeStores) -> None:
    view = await cache.view(ATHLETE)
    assert view.snapshot is not None
    body = stores.snapshots[ATHLETE].body
    assert gzip.decompress(view.snapshot.encoded["gzip"]) == body
    assert brotli.decompress(view.snapshot.encoded["br"]) == body


@pytest.mark.parametrize(
    ("change", "publication"),
    [
        ({"publish_consent": False}, Publication.NOT_PUBLISHED),
        ({"status": TokenStatus.REAUTHORIZATION_REQUIRED}, Publication.NOT_CONNECTED),
    ],
)
async def test_an_invalidation_in_this_process_takes_effect_at_once(
    cache: PublicReadCache, stores: FakeStores, change: dict[str, Any], publication: Publication
) -> None:
    assert (await cache.view(ATHLETE)).publication is Publication.PUBLISHED
    stores.tokens[ATHLETE] = record(**change)
    assert (await cache.view(ATHLETE)).publication is Publication.PUBLISHED  # cached, as designed
    invalidate_public_reads(ATHLETE)
    view = await cache.view(ATHLETE)
    assert (view.publication, view.snapshot) == (publication, None)


async def test_deleted_data_is_gone_after_invalidation(cache: PublicReadCache, stores: FakeStores) -> None:
    await cache.view(ATHLETE)
    assert await cache.default_athlete() == ATHLETE
    del stores.tokens[ATHLETE], stores.snapshots[ATHLETE]
    invalidate_public_reads(ATHLETE)
    assert (await cache.view(ATHLETE)).publication is Publication.UNKNOWN_ATHLETE
    assert await cache.default_athlete() is None


async def test_a_snapshot_saved_here_is_served_at_once_and_outlives_an_outage_after_it(
    cache: PublicReadCache, stores: FakeStores, clock: Clock
) -> None:
    await cache.view(ATHLETE)
    newer = stores.snapshots[ATHLETE] = stored(b'{"schema_version":1,"saved":"now"}', generation=2)
    await publish_saved_snapshot(newer)
    stores.failing = True  # storage goes down right after the save
    reads = sum(stores.reads.values())
    view = await cache.view(ATHLETE)
    assert view.snapshot is not None and view.snapshot.body == newer.body
    assert sum(stores.reads.values()) == reads  # served from the replaced copy, no storage read
    clock.now += 5  # past the interval: revalidation fails, the saved copy is the fallback
    assert (await cache.view(ATHLETE)).snapshot == view.snapshot


async def test_a_save_never_brings_back_what_consent_withdrew_or_an_older_generation(
    cache: PublicReadCache, stores: FakeStores
) -> None:
    first = await cache.view(ATHLETE)
    assert first.snapshot is not None and first.snapshot.generation == 1
    await publish_saved_snapshot(stored(b'{"old":true}', generation=0))  # a run that lost a race
    reads = stores.reads["token"]
    assert (await cache.view(ATHLETE)).snapshot == first.snapshot  # the stored one, not the older save
    assert stores.reads["token"] == reads + 1  # forgotten and read again
    stores.tokens[ATHLETE] = record(publish_consent=False)
    invalidate_public_reads(ATHLETE)  # consent withdrawn
    await publish_saved_snapshot(stored(b'{"after":"consent"}', generation=3))
    stores.failing = True
    with pytest.raises(StorageUnavailableError):  # nothing published held: fails closed, no copy
        await cache.view(ATHLETE)


async def test_other_writers_are_seen_within_the_interval(
    cache: PublicReadCache, stores: FakeStores, clock: Clock
) -> None:
    await cache.view(ATHLETE)
    stores.tokens[ATHLETE] = record(publish_consent=False)  # another instance wrote it
    clock.now += 4.99
    assert (await cache.view(ATHLETE)).publication is Publication.PUBLISHED
    clock.now += 0.01
    assert (await cache.view(ATHLETE)).publication is Publication.NOT_PUBLISHED


async def test_concurrent_misses_share_one_storage_read(cache: PublicReadCache, stores: FakeStores) -> None:
    stores.hold = asyncio.Event()
    readers = [asyncio.create_task(cache.view(ATHLETE)) for _ in range(50)]
    await stores.reading.wait()
    stores.hold.set()
    views = await asyncio.gather(*readers)
    assert {id(view) for view in views} == {id(views[0])}
    assert stores.reads == {"token": 1, "load": 1}


async def test_a_read_under_way_when_invalidated_is_not_kept(
    cache: PublicReadCache, stores: FakeStores
) -> None:
    stores.hold = asyncio.Event()
    before = asyncio.create_task(cache.view(ATHLETE))
    await stores.reading.wait()
    stores.tokens[ATHLETE] = record(publish_consent=False)  # the write lands after the read began...
    invalidate_public_reads(ATHLETE)  # ...and invalidates
    after = asyncio.create_task(cache.view(ATHLETE))  # does not join the older read
    stores.hold.set()
    await before
    assert (await after).publication is Publication.NOT_PUBLISHED
    assert (await cache.view(ATHLETE)).publication is Publication.NOT_PUBLISHED


async def test_a_storage_failure_serves_the_last_answer_for_another_interval(
    cache: PublicReadCache, stores: FakeStores, clock: Clock
) -> None:
    good = await cache.view(ATHLETE)
    stores.failing = True
    clock.now += 5
    assert await cache.view(ATHLETE) is good
    reads = sum(stores.reads.values())
    clock.now += 4
    assert await cache.view(ATHLETE) is good
    assert sum(stores.reads.values()) == reads  # no storage hammering during the outage
    with pytest.raises(StorageUnavailableError):
        await cache.view(ATHLETE + 1)  # nothing to fall back on


async def test_unknown_ids_cannot_grow_the_cache_without_bound(
    cache: PublicReadCache, stores: FakeStores
) -> None:
    await cache.view(ATHLETE)
    for athlete_id in range(1, read_cache.MAX_ENTRIES + 50):
        assert (await cache.view(athlete_id + 10**9)).publication is Publication.UNKNOWN_ATHLETE
        await cache.view(ATHLETE)  # read all along: never the one forgotten
    assert len(cache._entries) == read_cache.MAX_ENTRIES
    assert stores.reads["load"] == 1


async def test_a_flood_of_unknown_ids_does_not_push_out_a_published_snapshot(
    cache: PublicReadCache, stores: FakeStores, clock: Clock
) -> None:
    """A published view holds the snapshot compressed at brotli's best (~0.3 s for a 190 kB document):
    forgetting it for ids that hold nothing would let any client make the next page view load and
    compress it again, as often as it sends MAX_ENTRIES requests."""
    first = await cache.view(ATHLETE)
    for athlete_id in range(1, 3 * read_cache.MAX_ENTRIES):
        assert (await cache.view(athlete_id + 10**9)).publication is Publication.UNKNOWN_ATHLETE
    assert len(cache._entries) == read_cache.MAX_ENTRIES
    assert await cache.view(ATHLETE) is first
    clock.now += 5
    assert (await cache.view(ATHLETE)).snapshot is first.snapshot  # revalidated by its metadata
    assert stores.reads["load"] == 1


async def test_zero_seconds_revalidates_every_read(stores: FakeStores, clock: Clock) -> None:
    cache = PublicReadCache(stores, stores, revalidate_seconds=0, clock=clock)
    await cache.view(ATHLETE)
    await cache.view(ATHLETE)
    assert stores.reads["token"] == 2


async def test_slow_storage_serves_the_last_answer_and_nobody_queues_behind_it(
    cache: PublicReadCache, stores: FakeStores, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read_cache, "READ_DEADLINE_S", 0.01)
    good = await cache.view(ATHLETE)
    stores.hold = asyncio.Event()  # storage hangs: the revalidation never ends on its own
    clock.now += 5
    assert await cache.view(ATHLETE) is good  # the deadline passed: the last answer
    reads = sum(stores.reads.values())
    for _ in range(20):
        assert await cache.view(ATHLETE) is good  # at once: the revalidation is still under way
    assert sum(stores.reads.values()) == reads
    stores.hold.set()  # storage answers: the background read fills the cache
    await asyncio.gather(*cache._pending.values())
    assert await cache.view(ATHLETE) is not good


async def test_a_cold_read_on_hanging_storage_fails_at_the_deadline(
    cache: PublicReadCache, stores: FakeStores, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read_cache, "COLD_READ_DEADLINE_S", 0.01)
    stores.hold = asyncio.Event()
    with pytest.raises(StorageUnavailableError):
        await cache.view(ATHLETE)
    with pytest.raises(StorageUnavailableError):
        await cache.default_athlete()
    stores.hold.set()
    await asyncio.gather(*cache._pending.values())
    assert (await cache.view(ATHLETE)).publication is Publication.PUBLISHED  # filled meanwhile
