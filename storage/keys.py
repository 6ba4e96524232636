"""PartitionKey/RowKey validation: every key this package writes or reads passes through here."""

from __future__ import annotations

import re

MAX_KEY_BYTES = 1024  # UTF-16, as the service counts
MAX_ATHLETE_ID = 2**63 - 1
_FORBIDDEN_KEY_CHARS = re.compile(r"[/\\#?\x00-\x1f\x7f-\x9f]")
_ATHLETE_ID = re.compile(r"[1-9][0-9]{0,18}")
_PREVIEW_CHARS = 24


class InvalidKeyError(ValueError):
    """A value cannot be used as a table key; the message shows at most a short preview of it."""


def preview(value: object) -> str:
    """A short repr of ``value`` for error messages, so huge or hostile input is never echoed in full."""
    text = repr(value)
    return text if len(text) <= _PREVIEW_CHARS else text[:_PREVIEW_CHARS] + f"...({len(text)} chars)"


def check_key(value: str) -> str:
    """Return ``value`` if it is a legal PartitionKey/RowKey, else raise InvalidKeyError."""
    if not isinstance(value, str):
        raise InvalidKeyError(f"table key must be a str, not {type(value).__name__}")
    size = len(value.encode("utf-16-le"))
    if size > MAX_KEY_BYTES:
        raise InvalidKeyError(f"table key is {size} bytes, over the {MAX_KEY_BYTES}-byte limit")
    if _FORBIDDEN_KEY_CHARS.search(value):
        raise InvalidKeyError(f"table key {preview(value)} contains / \\ # ? or a control character")
    return value


def athlete_key(athlete_id: int | str) -> str:
    """Canonical decimal key of a positive int64 athlete id; anything else raises InvalidKeyError."""
    if isinstance(athlete_id, bool) or not isinstance(athlete_id, int | str):
        raise InvalidKeyError(f"athlete id must be an int or a decimal str, not {type(athlete_id).__name__}")
    if isinstance(athlete_id, str):
        if not _ATHLETE_ID.fullmatch(athlete_id):
            raise InvalidKeyError(f"athlete id {preview(athlete_id)} is not a positive decimal integer")
        athlete_id = int(athlete_id)
    if not 1 <= athlete_id <= MAX_ATHLETE_ID:
        raise InvalidKeyError(f"athlete id {preview(athlete_id)} is outside 1..2**63-1")
    return str(athlete_id)


def athlete_id_from_key(key: str) -> int:
    """Inverse of :func:`athlete_key` for keys read back from a table."""
    return int(athlete_key(key))
