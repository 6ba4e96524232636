"""Typed reads of entity properties, and the Int64 wrapper the SDK needs for large integers.

Readers raise CorruptEntityError naming the property (never its value) when a row has another shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from azure.data.tables import EdmType, EntityProperty

from storage.errors import CorruptEntityError


def int64(value: int) -> EntityProperty:
    """``value`` typed as Edm.Int64 (the SDK sends plain ints as Int32 and refuses larger ones)."""
    return EntityProperty(value, EdmType.INT64)


def plain_value(value: Any) -> Any:
    """The Python value inside an SDK EntityProperty (Int64 reads come back wrapped)."""
    return value.value if isinstance(value, EntityProperty) else value


def _read(entity: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = plain_value(entity.get(name))
    if isinstance(value, bool) and kind is int:
        value = None  # bool is an int subclass; a flag is never a count
    if not isinstance(value, kind):
        raise CorruptEntityError(f"property {name!r} is missing or not {getattr(kind, '__name__', kind)}")
    return value


def read_str(entity: Mapping[str, Any], name: str) -> str:
    value: str = _read(entity, name, str)
    return value


def read_int(entity: Mapping[str, Any], name: str) -> int:
    value: int = _read(entity, name, int)
    return value


def read_bool(entity: Mapping[str, Any], name: str) -> bool:
    value: bool = _read(entity, name, bool)
    return value


def read_bytes(entity: Mapping[str, Any], name: str) -> bytes:
    value: bytes = _read(entity, name, bytes)
    return value


def read_datetime(entity: Mapping[str, Any], name: str) -> datetime:
    """A stored datetime as a plain, UTC-aware ``datetime``."""
    value: datetime = _read(entity, name, datetime)
    return _EPOCH + (require_utc(value, name) - _EPOCH)  # plain datetime, not the SDK's subclass


def etag_of(entity: Any) -> str:
    """The ETag the service returned with a read entity."""
    etag = getattr(entity, "metadata", {}).get("etag")
    if not isinstance(etag, str):
        raise CorruptEntityError("entity read without an etag")
    return etag


def require_utc(moment: datetime, what: str) -> datetime:
    """``moment`` converted to UTC; naive datetimes are refused (their zone is a guess)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return moment.astimezone(timezone.utc)


_EPOCH = datetime.fromtimestamp(0, timezone.utc)
