"""Connection and table access: one async service client, tables created on first use.

:meth:`TableService.connect` opens the client for a :mod:`storage.connection` (a connection string, or
an endpoint and a Microsoft Entra credential that the service then owns and closes), with the SDK's
retries and timeouts set by :data:`storage.retry.STORAGE_POLICY`; :meth:`TableService.with_policy` is a
view of the same client whose every call uses another :class:`storage.retry.StoragePolicy`.

:class:`CheckedTable` is what the stores use: every key is validated, every entity and batch is held
to the service's limits before it is sent, and every SDK error is mapped (see :mod:`storage.errors`).
A table that vanished under a running app (storage wiped, an emulator restarted empty) reads as empty
and is created again by the next write, which is then retried once.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from azure.core import MatchConditions
from azure.data.tables import TableEntity, UpdateMode
from azure.data.tables.aio import TableClient, TableServiceClient

from storage.connection import ConnectionString, StorageConnection, open_credential
from storage.errors import EntityNotFoundError, StorageError, guarded
from storage.keys import check_key
from storage.limits import batch_operation_entity, check_batch, check_entity
from storage.retry import STORAGE_POLICY, StoragePolicy

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential

_TABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{2,62}")
TABLE_NOT_FOUND = "TableNotFound"
T = TypeVar("T")


def check_table_name(name: str) -> str:
    """Return ``name`` if it is a legal table name (letter, then 2-62 letters or digits)."""
    if not _TABLE_NAME.fullmatch(name):
        raise ValueError("table names are 3-63 letters or digits, starting with a letter")
    return name


class TableService:
    """Owns one async TableServiceClient; hands out table clients, creating each table once."""

    def __init__(
        self,
        client: TableServiceClient,
        credential: AsyncTokenCredential | None = None,
        policy: StoragePolicy = STORAGE_POLICY,
        shared_tables: dict[str, TableClient] | None = None,  # a view's: the owning service's cache
    ) -> None:
        self._client = client
        self._credential = credential
        self._owns_client = shared_tables is None
        self._tables: dict[str, TableClient] = {} if shared_tables is None else shared_tables
        self._lock = asyncio.Lock()  # per view, so a slow creation under one policy holds up no other
        self.policy = policy

    @classmethod
    def connect(cls, connection: StorageConnection, policy: StoragePolicy = STORAGE_POLICY) -> TableService:
        """The service for a connection string or an identity-based connection (nothing is sent yet)."""
        if isinstance(connection, ConnectionString):
            return cls.from_connection_string(connection.value, policy)
        credential = open_credential(connection)
        client = TableServiceClient(
            endpoint=connection.table_endpoint, credential=credential, **policy.sdk_options()
        )
        return cls(client, credential, policy)

    @classmethod
    def from_connection_string(cls, conn_str: str, policy: StoragePolicy = STORAGE_POLICY) -> TableService:
        return cls(TableServiceClient.from_connection_string(conn_str, **policy.sdk_options()), None, policy)

    def with_policy(self, policy: StoragePolicy) -> TableService:
        """The same client and tables, every call under ``policy``; closing the view closes nothing."""
        return TableService(self._client, None, policy, self._tables)

    def __repr__(self) -> str:
        return f"TableService(account={self._client.account_name!r})"

    async def table(self, name: str) -> TableClient:
        """The client of table ``name``, created on first use (an existing table is fine), then cached."""
        check_table_name(name)
        async with self._lock:
            if name not in self._tables:
                created = await guarded(
                    self._client.create_table_if_not_exists(name, **self.policy.sdk_options())
                )
                kept = self._tables.setdefault(name, created)
                if kept is not created:  # another view created it meanwhile
                    await created.close()
            return self._tables[name]

    async def checked_table(self, name: str) -> CheckedTable:
        """Table ``name`` behind key/limit checks and error mapping, its calls under this policy."""
        return CheckedTable(await self.table(name), self.policy, lambda: self._recreate(name))

    async def _recreate(self, name: str) -> None:
        """Create table ``name`` again after it vanished (an existing table is fine)."""
        async with self._lock:
            await guarded(self._client.create_table_if_not_exists(name, **self.policy.sdk_options()))

    async def close(self) -> None:
        if not self._owns_client:
            return  # a view: the service it came from owns the client
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

    def __init__(
        self,
        client: TableClient,
        policy: StoragePolicy = STORAGE_POLICY,
        recreate: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.client = client
        self._options = policy.sdk_options()
        self._recreate = recreate

    async def _write(self, operation: Callable[[], Awaitable[T]]) -> T:
        """Run a write; if the table vanished, create it again and retry once."""
        try:
            return await guarded(operation())
        except StorageError as error:  # a batch reports it as a failed transaction, not a 404
            if error.code != TABLE_NOT_FOUND or self._recreate is None:
                raise
        await self._recreate()
        return await guarded(operation())

    @property
    def name(self) -> str:
        return self.client.table_name

    async def get(self, partition_key: str, row_key: str, select: Sequence[str] = ()) -> TableEntity | None:
        """The entity, with ``metadata["etag"]``, or None if absent; ``select`` limits the properties read."""
        try:
            return await guarded(
                self.client.get_entity(
                    check_key(partition_key), check_key(row_key), select=list(select) or None, **self._options
                )
            )
        except EntityNotFoundError:
            return None

    async def insert(self, entity: Mapping[str, Any]) -> str:
        """Create a new row (EntityExistsError if present); returns its ETag."""
        checked = _checked(entity)
        return _etag(await self._write(lambda: self.client.create_entity(checked, **self._options)))

    async def upsert(self, entity: Mapping[str, Any], mode: UpdateMode = UpdateMode.REPLACE) -> str:
        """Unconditional insert-or-replace (or merge); returns the new ETag."""
        checked = _checked(entity)
        return _etag(
            await self._write(lambda: self.client.upsert_entity(checked, mode=mode, **self._options))
        )

    async def update(
        self, entity: Mapping[str, Any], etag: str, mode: UpdateMode = UpdateMode.REPLACE
    ) -> str:
        """Replace (or merge) only if the row still has ``etag``; else ConcurrencyConflictError."""
        operation = self.client.update_entity(
            _checked(entity),
            mode=mode,
            etag=etag,
            match_condition=MatchConditions.IfNotModified,
            **self._options,
        )
        return _etag(await guarded(operation))

    async def delete(self, partition_key: str, row_key: str, etag: str | None = None) -> None:
        """Delete the row; with ``etag`` only if unchanged (ConcurrencyConflictError otherwise)."""
        condition = MatchConditions.IfNotModified if etag else MatchConditions.Unconditionally
        await guarded(
            self.client.delete_entity(
                check_key(partition_key),
                check_key(row_key),
                etag=etag,
                match_condition=condition,
                **self._options,
            )
        )

    async def query(
        self, query_filter: str, parameters: Mapping[str, Any] | None = None, select: Sequence[str] = ()
    ) -> list[TableEntity]:
        """All entities matching an OData filter (use ``@name`` parameters, never string formatting)."""
        pages = self.client.query_entities(
            query_filter, parameters=dict(parameters or {}), select=list(select) or None, **self._options
        )
        return await _rows(pages)

    async def submit(self, operations: Sequence[tuple[Any, ...]]) -> None:
        """One atomic transaction (same partition, <= 100 operations, < 4 MiB), checked before sending."""
        for operation in operations:
            _checked(batch_operation_entity(operation))
        check_batch(operations)
        if operations:
            await self._write(lambda: self.client.submit_transaction(list(operations), **self._options))


async def _collect(entities: Any) -> list[TableEntity]:
    return [entity async for entity in entities]


async def _rows(entities: Any) -> list[TableEntity]:
    """The entities of a query; none when the table itself is gone."""
    try:
        return await guarded(_collect(entities))
    except EntityNotFoundError as error:
        if error.code == TABLE_NOT_FOUND:
            return []
        raise


def _etag(metadata: Mapping[str, Any]) -> str:
    return str(metadata["etag"])
