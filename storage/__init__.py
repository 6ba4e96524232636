"""Table Storage stores for strava-snapshot (azure-data-tables async; no Functions or Strava imports)."""

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
