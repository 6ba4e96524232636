"""The activity store, the sync state and the rate budget row on Azurite."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from storage import ActivityStore, RateBudgetStore, SyncState, SyncStateStore, activity_body
from storage.history import IndexEntry


def table() -> str:
    return "t" + uuid.uuid4().hex[:12]


def activity(activity_id: int, start: str, name: str = "Run") -> dict[str, Any]:
    return {
        "id": activity_id,
        "name": name,
        "start_date": start,
        "start_date_local": start.removesuffix("Z"),
        "sport_type": "Run",
        "distance_m": 1000.0 + activity_id % 7,
        "moving_time_s": 600,
        "elevation_gain_m": 3.0,
    }


async def test_put_is_idempotent_and_queries_by_start_and_scan(service):
    store = ActivityStore(service, table())
    items = [activity(10**10 + n, f"2026-0{1 + n % 9}-01T07:00:00Z") for n in range(250)]  # 3 batches
    await store.put(7, items, "scan-a")
    await store.put(7, items, "scan-a")
    await store.put(8, [activity(1, "2026-01-01T00:00:00Z")], "scan-a")
    assert sorted(a["id"] for a in await store.all(7)) == sorted(a["id"] for a in items)
    assert len(await store.all(8)) == 1

    since = await store.started_since(7, datetime(2026, 9, 1, tzinfo=timezone.utc))
    assert set(since) == {a["id"] for a in items if a["start_date"].startswith("2026-09")}

    await store.put(7, [replace_name(items[0], "renamed")], "scan-b")
    before = int(datetime(2026, 3, 1, tzinfo=timezone.utc).timestamp())
    unseen = await store.not_seen_by(7, "scan-b", before=before)
    assert set(unseen) == {a["id"] for a in items[1:] if a["start_date"] < "2026-03"}
    assert next(a for a in await store.all(7) if a["id"] == items[0]["id"])["name"] == "renamed"


def replace_name(item: dict[str, Any], name: str) -> dict[str, Any]:
    return {**item, "name": name}


async def test_delete_counts_only_what_was_stored(service):
    store = ActivityStore(service, table())
    await store.put(7, [activity(5, "2026-01-01T00:00:00Z")], "")
    assert await store.delete(7, [5, 6]) == 1
    assert await store.delete(7, [5]) == 0
    assert await store.all(7) == []


async def test_sync_state_updates_survive_concurrent_writers(service):
    store = SyncStateStore(service, table())
    assert await store.get(7) == SyncState()

    async def bump(_: int) -> None:
        await store.update(7, lambda state: replace(state, next_page=state.next_page + 1))

    await asyncio.gather(*(bump(n) for n in range(10)))
    assert (await store.get(7)).next_page == 11


async def test_budget_changes_are_atomic(service):
    store = RateBudgetStore(service, table())
    assert await store.read() is None

    def add(raw):
        count = (raw or {"n": 0})["n"] + 1
        return {"n": count}, count

    results = await asyncio.gather(*(store.change(add) for _ in range(10)))
    assert sorted(results) == list(range(1, 11))
    assert await store.read() == {"n": 10}


async def index_of(store: ActivityStore, athlete_id: int) -> dict[int, IndexEntry]:
    return {entry.id: entry for entry in await store.index(athlete_id)}


async def test_the_index_follows_every_write_and_concurrent_writers(service):
    store = ActivityStore(service, table())
    items = [activity(10**10 + n, f"2026-0{1 + n % 9}-01T07:00:00Z") for n in range(250)]
    await asyncio.gather(store.put(7, items[:130], "scan-a"), store.put(7, items[130:], "scan-a"))
    await store.put(7, [replace_name(items[3], "renamed"), {**items[4], "distance_m": 5.0}], "scan-a")
    assert await store.delete(7, [items[0]["id"], items[1]["id"], 12345]) == 2
    stored = await store.all(7)
    assert await index_of(store, 7) == {item["id"]: IndexEntry.of(item) for item in stored}
    assert (await index_of(store, 7))[items[4]["id"]].distance_m == 5.0
    newest = await store.newest(7, 5, await store.index(7))
    want = sorted(stored, key=lambda a: (a["start_date"], a["id"]), reverse=True)[:5]
    assert newest == want


async def test_a_partition_stored_before_the_index_gets_one_built_once(service):
    name = table()
    store = ActivityStore(service, name)
    items = [activity(100 + n, "2026-05-01T07:00:00Z") for n in range(3)]
    raw = await service.checked_table(name)
    for item in items:  # rows as the store wrote them before it kept an index
        await raw.upsert(
            {"PartitionKey": "7", "RowKey": str(item["id"]), "Body": activity_body(item), "Scan": ""}
        )
    assert await index_of(store, 7) == {item["id"]: IndexEntry.of(item) for item in items}
    assert await raw.get("7", "index") is not None
    assert await store.delete(7, [100]) == 1
    assert set(await index_of(store, 7)) == {101, 102}
    assert await store.delete_athlete(7) == 2  # and the index with them
    assert await store.index(7) == [] and await store.all(7) == []
