"""Table Storage size and count limits, checked before any write.

Azurite does not enforce all of them, so code tested only against it could pass tests and fail in
Azure. Sizes follow the service's documented formula: an entity is
``4 + 2*len(PartitionKey) + 2*len(RowKey) + sum(8 + 2*len(name) + value size)``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from azure.data.tables import EdmType, EntityProperty

MAX_ENTITY_BYTES = 1024 * 1024
MAX_PROPERTY_VALUE_BYTES = 64 * 1024
MAX_PROPERTIES = 255  # including PartitionKey, RowKey and Timestamp
SYSTEM_PROPERTIES = ("PartitionKey", "RowKey", "Timestamp")
MAX_PROPERTY_NAME_CHARS = 255
MAX_BATCH_OPERATIONS = 100
MAX_BATCH_BYTES = 4 * 1024 * 1024
# Room for one operation's multipart framing and OData type annotations in a batch request body.
BATCH_OPERATION_OVERHEAD_BYTES = 1024
_FIXED_SIZES: dict[EdmType, int] = {
    EdmType.BOOLEAN: 1,
    EdmType.INT32: 4,
    EdmType.INT64: 8,
    EdmType.DOUBLE: 8,
    EdmType.DATETIME: 8,
    EdmType.GUID: 16,
}


class StorageLimitError(ValueError):
    """A Table Storage limit would be exceeded; says which limit, the actual value and the allowed one."""

    def __init__(self, limit: str, actual: int, allowed: int, unit: str = "bytes") -> None:
        super().__init__(f"{limit}: {actual} {unit} exceeds the allowed {allowed} {unit}")
        self.limit = limit
        self.actual = actual
        self.allowed = allowed


def utf16_units(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, as the service counts strings."""
    return len(text.encode("utf-16-le")) // 2


def property_data_bytes(value: Any) -> int:
    """Bytes of one property value itself (what the 64 KiB limit counts); 0 for ``None``: not stored."""
    if isinstance(value, EntityProperty):
        return _typed_data_bytes(value.value, EdmType(value.edm_type))
    if value is None:
        return 0
    if isinstance(value, bool):
        return 1
    if isinstance(value, int):
        return 4 if -(2**31) <= value < 2**31 else 8
    if isinstance(value, float | datetime):
        return 8
    if isinstance(value, uuid.UUID):
        return 16
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    return 2 * utf16_units(str(value))


def _typed_data_bytes(value: Any, edm_type: EdmType) -> int:
    if edm_type in _FIXED_SIZES:
        return _FIXED_SIZES[edm_type]
    if edm_type is EdmType.BINARY:
        return len(value)
    return 2 * utf16_units(str(value))


def property_value_size(value: Any) -> int:
    """Bytes a value counts for in the entity-size formula: strings and binaries add a 4-byte length."""
    raw = value.value if isinstance(value, EntityProperty) else value
    variable = isinstance(raw, str | bytes | bytearray | memoryview)
    return property_data_bytes(value) + (4 if variable else 0)


def entity_size(entity: Mapping[str, Any]) -> int:
    """Size of ``entity`` by the documented formula; PartitionKey/RowKey counted once, Timestamp excluded."""
    keys = str(entity.get("PartitionKey", "")) + str(entity.get("RowKey", ""))
    size = 4 + 2 * utf16_units(keys)
    for name, value in entity.items():
        if name in SYSTEM_PROPERTIES or value is None:
            continue
        size += 8 + 2 * utf16_units(name) + property_value_size(value)
    return size


def check_entity(entity: Mapping[str, Any]) -> None:
    """Raise StorageLimitError if ``entity`` breaks a per-property, property-count or entity-size limit."""
    user_names = [n for n, v in entity.items() if n not in SYSTEM_PROPERTIES and v is not None]
    count = len(user_names) + len(SYSTEM_PROPERTIES)
    if count > MAX_PROPERTIES:
        raise StorageLimitError("properties per entity", count, MAX_PROPERTIES, unit="properties")
    for name in user_names:
        if len(name) > MAX_PROPERTY_NAME_CHARS:
            raise StorageLimitError("property name length", len(name), MAX_PROPERTY_NAME_CHARS, unit="chars")
        value_bytes = property_data_bytes(entity[name])
        if value_bytes > MAX_PROPERTY_VALUE_BYTES:
            raise StorageLimitError(f"property {name!r} value size", value_bytes, MAX_PROPERTY_VALUE_BYTES)
    size = entity_size(entity)
    if size > MAX_ENTITY_BYTES:
        raise StorageLimitError("entity size", size, MAX_ENTITY_BYTES)


def batch_operation_entity(operation: Sequence[Any]) -> Mapping[str, Any]:
    """The entity of one SDK transaction operation ``(kind, entity[, options])``."""
    if len(operation) < 2 or not isinstance(operation[1], Mapping):
        raise TypeError("a batch operation is a (kind, entity[, options]) tuple")
    entity: Mapping[str, Any] = operation[1]
    return entity


def check_batch(operations: Sequence[Sequence[Any]]) -> None:
    """Raise StorageLimitError if the service would refuse this transaction."""
    if len(operations) > MAX_BATCH_OPERATIONS:
        count = len(operations)
        raise StorageLimitError("operations per batch", count, MAX_BATCH_OPERATIONS, unit="operations")
    entities = [batch_operation_entity(op) for op in operations]
    partitions = {str(e.get("PartitionKey")) for e in entities}
    if len(partitions) > 1:
        raise StorageLimitError("partitions per batch", len(partitions), 1, unit="partitions")
    total = 0
    for entity in entities:
        check_entity(entity)
        total += batch_payload_size(entity)
    if total >= MAX_BATCH_BYTES:
        raise StorageLimitError("batch payload size", total, MAX_BATCH_BYTES - 1)


def batch_payload_size(entity: Mapping[str, Any]) -> int:
    """Upper estimate of one operation's share of a batch request body (binary is sent as base64)."""
    size = BATCH_OPERATION_OVERHEAD_BYTES
    for name, value in entity.items():
        raw = value.value if isinstance(value, EntityProperty) else value
        if isinstance(raw, bytes | bytearray | memoryview):
            value_bytes = 4 * ((len(raw) + 2) // 3)
        elif isinstance(raw, str):
            value_bytes = len(json.dumps(raw))
        else:
            value_bytes = 40
        size += len(name) + value_bytes + 64  # quotes, separators, @odata.type annotation
    return size
