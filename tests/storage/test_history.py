"""The activity store, the sync state and the rate budget row on Azurite."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from storage import ActivityStore, RateBudgetStore, SyncState, SyncStateStore


def table() -> str:
    return "t" + uuid.uuid4().hex[:12]


def activity(activity_id: int, start: str, name: str = "Run") -> dict[str, Any]:
    return {"id": activity_id, "name": name, "start_date": start, "sport_type": "Run"}


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
