"""Pack JSON values into Table Storage properties and back (pure).

Values are JSON, zlib-compressed, then split into binary properties of at most 64,000 bytes
(the service allows 64 KiB per property); one entity holds at most 11 (under 1 MiB even base64-encoded).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

PROPERTY_BYTES = 64_000
PROPERTIES_PER_ENTITY = 11  # Azurite measures entities base64-encoded: stay under 1 MiB that way too
ENTITY_BYTES = PROPERTY_BYTES * PROPERTIES_PER_ENTITY


def compress(value: Any) -> bytes:
    """JSON text of ``value``, compressed."""
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 1)


def decompress(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob))


def split(blob: bytes, size: int) -> list[bytes]:
    """``blob`` cut into pieces of at most ``size`` bytes (at least one piece)."""
    return [blob[i : i + size] for i in range(0, len(blob), size)] or [b""]


class TooLargeError(ValueError):
    """A value does not fit the one entity it must live in; retrying cannot help."""


def to_properties(blob: bytes) -> dict[str, bytes]:
    """Up to 11 binary properties ``d00``, ``d01``... holding ``blob``."""
    pieces = split(blob, PROPERTY_BYTES)
    if len(pieces) > PROPERTIES_PER_ENTITY:
        limit = PROPERTY_BYTES * PROPERTIES_PER_ENTITY // 1024
        raise TooLargeError(f"{len(blob) // 1024} KiB compressed, over the {limit} KiB one entity holds")
    return {f"d{i:02d}": piece for i, piece in enumerate(pieces)}


def from_properties(entity: dict[str, Any]) -> bytes:
    """Concatenate the ``dNN`` properties of ``entity`` in order."""
    keys = sorted(k for k in entity if len(k) == 3 and k[0] == "d" and k[1:].isdigit())
    return b"".join(bytes(entity[k]) for k in keys)
