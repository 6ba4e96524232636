"""Instance persistence in Azure Table Storage (async client; Azurite locally).

One table, ``{hub}Instances``; every row of an instance lives in the partition named by its id:

- ``state``                        the instance row (status, texts, execution cursor)
- ``h~{execution}~{episode:08d}~{part:03d}``  the events one episode appended (compressed)
- ``i~{sequence}``                  an inbound external event not yet delivered

An episode commits its event rows and the instance row in one batch transaction (atomic within
a partition). When it is too large for one batch, the event rows are written first: rows of an
episode number >= the instance row's ``episodes`` are ignored on load, so they only become part
of the history when the instance row that counts them is committed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables import UpdateMode
from azure.data.tables.aio import TableClient, TableServiceClient

from devhost.durable import codec
from devhost.durable.events import Event, format_time, parse_time
from devhost.durable.record import InstanceRecord, ParentLink, RuntimeStatus

STATE_ROW = "state"
# Fail fast when storage is unreachable: the health probe retries, callers get 503 (not ~5 s of SDK retries).
_CLIENT_OPTIONS: dict[str, Any] = {
    "retry_total": 1,
    "retry_connect": 1,
    "retry_backoff_factor": 0.1,
    "connection_timeout": 2,
    "read_timeout": 20,
}
_MAX_BATCH_OPS = 100
_MAX_BATCH_BYTES = 2_500_000  # binary travels base64-encoded; a batch request is limited to 4 MiB
Operation = tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], dict[str, Any]]


@dataclass
class LoadedInstance:
    """An instance row with its current execution's history and undelivered inbox events."""

    record: InstanceRecord
    history: list[Event]
    inbox: list[tuple[str, Event]]  # (row key, EventRaised)


class InstanceStore:
    """Reads and atomically writes instances of one task hub."""

    def __init__(self, connection_string: str, task_hub: str) -> None:
        self._service = TableServiceClient.from_connection_string(connection_string, **_CLIENT_OPTIONS)
        self.table_name = f"{task_hub}Instances"
        self._table: TableClient = self._service.get_table_client(self.table_name)
        self._inbox_sequence = 0

    async def open(self) -> None:
        with contextlib.suppress(ResourceExistsError):
            await self._service.create_table(self.table_name)

    async def probe(self) -> None:
        """One cheap read that succeeds only when storage answers; re-creates a lost table."""
        try:
            async for _ in self._table.query_entities(f"RowKey eq '{STATE_ROW}'", results_per_page=1):
                break
        except ResourceNotFoundError:
            await self._service.create_table_if_not_exists(self.table_name)

    async def close(self) -> None:
        await self._table.close()
        await self._service.close()

    async def get(self, instance_id: str) -> InstanceRecord | None:
        try:
            entity = await self._table.get_entity(instance_id, STATE_ROW)
        except ResourceNotFoundError:
            return None
        return _record_from_entity(entity)

    async def list_records(self, statuses: Iterable[RuntimeStatus] = ()) -> list[InstanceRecord]:
        """Every instance row, optionally only those with one of ``statuses``."""
        query = f"RowKey eq '{STATE_ROW}'"
        wanted = [s.value for s in statuses]
        if wanted:
            query += " and (" + " or ".join(f"status eq '{s}'" for s in wanted) + ")"
        return [_record_from_entity(e) async for e in self._table.query_entities(query)]

    async def load(self, record: InstanceRecord) -> LoadedInstance:
        """The history of ``record``'s current execution and its inbox."""
        pk = _quote(record.instance_id)
        prefix = f"h~{record.execution_id}~"
        rows = [
            e
            async for e in self._table.query_entities(
                f"PartitionKey eq '{pk}' and RowKey ge '{prefix}' and RowKey lt '{prefix}:'"
            )
        ]
        rows.sort(key=lambda e: str(e["RowKey"]))
        history: list[Event] = []
        blobs: dict[int, list[bytes]] = {}
        for row in rows:
            episode = int(str(row["RowKey"]).split("~")[2])
            if episode < record.episodes:
                blobs.setdefault(episode, []).append(codec.from_properties(row))
        for episode in sorted(blobs):
            history.extend(codec.decompress(b"".join(blobs[episode])))
        for event in history:
            event["IsPlayed"] = True
        inbox = [
            (str(e["RowKey"]), codec.decompress(codec.from_properties(e)))
            async for e in self._table.query_entities(
                f"PartitionKey eq '{pk}' and RowKey ge 'i~' and RowKey lt 'i~~'"
            )
        ]
        inbox.sort(key=lambda item: item[0])
        return LoadedInstance(record, history, inbox)

    async def put_inbox(self, instance_id: str, event: Event) -> str:
        """Persist an inbound event before it is acknowledged; returns its row key."""
        self._inbox_sequence += 1
        row_key = f"i~{time.time_ns():020d}{self._inbox_sequence:06d}"
        entity: dict[str, Any] = {"PartitionKey": instance_id, "RowKey": row_key}
        entity.update(codec.to_properties(codec.compress(event)))
        await self._table.create_entity(entity)
        return row_key

    async def commit(
        self, record: InstanceRecord, new_events: list[Event], delete_inbox: Iterable[str] = ()
    ) -> None:
        """Append ``new_events`` as episode ``record.episodes`` and save ``record`` atomically.

        Pass ``new_events=[]`` to save only the instance row. ``record.episodes`` is incremented.
        """
        operations: list[Operation] = []
        if new_events:
            blob = codec.compress(new_events)
            for part, piece in enumerate(codec.split(blob, codec.ENTITY_BYTES)):
                row: dict[str, Any] = {
                    "PartitionKey": record.instance_id,
                    "RowKey": _episode_key(record, part),
                }
                row.update(codec.to_properties(piece))
                operations.append(("upsert", row, {"mode": UpdateMode.REPLACE}))
            record.episodes += 1
        deletes: list[Operation] = [
            ("delete", {"PartitionKey": record.instance_id, "RowKey": key}) for key in delete_inbox
        ]
        state: Operation = ("upsert", _entity_from_record(record), {"mode": UpdateMode.REPLACE})
        try:
            await self._submit(operations, state, deletes)
        except Exception:
            record.episodes -= 1 if new_events else 0
            raise

    async def _submit(self, operations: list[Operation], state: Operation, deletes: list[Operation]) -> None:
        size = sum(_operation_bytes(op) for op in operations) + _operation_bytes(state)
        if len(operations) + len(deletes) + 1 <= _MAX_BATCH_OPS and size <= _MAX_BATCH_BYTES:
            await self._table.submit_transaction([*operations, state, *deletes])
            return
        for op in operations:  # invisible until the instance row below counts this episode
            await self._table.submit_transaction([op])
        head, rest = deletes[: _MAX_BATCH_OPS - 1], deletes[_MAX_BATCH_OPS - 1 :]
        await self._table.submit_transaction([state, *head])
        for start in range(0, len(rest), _MAX_BATCH_OPS):
            await self._table.submit_transaction(rest[start : start + _MAX_BATCH_OPS])

    async def rewrite(
        self, record: InstanceRecord, history: list[Event], inbox: Iterable[tuple[str, Event]]
    ) -> None:
        """Store ``record`` with ``history`` as its only episode and ``inbox`` rows, replacing whatever
        history rows the partition still has (repair after storage lost writes)."""
        await self._delete_rows(record.instance_id, " and RowKey ge 'h~' and RowKey lt 'h~~'")
        record.episodes = 0
        await self.commit(record, history)
        for row_key, event in inbox:
            entity: dict[str, Any] = {"PartitionKey": record.instance_id, "RowKey": row_key}
            entity.update(codec.to_properties(codec.compress(event)))
            await self._table.upsert_entity(entity, mode=UpdateMode.REPLACE)

    async def purge(self, instance_id: str) -> None:
        """Delete every row of an instance."""
        await self._delete_rows(instance_id, "")

    async def delete_old_executions(self, record: InstanceRecord) -> None:
        """Remove history rows of executions other than the current one (best effort)."""
        await self._delete_rows(
            record.instance_id, " and RowKey ge 'h~' and RowKey lt 'h~~'", record.execution_id
        )

    async def _delete_rows(self, instance_id: str, extra_filter: str, keep_execution: str = "") -> None:
        pk = _quote(instance_id)
        keys = [
            str(e["RowKey"])
            async for e in self._table.query_entities(
                f"PartitionKey eq '{pk}'{extra_filter}", select=["PartitionKey", "RowKey"]
            )
        ]
        if keep_execution:
            keys = [k for k in keys if not k.startswith(f"h~{keep_execution}~")]
        for start in range(0, len(keys), _MAX_BATCH_OPS):
            chunk = keys[start : start + _MAX_BATCH_OPS]
            await self._table.submit_transaction(
                [("delete", {"PartitionKey": instance_id, "RowKey": k}) for k in chunk]
            )


def _quote(value: str) -> str:
    return value.replace("'", "''")


def _episode_key(record: InstanceRecord, part: int) -> str:
    return f"h~{record.execution_id}~{record.episodes:08d}~{part:03d}"


def _operation_bytes(operation: Operation) -> int:
    return sum(len(v) if isinstance(v, bytes | str) else 16 for v in operation[1].values()) + 200


def _entity_from_record(record: InstanceRecord) -> dict[str, Any]:
    texts = {"input": record.input, "output": record.output, "custom": record.custom_status}
    entity: dict[str, Any] = {
        "PartitionKey": record.instance_id,
        "RowKey": STATE_ROW,
        "name": record.name,
        "status": record.status.value,
        "execution": record.execution_id,
        "created": format_time(record.created),
        "updated": format_time(record.updated),
        "episodes": record.episodes,
    }
    if record.version is not None:
        entity["version"] = record.version
    if record.parent is not None:
        entity["parent"] = record.parent.instance_id
        entity["parentExecution"] = record.parent.execution_id
        entity["parentTask"] = record.parent.task_id
    entity.update(codec.to_properties(codec.compress(texts)))
    return entity


def _record_from_entity(entity: dict[str, Any]) -> InstanceRecord:
    texts = codec.decompress(codec.from_properties(entity))
    parent = None
    if entity.get("parent") is not None:
        parent = ParentLink(str(entity["parent"]), str(entity["parentExecution"]), int(entity["parentTask"]))
    return InstanceRecord(
        instance_id=str(entity["PartitionKey"]),
        name=str(entity["name"]),
        execution_id=str(entity["execution"]),
        created=_time(entity["created"]),
        updated=_time(entity["updated"]),
        status=RuntimeStatus(str(entity["status"])),
        input=texts.get("input"),
        output=texts.get("output"),
        custom_status=texts.get("custom"),
        episodes=int(entity["episodes"]),
        parent=parent,
        version=None if entity.get("version") is None else str(entity["version"]),
    )


def _time(value: Any) -> datetime:
    return parse_time(str(value))
