"""Table Storage stores for strava-snapshot (azure-data-tables async; no Functions or Strava imports).

Each name loads from its module on first use (``lazy_exports``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lazy_exports import lazy_exports

if TYPE_CHECKING:
    from storage.budget import RateBudgetStore
    from storage.connection import (
        ConnectionString,
        IdentityConnection,
        StorageConnection,
        StorageConnectionError,
        storage_connection,
    )
    from storage.diagnostics import DiagnosticsStore
    from storage.errors import (
        ConcurrencyConflictError,
        CorruptEntityError,
        EntityExistsError,
        EntityNotFoundError,
        StorageError,
        StorageUnavailableError,
    )
    from storage.history import ActivityStore, SyncState, SyncStateStore, activity_body
    from storage.keys import InvalidKeyError, athlete_key, check_key
    from storage.limits import StorageLimitError, check_batch, check_entity
    from storage.oauth_states import InvalidStateError, OAuthStateStore
    from storage.snapshots import SnapshotInfo, SnapshotStore, SnapshotTooLargeError, StoredSnapshot
    from storage.tables import CheckedTable, TableService
    from storage.tokens import TokenRecord, TokenStatus, TokenStore
    from storage.webhooks import StoredSubscription, WebhookStore

_HOMES = {
    "RateBudgetStore": "storage.budget",
    "ConnectionString": "storage.connection",
    "IdentityConnection": "storage.connection",
    "StorageConnection": "storage.connection",
    "StorageConnectionError": "storage.connection",
    "storage_connection": "storage.connection",
    "DiagnosticsStore": "storage.diagnostics",
    "ConcurrencyConflictError": "storage.errors",
    "CorruptEntityError": "storage.errors",
    "EntityExistsError": "storage.errors",
    "EntityNotFoundError": "storage.errors",
    "StorageError": "storage.errors",
    "StorageUnavailableError": "storage.errors",
    "ActivityStore": "storage.history",
    "SyncState": "storage.history",
    "SyncStateStore": "storage.history",
    "activity_body": "storage.history",
    "InvalidKeyError": "storage.keys",
    "athlete_key": "storage.keys",
    "check_key": "storage.keys",
    "StorageLimitError": "storage.limits",
    "check_batch": "storage.limits",
    "check_entity": "storage.limits",
    "InvalidStateError": "storage.oauth_states",
    "OAuthStateStore": "storage.oauth_states",
    "SnapshotInfo": "storage.snapshots",
    "SnapshotStore": "storage.snapshots",
    "SnapshotTooLargeError": "storage.snapshots",
    "StoredSnapshot": "storage.snapshots",
    "CheckedTable": "storage.tables",
    "TableService": "storage.tables",
    "TokenRecord": "storage.tokens",
    "TokenStatus": "storage.tokens",
    "TokenStore": "storage.tokens",
    "StoredSubscription": "storage.webhooks",
    "WebhookStore": "storage.webhooks",
}

__all__ = [
    "ActivityStore",
    "CheckedTable",
    "ConcurrencyConflictError",
    "ConnectionString",
    "CorruptEntityError",
    "DiagnosticsStore",
    "EntityExistsError",
    "EntityNotFoundError",
    "IdentityConnection",
    "InvalidKeyError",
    "InvalidStateError",
    "OAuthStateStore",
    "RateBudgetStore",
    "SnapshotInfo",
    "SnapshotStore",
    "SnapshotTooLargeError",
    "StorageConnection",
    "StorageConnectionError",
    "StorageError",
    "StorageLimitError",
    "StorageUnavailableError",
    "StoredSnapshot",
    "StoredSubscription",
    "SyncState",
    "SyncStateStore",
    "TableService",
    "TokenRecord",
    "TokenStatus",
    "TokenStore",
    "WebhookStore",
    "activity_body",
    "athlete_key",
    "check_batch",
    "check_entity",
    "check_key",
    "storage_connection",
]

if not TYPE_CHECKING:  # to the type checker the names are the imports above
    __getattr__ = lazy_exports(__name__, _HOMES)
