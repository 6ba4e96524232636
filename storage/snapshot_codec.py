"""Pure encoding of a snapshot body into one Table entity's binary properties, and back.

The body is gzipped (deterministically: no timestamp) and the compressed bytes are split into
properties of at most 64 KiB, so a ~1 MiB JSON document fits one entity and is replaced atomically.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from storage.errors import CorruptEntityError
from storage.limits import MAX_PROPERTY_VALUE_BYTES
from storage.properties import read_bytes

CHUNK_PREFIX = "Body"
MAX_CHUNKS = 16  # 16 x 64 KiB = 1 MiB, the entity limit; the real capacity is checked per entity


def content_etag(body: bytes) -> str:
    """Strong HTTP ETag of ``body``: a quoted SHA-256 of its bytes."""
    return f'"sha256-{hashlib.sha256(body).hexdigest()}"'


def chunk_name(index: int) -> str:
    return f"{CHUNK_PREFIX}{index:02d}"


def compress(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6, mtime=0)


def split_chunks(data: bytes, chunk_bytes: int = MAX_PROPERTY_VALUE_BYTES) -> list[bytes]:
    """``data`` cut into pieces of at most ``chunk_bytes`` (one empty piece for empty data)."""
    return [data[i : i + chunk_bytes] for i in range(0, len(data), chunk_bytes)] or [b""]


def chunk_properties(chunks: Sequence[bytes]) -> dict[str, bytes]:
    """The binary properties that hold ``chunks``, in order."""
    return {chunk_name(i): chunk for i, chunk in enumerate(chunks)}


def read_body(entity: Mapping[str, Any], chunk_count: int, size: int, etag: str) -> bytes:
    """Reassemble and decompress a body, verifying its size and content hash."""
    if not 1 <= chunk_count <= MAX_CHUNKS:
        raise CorruptEntityError(f"snapshot has an impossible chunk count {chunk_count}")
    compressed = b"".join(read_bytes(entity, chunk_name(i)) for i in range(chunk_count))
    try:
        body = gzip.decompress(compressed)
    except (OSError, EOFError, zlib.error):
        raise CorruptEntityError("snapshot body does not decompress") from None
    if len(body) != size or content_etag(body) != etag:
        raise CorruptEntityError("snapshot body does not match its recorded size and hash")
    return body
