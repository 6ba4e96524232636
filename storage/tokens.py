"""One token row per athlete, written either deliberately (replace) or conditionally (update).

Strava rotates refresh tokens and revokes the old one, so a stale write would lock the athlete out:
routine refreshes use :meth:`TokenStore.update`, which only succeeds against the ETag that was read.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from storage.errors import ConcurrencyConflictError, EntityExistsError, EntityNotFoundError
from storage.keys import athlete_id_from_key, athlete_key
from storage.properties import etag_of, int64, read_bool, read_datetime, read_int, read_str, require_utc

if TYPE_CHECKING:
    from storage.retry import StoragePolicy
    from storage.tables import TableService

GRANT_ROW = "grant"
OWNER_PARTITION, OWNER_ROW = "app", "owner"  # the athlete the app is bound to (first to connect)
REFRESH_REQUEST_ROW = "refresh-request"  # the latest request for a forced refresh, beside the grant
__all__ = ["ConcurrencyConflictError", "TokenRecord", "TokenStatus", "TokenStore"]


class TokenStatus(str, Enum):
    ACTIVE = "active"
    REAUTHORIZATION_REQUIRED = "reauthorization_required"
    DEAUTHORIZED = "deauthorized"  # revoked on Strava: tokens erased, data deleted (webhook event)


@dataclass(frozen=True)
class TokenRecord:
    """An athlete's OAuth tokens and grant; the tokens never appear in repr() or str()."""

    athlete_id: int
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: int  # epoch seconds
    scopes: frozenset[str]
    status: TokenStatus
    publish_consent: bool
    updated_at: datetime  # UTC
    etag: str | None = None

    def __post_init__(self) -> None:
        athlete_key(self.athlete_id)
        if not isinstance(self.status, TokenStatus):
            raise TypeError("status must be a TokenStatus")
        if any("," in scope or not scope for scope in self.scopes):
            raise ValueError("scopes must be non-empty and contain no comma")
        object.__setattr__(self, "updated_at", require_utc(self.updated_at, "updated_at"))


class TokenStore:
    """Token rows in one table: PartitionKey = athlete id, RowKey = "grant"."""

    def __init__(self, service: TableService, table_name: str = "tokens") -> None:
        self._service = service
        self._table_name = table_name

    def __repr__(self) -> str:
        return f"TokenStore(table={self._table_name!r})"

    async def get(self, athlete_id: int) -> TokenRecord | None:
        """The athlete's record with its ETag, or None if never authorized."""
        table = await self._service.checked_table(self._table_name)
        entity = await table.get(athlete_key(athlete_id), GRANT_ROW)
        return None if entity is None else _record_from_entity(entity)

    async def replace(self, record: TokenRecord) -> TokenRecord:
        """Unconditional write, for a fresh (re-)authorization; returns the record with its new ETag."""
        table = await self._service.checked_table(self._table_name)
        etag = await table.upsert(_entity_from_record(record))
        return dataclasses.replace(record, etag=etag)

    async def update(self, record: TokenRecord, *, policy: StoragePolicy | None = None) -> TokenRecord:
        """Write only if the row is unchanged since ``record`` was read; else ConcurrencyConflictError.
        ``policy``: the SDK's retries for this write, if not the service's."""
        if record.etag is None:
            raise ValueError("update needs the etag of the record it replaces; use replace() for a new grant")
        service = self._service if policy is None else self._service.with_policy(policy)
        table = await service.checked_table(self._table_name)
        try:
            etag = await table.update(_entity_from_record(record), record.etag)
        except EntityNotFoundError:
            raise ConcurrencyConflictError("token row was deleted since it was read", status=404) from None
        return dataclasses.replace(record, etag=etag)

    async def request_refresh(self, athlete_id: int, at: datetime) -> None:
        """Record that a fetch met a rejected access token at ``at``; the token lifecycle, the only
        refresher, answers the latest request. A separate row, so the grant's ETag is untouched."""
        table = await self._service.checked_table(self._table_name)
        row = {"PartitionKey": athlete_key(athlete_id), "RowKey": REFRESH_REQUEST_ROW}
        await table.upsert({**row, "RequestedAt": require_utc(at, "at")})

    async def refresh_requested_at(self, athlete_id: int) -> datetime | None:
        """When the latest forced refresh was requested, or None."""
        table = await self._service.checked_table(self._table_name)
        entity = await table.get(athlete_key(athlete_id), REFRESH_REQUEST_ROW)
        return None if entity is None else read_datetime(entity, "RequestedAt")

    async def forget(self, athlete_id: int, now: datetime) -> TokenRecord | None:
        """Deauthorization: the tokens are erased and the row keeps only the athlete id, the status
        ``deauthorized`` and when (so reads can answer 410 and the status endpoint can say why).
        None if the athlete was never connected. Idempotent."""
        current = await self.get(athlete_id)
        if current is None:
            return None
        tombstone = dataclasses.replace(
            current,
            access_token="",
            refresh_token="",
            expires_at=0,
            scopes=frozenset(),
            status=TokenStatus.DEAUTHORIZED,
            publish_consent=False,
            updated_at=now,
        )
        stored = await self.replace(tombstone)
        table = await self._service.checked_table(self._table_name)
        with contextlib.suppress(EntityNotFoundError):
            await table.delete(athlete_key(athlete_id), REFRESH_REQUEST_ROW)
        return stored

    async def claim_owner(self, athlete_id: int) -> int:
        """Bind the app to ``athlete_id`` unless it is bound already; returns the owner. A conditional
        insert: of two callbacks at the same moment exactly one binds."""
        table = await self._service.checked_table(self._table_name)
        row = {"PartitionKey": OWNER_PARTITION, "RowKey": OWNER_ROW, "AthleteId": int64(athlete_id)}
        try:
            await table.insert(row)
        except EntityExistsError:
            entity = await table.get(OWNER_PARTITION, OWNER_ROW)
            return athlete_id if entity is None else read_int(entity, "AthleteId")
        return athlete_id

    async def list_athletes(self) -> list[TokenRecord]:
        """Every athlete's record (the table holds few)."""
        table = await self._service.checked_table(self._table_name)
        entities = await table.query("RowKey eq @row", {"row": GRANT_ROW})
        return sorted((_record_from_entity(e) for e in entities), key=lambda r: r.athlete_id)


def _entity_from_record(record: TokenRecord) -> dict[str, Any]:
    return {
        "PartitionKey": athlete_key(record.athlete_id),
        "RowKey": GRANT_ROW,
        "AccessToken": record.access_token,
        "RefreshToken": record.refresh_token,
        "ExpiresAt": int64(record.expires_at),
        "Scopes": ",".join(sorted(record.scopes)),
        "Status": record.status.value,
        "PublishConsent": record.publish_consent,
        "UpdatedAt": record.updated_at,
    }


def _record_from_entity(entity: Any) -> TokenRecord:
    scopes = read_str(entity, "Scopes")
    return TokenRecord(
        athlete_id=athlete_id_from_key(read_str(entity, "PartitionKey")),
        access_token=read_str(entity, "AccessToken"),
        refresh_token=read_str(entity, "RefreshToken"),
        expires_at=read_int(entity, "ExpiresAt"),
        scopes=frozenset(scopes.split(",")) if scopes else frozenset(),
        status=TokenStatus(read_str(entity, "Status")),
        publish_consent=read_bool(entity, "PublishConsent"),
        updated_at=read_datetime(entity, "UpdatedAt"),
        etag=etag_of(entity),
    )
