from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest

from storage import SnapshotStore, SnapshotTooLargeError, StorageLimitError, TableService
from storage.snapshot_codec import compress
from tests.storage.bodies import is_self_consistent, snapshot_body

KIB = 1024
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
async def store(service: TableService, table_prefix: str) -> SnapshotStore:
    return SnapshotStore(service, table_prefix + "snapshots")


@pytest.mark.parametrize("size_kib", [1, 300, 900])
async def test_round_trips_byte_for_byte(store: SnapshotStore, size_kib: int) -> None:
    body = snapshot_body(size_kib * KIB, seed=size_kib)
    assert len(compress(body)) > 64 * KIB or size_kib == 1  # really spans several properties
    saved = await store.save(7, body, T0)
    loaded = await store.load(7)
    assert loaded is not None
    assert loaded.body == body
    assert saved.body == body
    assert (loaded.etag, loaded.generation, loaded.size, loaded.generated_at) == (
        saved.etag,
        1,
        len(body),
        T0,
    )
    assert loaded.etag.startswith('"sha256-')
    assert loaded.etag.endswith('"')


async def test_generation_increments_and_etag_follows_content(store: SnapshotStore) -> None:
    first = await store.save(7, b'{"v":1}', T0)
    second = await store.save(7, b'{"v":2}', T0 + timedelta(hours=1))
    assert (first.generation, second.generation) == (1, 2)
    assert first.etag != second.etag
    head = await store.head(7)
    assert head is not None
    assert (head.generation, head.etag, head.size, head.generated_at) == (
        2,
        second.etag,
        7,
        second.generated_at,
    )
    assert await store.head(8) is None
    assert await store.load(8) is None


async def test_saving_the_same_body_again_is_a_no_op(store: SnapshotStore) -> None:
    body = snapshot_body(50 * KIB)
    first = await store.save(7, body, T0)
    again = await store.save(7, body, T0 + timedelta(minutes=5))
    assert again == first
    assert again.generation == 1
    assert again.generated_at == T0


async def test_too_large_raises_before_writing_and_previous_stays(store: SnapshotStore) -> None:
    previous = await store.save(7, snapshot_body(300 * KIB, marker="old"), T0)
    huge = snapshot_body(3 * 1024 * KIB, marker="huge", seed=3)
    with pytest.raises(SnapshotTooLargeError) as caught:
        await store.save(7, huge, T0 + timedelta(hours=1))
    assert isinstance(caught.value, StorageLimitError)
    assert caught.value.actual > caught.value.allowed
    loaded = await store.load(7)
    assert loaded is not None
    assert loaded.body == previous.body
    assert loaded.generation == 1
    with pytest.raises(SnapshotTooLargeError):
        await store.save(99, huge, T0)
    assert await store.head(99) is None


async def test_naive_generated_at_is_refused(store: SnapshotStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.save(7, b"{}", datetime(2024, 1, 1))


async def test_readers_racing_writers_only_see_whole_generations(store: SnapshotStore) -> None:
    writers, saves_each = 3, 5
    bodies = {
        f"w{w}s{s}": snapshot_body(120 * KIB, marker=f"w{w}s{s}", seed=w * 100 + s)
        for w in range(writers)
        for s in range(saves_each)
    }
    await store.save(7, snapshot_body(120 * KIB, marker="initial"), T0)
    done = asyncio.Event()
    seen: list[tuple[int, str]] = []

    async def write(w: int) -> None:
        for s in range(saves_each):
            await store.save(7, bodies[f"w{w}s{s}"], T0 + timedelta(seconds=s))

    async def read() -> None:
        last_generation = 0
        while not done.is_set():
            loaded = await store.load(7)
            assert loaded is not None
            assert is_self_consistent(loaded.body)
            marker = json.loads(loaded.body)["marker"]
            assert marker == "initial" or loaded.body == bodies[marker]
            assert loaded.generation >= last_generation
            last_generation = loaded.generation
            seen.append((loaded.generation, marker))

    readers = [asyncio.create_task(read()) for _ in range(3)]
    await asyncio.gather(*(write(w) for w in range(writers)))
    done.set()
    await asyncio.gather(*readers)
    final = await store.head(7)
    assert final is not None
    assert final.generation == 1 + writers * saves_each
    assert len({marker for _, marker in seen}) > 1  # readers really overlapped the writes
