"""The latest snapshot per athlete, stored as ONE entity so readers never see a mix of generations.

A save reads the current metadata, then writes generation + 1 conditionally on the row's ETag
(retried with :func:`storage.retry.retrying` if another save won), so generations are strictly
increasing. Saving the body already stored is a no-op. The row also keeps the caller's
``content_key`` (a hash of what the body says apart from when it was generated), so a save can tell
an unchanged snapshot from the metadata alone. A body that cannot fit raises
SnapshotTooLargeError before anything is sent.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.errors import EntityNotFoundError
from storage.keys import athlete_key
from storage.limits import StorageLimitError, check_entity
from storage.properties import etag_of, int64, read_datetime, read_int, read_str, require_utc
from storage.retry import RACES, retrying
from storage.snapshot_codec import chunk_properties, compress, content_etag, read_body, split_chunks
from storage.tables import CheckedTable, TableService

LATEST_ROW = "latest"
MAX_BODY_BYTES = 32 * 1024 * 1024  # uncompressed; far above any athlete, below a memory hazard
_META = ("Generation", "GeneratedAt", "Size", "ContentHash", "ChunkCount", "ContentKey")


class SnapshotTooLargeError(StorageLimitError):
    """The snapshot body does not fit one entity even compressed; nothing was written."""


@dataclass(frozen=True)
class SnapshotInfo:
    """Metadata of the stored snapshot: cheap to read, enough for conditional HTTP responses."""

    athlete_id: int
    etag: str  # strong HTTP ETag from the body's SHA-256, quoted
    generation: int
    generated_at: datetime
    size: int  # bytes of the uncompressed body
    content_key: str = ""  # the saver's hash of the content ("": saved before content keys existed)


@dataclass(frozen=True)
class StoredSnapshot(SnapshotInfo):
    """A whole stored snapshot: the body is exactly the bytes that were saved."""

    body: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class _Head:
    info: SnapshotInfo
    row_etag: str


class SnapshotStore:
    """Snapshot rows in one table: PartitionKey = athlete id, RowKey = "latest"."""

    def __init__(self, service: TableService, table_name: str = "snapshots") -> None:
        self._service = service
        self._table_name = table_name

    async def save(
        self, athlete_id: int, body: bytes, generated_at: datetime, content_key: str = ""
    ) -> StoredSnapshot:
        """Store ``body`` as the next generation (or return the stored one if identical)."""
        key = athlete_key(athlete_id)
        generated_at = require_utc(generated_at, "generated_at")
        body = bytes(body)
        if len(body) > MAX_BODY_BYTES:
            raise SnapshotTooLargeError("snapshot body", len(body), MAX_BODY_BYTES)
        etag = content_etag(body)
        entity = {**_entity(key, body, etag, generated_at), "ContentKey": content_key}
        table = await self._service.checked_table(self._table_name)

        async def attempt() -> StoredSnapshot:
            head = await _read_head(table, key)
            if head is not None and head.info.etag == etag:
                return _with_body(head.info, body)
            generation = 1 if head is None else head.info.generation + 1
            await _write(table, {**entity, "Generation": int64(generation)}, head)
            return StoredSnapshot(athlete_id, etag, generation, generated_at, len(body), content_key, body)

        return await retrying(attempt, RACES)

    async def load(self, athlete_id: int) -> StoredSnapshot | None:
        """The latest snapshot with its body, or None if none was saved."""
        table = await self._service.checked_table(self._table_name)
        key = athlete_key(athlete_id)
        entity = await table.get(key, LATEST_ROW)
        if entity is None:
            return None
        info = _info(entity, int(key))
        body = read_body(entity, read_int(entity, "ChunkCount"), info.size, info.etag)
        return _with_body(info, body)

    async def delete(self, athlete_id: int) -> bool:
        """Delete the athlete's snapshot; False if there was none."""
        table = await self._service.checked_table(self._table_name)
        key = athlete_key(athlete_id)
        if await table.get(key, LATEST_ROW, select=("PartitionKey",)) is None:
            return False
        with contextlib.suppress(EntityNotFoundError):  # deleted meanwhile
            await table.delete(key, LATEST_ROW)
        return True

    async def head(self, athlete_id: int) -> SnapshotInfo | None:
        """Metadata of the latest snapshot without its body, or None."""
        table = await self._service.checked_table(self._table_name)
        head = await _read_head(table, athlete_key(athlete_id))
        return None if head is None else head.info


def _entity(key: str, body: bytes, etag: str, generated_at: datetime) -> dict[str, Any]:
    """The full row for ``body``, with a placeholder generation; too large -> SnapshotTooLargeError."""
    chunks = split_chunks(compress(body))
    entity: dict[str, Any] = {
        "PartitionKey": key,
        "RowKey": LATEST_ROW,
        "Generation": int64(0),
        "GeneratedAt": generated_at,
        "Size": int64(len(body)),
        "ContentHash": etag,
        "ChunkCount": len(chunks),
        **chunk_properties(chunks),
    }
    try:
        check_entity(entity)
    except StorageLimitError as error:
        raise SnapshotTooLargeError(f"snapshot ({error.limit})", error.actual, error.allowed) from None
    return entity


async def _write(table: CheckedTable, entity: dict[str, Any], head: _Head | None) -> None:
    """Insert or conditionally replace the row; a writer that got there first makes it raise."""
    if head is None:
        await table.insert(entity)
    else:
        await table.update(entity, head.row_etag)


async def _read_head(table: CheckedTable, key: str) -> _Head | None:
    entity = await table.get(key, LATEST_ROW, select=_META)
    return None if entity is None else _Head(_info(entity, int(key)), etag_of(entity))


def _info(entity: Any, athlete_id: int) -> SnapshotInfo:
    return SnapshotInfo(
        athlete_id=athlete_id,
        etag=read_str(entity, "ContentHash"),
        generation=read_int(entity, "Generation"),
        generated_at=read_datetime(entity, "GeneratedAt"),
        size=read_int(entity, "Size"),
        content_key=str(entity.get("ContentKey") or ""),
    )


def _with_body(info: SnapshotInfo, body: bytes) -> StoredSnapshot:
    return StoredSnapshot(
        info.athlete_id, info.etag, info.generation, info.generated_at, info.size, info.content_key, body
    )
