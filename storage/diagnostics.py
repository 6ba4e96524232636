"""Non-secret facts per athlete (last refresh, last error code, ...) for the status endpoint.

Facts are merged into one row per athlete; a fact set to None is removed, which needs a
read-modify-replace conditional on the ETag (retried with :func:`storage.retry.retrying` if another
writer intervened).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from typing import Any

from azure.data.tables import UpdateMode

from storage.errors import EntityNotFoundError
from storage.keys import athlete_key
from storage.limits import SYSTEM_PROPERTIES
from storage.properties import etag_of, int64, plain_value
from storage.retry import RACES, retrying
from storage.tables import CheckedTable, TableService

FactValue = str | int | float | bool
DIAGNOSTICS_ROW = "diagnostics"
_FACT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")


class DiagnosticsStore:
    """Diagnostics rows: PartitionKey = athlete id, RowKey = "diagnostics"."""

    def __init__(self, service: TableService, table_name: str = "diagnostics") -> None:
        self._service = service
        self._table_name = table_name

    async def record(self, athlete_id: int, facts: Mapping[str, FactValue | None]) -> None:
        """Merge ``facts`` into the athlete's row; a None value removes that fact."""
        key = athlete_key(athlete_id)
        updates = {name: _stored_value(name, value) for name, value in facts.items()}
        table = await self._service.checked_table(self._table_name)
        if all(value is not None for value in updates.values()):
            await table.upsert({"PartitionKey": key, "RowKey": DIAGNOSTICS_ROW, **updates}, UpdateMode.MERGE)
            return
        await retrying(lambda: _replace_with(table, key, updates), RACES)

    async def delete(self, athlete_id: int) -> None:
        """Forget every fact of the athlete."""
        table = await self._service.checked_table(self._table_name)
        with contextlib.suppress(EntityNotFoundError):
            await table.delete(athlete_key(athlete_id), DIAGNOSTICS_ROW)

    async def read(self, athlete_id: int) -> dict[str, FactValue]:
        """All recorded facts of the athlete (empty if none)."""
        table = await self._service.checked_table(self._table_name)
        entity = await table.get(athlete_key(athlete_id), DIAGNOSTICS_ROW)
        if entity is None:
            return {}
        return {name: plain_value(v) for name, v in entity.items() if name not in SYSTEM_PROPERTIES}


async def _replace_with(table: CheckedTable, key: str, updates: Mapping[str, Any]) -> None:
    """Read, apply ``updates`` (None deletes), write back conditionally (a lost race raises)."""
    current = await table.get(key, DIAGNOSTICS_ROW)
    merged = {n: v for n, v in (current or {}).items() if n not in SYSTEM_PROPERTIES}
    merged.update(updates)
    entity = {"PartitionKey": key, "RowKey": DIAGNOSTICS_ROW}
    entity.update({n: v for n, v in merged.items() if v is not None})
    if current is None:
        await table.insert(entity)
    else:
        await table.update(entity, etag_of(current))


def _stored_value(name: str, value: FactValue | None) -> Any:
    if not isinstance(name, str) or not _FACT_NAME.fullmatch(name) or name in SYSTEM_PROPERTIES:
        raise ValueError("fact names are identifiers (not PartitionKey/RowKey/Timestamp), <= 255 chars")
    if value is None or isinstance(value, str | float | bool):
        return value
    if isinstance(value, int):
        return int64(value)
    raise TypeError(f"fact {name!r} must be str, int, float, bool or None")
