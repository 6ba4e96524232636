"""The app's Strava push subscription and the receipts of webhook events (to drop duplicate deliveries).

Rows: PartitionKey "subscription" / RowKey "current" for the subscription; PartitionKey = athlete id,
RowKey = the event's fingerprint for each receipt, written with a conditional insert so that two
deliveries of one event, even at the same instant, are told apart from two events.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from datetime import datetime

from storage.errors import EntityExistsError, EntityNotFoundError
from storage.keys import athlete_key
from storage.properties import int64, read_datetime, read_int, read_str, require_utc
from storage.tables import TableService

SUBSCRIPTION_PARTITION = "subscription"
SUBSCRIPTION_ROW = "current"
SUBSCRIPTION_CACHE_SECONDS = 30.0  # another instance's create or delete is seen within this


@dataclass(frozen=True)
class StoredSubscription:
    """The subscription this app created: Strava's id and the callback it points at."""

    id: int
    callback_url: str
    created_at: datetime


class WebhookStore:
    def __init__(self, service: TableService, table_name: str = "webhooks") -> None:
        self._service = service
        self._table_name = table_name
        self._cached: tuple[float, StoredSubscription | None] | None = None

    async def subscription(self, *, cached: bool = False) -> StoredSubscription | None:
        """The stored subscription; ``cached`` accepts one read in this process up to
        ``SUBSCRIPTION_CACHE_SECONDS`` ago (the event path reads it for every delivery)."""
        if (
            cached
            and self._cached is not None
            and time.monotonic() - self._cached[0] < SUBSCRIPTION_CACHE_SECONDS
        ):
            return self._cached[1]
        found = await self._read_subscription()
        self._cached = (time.monotonic(), found)
        return found

    async def _read_subscription(self) -> StoredSubscription | None:
        table = await self._service.checked_table(self._table_name)
        entity = await table.get(SUBSCRIPTION_PARTITION, SUBSCRIPTION_ROW)
        if entity is None:
            return None
        return StoredSubscription(
            id=read_int(entity, "SubscriptionId"),
            callback_url=read_str(entity, "CallbackUrl"),
            created_at=read_datetime(entity, "CreatedAt"),
        )

    async def save_subscription(self, subscription: StoredSubscription) -> None:
        self._cached = None
        table = await self._service.checked_table(self._table_name)
        await table.upsert(
            {
                "PartitionKey": SUBSCRIPTION_PARTITION,
                "RowKey": SUBSCRIPTION_ROW,
                "SubscriptionId": int64(subscription.id),
                "CallbackUrl": subscription.callback_url,
                "CreatedAt": require_utc(subscription.created_at, "created_at"),
            }
        )

    async def clear_subscription(self) -> None:
        self._cached = None
        table = await self._service.checked_table(self._table_name)
        with contextlib.suppress(EntityNotFoundError):
            await table.delete(SUBSCRIPTION_PARTITION, SUBSCRIPTION_ROW)

    async def record_event(self, athlete_id: int, fingerprint: str, received_at: datetime) -> bool:
        """Note a delivery; False if this event was received before (a duplicate delivery)."""
        table = await self._service.checked_table(self._table_name)
        entity = {
            "PartitionKey": athlete_key(athlete_id),
            "RowKey": fingerprint,
            "ReceivedAt": require_utc(received_at, "received_at"),
        }
        try:
            await table.insert(entity)
        except EntityExistsError:
            return False
        return True

    async def forget_event(self, athlete_id: int, fingerprint: str) -> None:
        """Undo :meth:`record_event` when the event could not be handed on, so Strava's retry counts."""
        table = await self._service.checked_table(self._table_name)
        with contextlib.suppress(EntityNotFoundError):
            await table.delete(athlete_key(athlete_id), fingerprint)

    async def delete_athlete(self, athlete_id: int) -> int:
        """Delete every receipt of the athlete; returns how many there were."""
        return await self._delete_where("PartitionKey eq @key", {"key": athlete_key(athlete_id)})

    async def purge_receipts(self, received_before: datetime) -> int:
        """Delete receipts older than ``received_before`` (Strava retries within hours, not days)."""
        cutoff = require_utc(received_before, "received_before")
        return await self._delete_where(
            "PartitionKey ne @sub and ReceivedAt lt @cutoff",
            {"sub": SUBSCRIPTION_PARTITION, "cutoff": cutoff},
        )

    async def _delete_where(self, query: str, parameters: dict[str, object]) -> int:
        table = await self._service.checked_table(self._table_name)
        rows = await table.query(query, parameters, select=("PartitionKey", "RowKey"))
        for row in rows:
            with contextlib.suppress(EntityNotFoundError):
                await table.delete(row["PartitionKey"], row["RowKey"])
        return len(rows)
