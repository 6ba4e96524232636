"""The per-athlete activity store and its sync state.

Activities: one entity per published activity (PartitionKey = athlete id, RowKey = activity id) with
the public JSON as ``Body``, its ``StartDate`` and the ``Scan`` that last saw it; writes are upserts,
so a retried page writes the same rows again. Only what the privacy filter publishes is ever given to
this store. Sync state: one row per athlete (the backfill/re-scan cursor, the newest start stored, the
cached public athlete), changed by read-modify-write conditional on its ETag.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from typing import Any

from azure.data.tables import UpdateMode

from storage.errors import ConcurrencyConflictError, EntityExistsError
from storage.keys import athlete_key
from storage.limits import SYSTEM_PROPERTIES
from storage.properties import etag_of, plain_value, read_str, require_utc
from storage.tables import TableService

BATCH = 100  # Table Storage's per-transaction maximum
SYNC_ROW = "sync"
UPDATE_ATTEMPTS = 20


def activity_body(item: Mapping[str, Any]) -> str:
    """The stored text of a public activity (compare with it to tell a changed activity)."""
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _activity_key(activity_id: int) -> str:
    return athlete_key(int(activity_id))  # the same rule: a positive int64 in canonical decimal


class ActivityStore:
    """Published activities of every athlete, one table."""

    def __init__(self, service: TableService, table_name: str) -> None:
        self._service = service
        self._table_name = table_name

    async def put(self, athlete_id: int, activities: Sequence[Mapping[str, Any]], scan: str) -> None:
        """Insert or replace each (public) activity, marked as seen by ``scan``; 100 per transaction."""
        table = await self._service.checked_table(self._table_name)
        key = athlete_key(athlete_id)
        rows = [
            {
                "PartitionKey": key,
                "RowKey": _activity_key(item["id"]),
                "Body": activity_body(item),
                "StartDate": require_utc(
                    datetime.fromisoformat(str(item["start_date"]).replace("Z", "+00:00")), "start_date"
                ),
                "Scan": scan,
            }
            for item in activities
        ]
        for first in range(0, len(rows), BATCH):
            await table.submit(
                [("upsert", row, {"mode": UpdateMode.REPLACE}) for row in rows[first : first + BATCH]]
            )

    async def delete(self, athlete_id: int, activity_ids: Sequence[int]) -> int:
        """Remove these activities if stored; returns how many were (the SDK's delete ignores a
        missing row, so each is looked up first)."""
        table = await self._service.checked_table(self._table_name)
        key = athlete_key(athlete_id)
        removed = 0
        for activity_id in activity_ids:
            row = _activity_key(activity_id)
            if await table.get(key, row, select=("RowKey",)) is not None:
                await table.delete(key, row)
                removed += 1
        return removed

    async def delete_athlete(self, athlete_id: int) -> int:
        """Remove every stored activity of the athlete (deauthorization); returns how many there were."""
        table = await self._service.checked_table(self._table_name)
        key = athlete_key(athlete_id)
        rows = await table.query("PartitionKey eq @pk", {"pk": key}, select=("RowKey",))
        keys = [{"PartitionKey": key, "RowKey": str(row["RowKey"])} for row in rows]
        for first in range(0, len(keys), BATCH):
            await table.submit([("delete", row) for row in keys[first : first + BATCH]])
        return len(keys)

    async def all(self, athlete_id: int) -> list[dict[str, Any]]:
        """Every stored activity of the athlete (public dicts, in no particular order)."""
        table = await self._service.checked_table(self._table_name)
        rows = await table.query("PartitionKey eq @pk", {"pk": athlete_key(athlete_id)}, select=("Body",))
        return [json.loads(read_str(row, "Body")) for row in rows]

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
