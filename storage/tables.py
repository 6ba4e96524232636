"""Connection and table access: one async service client, tables created on first use.

:meth:`TableService.connect` opens the client for a :mod:`storage.connection` (a connection string, or
an endpoint and a Microsoft Entra credential that the service then owns and closes).

:class:`CheckedTable` is what the stores use: every key is validated, every entity and batch is held
to the service's limits before it is sent, and every SDK error is mapped (see :mod:`storage.errors`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from azure.core import MatchConditions
from azure.data.tables import TableEntity, UpdateMode
from azure.data.tables.aio import TableClient, TableServiceClient

from storage.connection import ConnectionString, StorageConnection, open_credential
from storage.errors import EntityNotFoundError, guarded
from storage.keys import check_key
from storage.limits import batch_operation_entity, check_batch, check_entity

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential

_TABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{2,62}")


def check_table_name(name: str) -> str:
    """Return ``name`` if it is a legal table name (letter, then 2-62 letters or digits)."""
    if not _TABLE_NAME.fullmatch(name):
        raise ValueError("table names are 3-63 letters or digits, starting with a letter")
    return name


class TableService:
    """Owns one async TableServiceClient; hands out table clients, creating each table once."""

    def __init__(self, client: TableServiceClient, credential: AsyncTokenCredential | None = None) -> None:
        self._client = client
        self._credential = credential
        self._tables: dict[str, TableClient] = {}
        self._lock = asyncio.Lock()

    @classmethod
    def connect(cls, connection: StorageConnection) -> TableService:
        """The service for a connection string or an identity-based connection (nothing is sent yet)."""
        if isinstance(connection, ConnectionString):
            return cls.from_connection_string(connection.value)
        credential = open_credential(connection)
        return cls(TableServiceClient(endpoint=connection.table_endpoint, credential=credential), credential)

    @classmethod
    def from_connection_string(cls, conn_str: str) -> TableService:
        return cls(TableServiceClient.from_connection_string(conn_str))

    def __repr__(self) -> str:
        return f"TableService(account={self._client.account_name!r})"

    async def table(self, name: str) -> TableClient:
        """The client of table ``name``, created on first use (an existing table is fine), then cached."""
        check_table_name(name)
        async with self._lock:
            if name not in self._tables:
                self._tables[name] = await guarded(self._client.create_table_if_not_exists(name))
            return self._tables[name]

    async def checked_table(self, name: str) -> CheckedTable:
        """Table ``name`` behind key/limit checks and error mapping."""
        return CheckedTable(await self.table(name))

    async def close(self) -> None:
        async with self._lock:
            tables, self._tables = list(self._tables.values()), {}
        for table in tables:
            await table.close()
        await self._client.close()
        if self._credential is not None:
            await self._credential.close()

    async def __aenter__(self) -> TableService:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def _checked(entity: Mapping[str, Any]) -> Mapping[str, Any]:
    check_key(entity["PartitionKey"])
    check_key(entity["RowKey"])
    check_entity(entity)
    return entity


class CheckedTable:
    """Entity operations that refuse illegal keys and oversized data before sending anything."""

    def __init__(self, client: TableClient) -> None:
        self.client = client

    @property
    def name(self) -> str:
        return self.client.table_name

    async def get(self, partition_key: str, row_key: str, select: Sequence[str] = ()) -> TableEntity | None:
        """The entity, with ``metadata["etag"]``, or None if absent; ``select`` limits the properties read."""
        try:
            return await guarded(
                self.client.get_entity(
                    check_key(partition_key), check_key(row_key), select=list(select) or None
                )
            )
        except EntityNotFoundError:
            return None

    async def insert(self, entity: Mapping[str, Any]) -> str:
        """Create a new row (EntityExistsError if present); returns its ETag."""
        return _etag(await guarded(self.client.create_entity(_checked(entity))))

    async def upsert(self, entity: Mapping[str, Any], mode: UpdateMode = UpdateMode.REPLACE) -> str:
        """Unconditional insert-or-replace (or merge); returns the new ETag."""
        return _etag(await guarded(self.client.upsert_entity(_checked(entity), mode=mode)))

    async def update(
        self, entity: Mapping[str, Any], etag: str, mode: UpdateMode = UpdateMode.REPLACE
    ) -> str:
        """Replace (or merge) only if the row still has ``etag``; else ConcurrencyConflictError."""
        operation = self.client.update_entity(
            _checked(entity), mode=mode, etag=etag, match_condition=MatchConditions.IfNotModified
        )
        return _etag(await guarded(operation))

    async def delete(self, partition_key: str, row_key: str, etag: str | None = None) -> None:
        """Delete the row; with ``etag`` only if unchanged (ConcurrencyConflictError otherwise)."""
        condition = MatchConditions.IfNotModified if etag else MatchConditions.Unconditionally
        await guarded(
            self.client.delete_entity(
                check_key(partition_key), check_key(row_key), etag=etag, match_condition=condition
            )
        )

    async def query(
        self, query_filter: str, parameters: Mapping[str, Any] | None = None, select: Sequence[str] = ()
    ) -> list[TableEntity]:
        """All entities matching an OData filter (use ``@name`` parameters, never string formatting)."""
        pages = self.client.query_entities(
            query_filter, parameters=dict(parameters or {}), select=list(select) or None
        )
        return await guarded(_collect(pages))

    async def submit(self, operations: Sequence[tuple[Any, ...]]) -> None:
        """One atomic transaction (same partition, <= 100 operations, < 4 MiB), checked before sending."""
        for operation in operations:
            _checked(batch_operation_entity(operation))
        check_batch(operations)
        if operations:
            await guarded(self.client.submit_transaction(list(operations)))


async def _collect(entities: Any) -> list[TableEntity]:
    return [entity async for entity in entities]


def _etag(metadata: Mapping[str, Any]) -> str:
    return str(metadata["etag"])
