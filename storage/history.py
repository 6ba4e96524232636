"""The per-athlete activity store and its sync state.

Activities: one entity per published activity (PartitionKey = athlete id, RowKey = activity id) with
the public JSON as ``Body``, its ``StartDate`` and the ``Scan`` that last saw it; writes are upserts,
so a retried page writes the same rows again. Only what the privacy filter publishes is ever given to
this store. Beside them, in the same partition, the ``index`` row holds what the aggregates need of
every stored activity (:class:`IndexEntry`, gzipped); each write changes it in the same transaction
as the activities it writes, so a save reads one row instead of the whole partition.
Sync state: one row per athlete (the backfill/re-scan cursor, the newest start stored, the
cached public athlete), changed by read-modify-write conditional on its ETag.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from typing import Any

from azure.core import MatchConditions
from azure.data.tables import UpdateMode

from storage.errors import ConcurrencyConflictError, EntityExistsError
from storage.keys import athlete_key
from storage.limits import MAX_BATCH_BYTES, MAX_BATCH_OPERATIONS, SYSTEM_PROPERTIES, batch_payload_size
from storage.properties import etag_of, plain_value, read_int, read_str, require_utc
from storage.retry import RACES, retrying
from storage.snapshot_codec import chunk_properties, compress, content_etag, read_body, split_chunks
from storage.tables import CheckedTable, TableService
from timestamps import parse_utc

BATCH = MAX_BATCH_OPERATIONS  # Table Storage's per-transaction maximum
INDEX_ROW = "index"  # never an activity's key (those are decimal ids)
SYNC_ROW = "sync"
UPDATE_ATTEMPTS = 20


def activity_body(item: Mapping[str, Any]) -> str:
    """The stored text of a public activity (compare with it to tell a changed activity)."""
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _activity_key(activity_id: int) -> str:
    return athlete_key(int(activity_id))  # the same rule: a positive int64 in canonical decimal


@dataclass(frozen=True)
class IndexEntry:
    """What the aggregates and the newest-first order need of one stored activity."""

    id: int
    start: int  # epoch seconds of start_date (UTC)
    start_date: str
    start_date_local: str
    sport_type: str | None
    distance_m: float | None
    moving_time_s: int | None
    elevation_gain_m: float | None

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> IndexEntry:
        return cls(
            id=int(item["id"]),
            start=int(parse_utc(str(item["start_date"])).timestamp()),
            start_date=str(item["start_date"]),
            start_date_local=str(item["start_date_local"]),
            sport_type=item.get("sport_type"),
            distance_m=item.get("distance_m"),
            moving_time_s=item.get("moving_time_s"),
            elevation_gain_m=item.get("elevation_gain_m"),
        )

    def fields(self) -> dict[str, Any]:
        """The entry in the public activity's own field names (what ``HistoryActivity.from_public`` reads)."""
        return asdict(self)


@dataclass(frozen=True)
class _Index:
    entries: dict[int, IndexEntry]
    row_etag: str | None  # None: no index row yet


def _index_row(key: str, entries: Mapping[int, IndexEntry]) -> dict[str, Any]:
    rows = [list(asdict(entry).values()) for entry in sorted(entries.values(), key=lambda e: e.id)]
    body = json.dumps(rows, separators=(",", ":")).encode()
    chunks = split_chunks(compress(body))
    return {
        "PartitionKey": key,
        "RowKey": INDEX_ROW,
        "Size": len(body),
        "ContentHash": content_etag(body),
        "ChunkCount": len(chunks),
        **chunk_properties(chunks),
    }


def _read_index(entity: Mapping[str, Any]) -> dict[int, IndexEntry]:
    body = read_body(
        entity, read_int(entity, "ChunkCount"), read_int(entity, "Size"), read_str(entity, "ContentHash")
    )
    entries = (IndexEntry(*row) for row in json.loads(body))
    return {entry.id: entry for entry in entries}


def _index_operation(key: str, index: _Index, entries: Mapping[int, IndexEntry]) -> tuple[Any, ...]:
    row = _index_row(key, entries)
    if index.row_etag is None:
        return ("create", row)
    options = {
        "mode": UpdateMode.REPLACE,
        "etag": index.row_etag,
        "match_condition": MatchConditions.IfNotModified,
    }
    return ("update", row, options)


class ActivityStore:
    """Published activities of every athlete, one table."""

    def __init__(self, service: TableService, table_name: str) -> None:
        self._service = service
        self._table_name = table_name

    async def put(self, athlete_id: int, activities: Sequence[Mapping[str, Any]], scan: str) -> None:
        """Insert or replace each (public) activity, marked as seen by ``scan``, with the index in the
        same transaction (as many activities per transaction as fit beside it)."""
        table = await self._service.checked_table(self._table_name)
        key = athlete_key(athlete_id)
        rows = [
            {
                "PartitionKey": key,
                "RowKey": _activity_key(item["id"]),
                "Body": activity_body(item),
                "StartDate": require_utc(parse_utc(str(item["start_date"])), "start_date"),
                "Scan": scan,
            }
            for item in activities
        ]
        entries = [IndexEntry.of(item) for item in activities]
        while rows:
            taken = await retrying(functools.partial(self._put_batch, table, key, rows, entries), RACES)
            rows, entries = rows[taken:], entries[taken:]

    async def _put_batch(
        self, table: CheckedTable, key: str, rows: Sequence[dict[str, Any]], entries: Sequence[IndexEntry]
    ) -> int:
        """Write the first rows that fit one transaction beside the index; returns how many."""
        index = await self._index(table, key)
        room = MAX_BATCH_BYTES // 2 - batch_payload_size(_index_row(key, index.entries))
        batch: list[tuple[Any, ...]] = []
        for row in rows[: BATCH - 1]:
            room -= batch_payload_size(row)
            if batch and room < 0:
                break
            batch.append(("upsert", row, {"mode": UpdateMode.REPLACE}))
        changed = {**index.entries, **{entry.id: entry for entry in entries[: len(batch)]}}
        await table.submit([*batch, _index_operation(key, index, changed)])
        return len(batch)

    async def delete(self, athlete_id: int, activity_ids: Sequence[int]) -> int:
        """Remove these activities if stored (the index says which are), with the index in the same
        transaction; returns how many were."""
        table = await self._service.checked_table(self._table_name)
        key = athlete_key(athlete_id)

        async def attempt() -> int:
            index = await self._index(table, key)
            stored = sorted({int(a) for a in activity_ids} & set(index.entries))
            if not stored:
                return 0
            batch = stored[: BATCH - 1]
            remaining = {n: entry for n, entry in index.entries.items() if n not in batch}
            operations = [("delete", {"PartitionKey": key, "RowKey": _activity_key(n)}) for n in batch]
            await table.submit([*operations, _index_operation(key, index, remaining)])
            return len(batch)

        removed = 0
        while taken := await retrying(attempt, RACES):
            removed += taken
        return removed

    async def index(self, athlete_id: int) -> list[IndexEntry]:
        """What the aggregates need of every stored activity: one row read, whatever the history's size."""
        table = await self._service.checked_table(self._table_name)
        return list((await self._index(table, athlete_key(athlete_id))).entries.values())

    async def newest(self, athlete_id: int, count: int, index: Sequence[IndexEntry]) -> list[dict[str, Any]]:
        """The ``count`` newest stored activities (public dicts, newest first), found through ``index``:
        one query for about ``count`` rows."""
        ordered = sorted(index, key=lambda entry: (entry.start, entry.id), reverse=True)[:count]
        if not ordered:
            return []
        wanted = {entry.id for entry in ordered}
        since = datetime.fromtimestamp(ordered[-1].start, timezone.utc)
        bodies = await self.started_since(athlete_id, since)
        return [
            json.loads(bodies[entry.id]) for entry in ordered if entry.id in wanted and entry.id in bodies
        ]

    async def _index(self, table: CheckedTable, key: str) -> _Index:
        """The stored index; for a partition written before the index existed (or never), built from the
        whole partition once and stored."""
        entity = await table.get(key, INDEX_ROW)
        if entity is not None:
            return _Index(_read_index(entity), etag_of(entity))
        rows = await table.query("PartitionKey eq @pk", {"pk": key}, select=("RowKey", "Body"))
        entries = {
            entry.id: entry
            for entry in (
                IndexEntry.of(json.loads(read_str(row, "Body"))) for row in rows if row["RowKey"] != INDEX_ROW
            )
        }
        if not entries:
            return _Index({}, None)
        try:
            etag = await table.insert(_index_row(key, entries))
        except EntityExistsError:  # another writer built it meanwhile
            return await self._index(table, key)
        return _Index(entries, etag)

    async def delete_athlete(self, athlete_id: int) -> int:
        """Remove every stored activity of the athlete (deauthorization); returns how many there were."""
        table = await self._service.checked_table(self._table_name)
        key = athlete_key(athlete_id)
        rows = await table.query("PartitionKey eq @pk", {"pk": key}, select=("RowKey",))
        keys = [{"PartitionKey": key, "RowKey": str(row["RowKey"])} for row in rows]
        for first in range(0, len(keys), BATCH):
            await table.submit([("delete", row) for row in keys[first : first + BATCH]])
        return sum(row["RowKey"] != INDEX_ROW for row in keys)

    async def all(self, athlete_id: int) -> list[dict[str, Any]]:
        """Every stored activity of the athlete (public dicts, in no particular order)."""
        table = await self._service.checked_table(self._table_name)
        rows = await table.query(
            "PartitionKey eq @pk", {"pk": athlete_key(athlete_id)}, select=("RowKey", "Body")
        )
        return [json.loads(read_str(row, "Body")) for row in rows if row["RowKey"] != INDEX_ROW]

    async def started_since(self, athlete_id: int, since: datetime) -> dict[int, str]:
        """Bodies by activity id of the activities starting at or after ``since``."""
        table = await self._service.checked_table(self._table_name)
        rows = await table.query(
            "PartitionKey eq @pk and StartDate ge @since",
            {"pk": athlete_key(athlete_id), "since": require_utc(since, "since")},
            select=("RowKey", "Body"),
        )
        return {int(row["RowKey"]): read_str(row, "Body") for row in rows}

    async def not_seen_by(self, athlete_id: int, scan: str, *, before: int) -> list[int]:
        """Ids of stored activities started before ``before`` (epoch s) that the scan ``scan`` did not
        see: deleted on Strava or no longer published. Later ones were stored after the scan began."""
        table = await self._service.checked_table(self._table_name)
        rows = await table.query(
            "PartitionKey eq @pk and Scan ne @scan and StartDate lt @before",
            {
                "pk": athlete_key(athlete_id),
                "scan": scan,
                "before": datetime.fromtimestamp(before, timezone.utc),
            },
            select=("RowKey",),
        )
        return [int(row["RowKey"]) for row in rows]


@dataclass(frozen=True)
class SyncState:
    """Where an athlete's history sync stands (JSON-safe values only)."""

    mode: str = ""  # "backfill" or "rescan" while one runs, else ""
    scan: str = ""  # id of the running (or last) full scan
    next_page: int = 1
    before: int = 0  # epoch seconds: the running scan's next page holds activities started before this
    complete: bool = False  # a full scan has finished at least once
    last_full_scan_at: str = ""  # ISO-8601 UTC
    newest_start: int = 0  # epoch seconds of the newest stored start (0: none)
    synced_at: str = ""  # when a sync last changed the stored history
    athlete: str = ""  # the cached public athlete (JSON), fetched by the first snapshot and re-scans

    def public_athlete(self) -> dict[str, Any] | None:
        return json.loads(self.athlete) if self.athlete else None


_STATE_FIELDS = tuple(SyncState.__dataclass_fields__)


class SyncStateStore:
    """One sync-state row per athlete (PartitionKey = athlete id, RowKey = "sync")."""

    def __init__(self, service: TableService, table_name: str) -> None:
        self._service = service
        self._table_name = table_name

    async def get(self, athlete_id: int) -> SyncState:
        table = await self._service.checked_table(self._table_name)
        entity = await table.get(athlete_key(athlete_id), SYNC_ROW)
        return SyncState() if entity is None else _state(entity)

    async def delete(self, athlete_id: int) -> None:
        """Forget the athlete's sync state (deauthorization)."""
        table = await self._service.checked_table(self._table_name)
        await table.delete(athlete_key(athlete_id), SYNC_ROW)  # the SDK ignores a missing row

    async def update(self, athlete_id: int, change: Callable[[SyncState], SyncState]) -> SyncState:
        """Apply ``change`` to the stored state (retried on a concurrent write); returns the new state."""
        table = await self._service.checked_table(self._table_name)
        key = athlete_key(athlete_id)
        for attempt in range(UPDATE_ATTEMPTS):
            entity = await table.get(key, SYNC_ROW)
            current = SyncState() if entity is None else _state(entity)
            new = change(current)
            if new == current and entity is not None:
                return current
            row = {"PartitionKey": key, "RowKey": SYNC_ROW, **asdict(new)}
            try:
                if entity is None:
                    await table.insert(row)
                else:
                    await table.update(row, etag_of(entity))
                return new
            except (ConcurrencyConflictError, EntityExistsError):
                await asyncio.sleep(random.uniform(0, 0.005 * (attempt + 1)))
        raise ConcurrencyConflictError(f"sync state update lost {UPDATE_ATTEMPTS} races in a row")


def _state(entity: Mapping[str, Any]) -> SyncState:
    values = {
        n: plain_value(v) for n, v in entity.items() if n not in SYSTEM_PROPERTIES and n in _STATE_FIELDS
    }
    return replace(SyncState(), **values)
