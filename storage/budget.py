"""The app's one shared rate budget: a single JSON row every orchestration reads before calling Strava.

Changes are read-modify-write conditional on the row's ETag (retried when another writer won), so
two instances reserving at once never both get the last calls.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from typing import Any, TypeVar

from storage.errors import ConcurrencyConflictError, EntityExistsError
from storage.properties import etag_of, read_str
from storage.tables import TableService

T = TypeVar("T")
PARTITION, ROW = "app", "strava"
CHANGE_ATTEMPTS = 40

Change = Callable[[dict[str, Any] | None], tuple[dict[str, Any], T]]


class RateBudgetStore:
    def __init__(self, service: TableService, table_name: str) -> None:
        self._service = service
        self._table_name = table_name

    async def read(self) -> dict[str, Any] | None:
        table = await self._service.checked_table(self._table_name)
        entity = await table.get(PARTITION, ROW)
        return None if entity is None else json.loads(read_str(entity, "State"))

    async def change(self, change: Change[T]) -> T:
        """Apply ``change`` (current JSON or None -> new JSON and a result) atomically; returns the result."""
        table = await self._service.checked_table(self._table_name)
        for attempt in range(CHANGE_ATTEMPTS):
            entity = await table.get(PARTITION, ROW)
            current = None if entity is None else json.loads(read_str(entity, "State"))
            new, result = change(current)
            row = {"PartitionKey": PARTITION, "RowKey": ROW, "State": json.dumps(new, sort_keys=True)}
            try:
                if entity is None:
                    await table.insert(row)
                else:
                    await table.update(row, etag_of(entity))
                return result
            except (ConcurrencyConflictError, EntityExistsError):
                await asyncio.sleep(random.uniform(0, 0.005 * (attempt + 1)))
        raise ConcurrencyConflictError(f"rate budget change lost {CHANGE_ATTEMPTS} races in a row")
