"""Single-use, short-lived OAuth ``state`` values (CSRF protection for the authorization callback).

Each state is bound to the browser that started the authorization (RFC 9700 §4.7): the row keeps a
SHA-256 of a secret the browser holds in a cookie, and only that browser can consume the state. A
consumed state is not deleted but turned into a tombstone by a write conditional on the ETag that
was read, so of two concurrent consumes exactly one wins and a replay is reported as "used".
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from storage.errors import ConcurrencyConflictError, CorruptEntityError, EntityNotFoundError
from storage.properties import etag_of, read_bool, read_datetime, read_str, require_utc
from storage.tables import TableService

StateData = dict[str, str | int | bool]
InvalidStateReason = Literal["malformed", "unknown", "expired", "used", "other_browser"]
STATE_ROW = "state"
STATE_BYTES = 32  # 256 bits of randomness
MAX_DATA_BYTES = 8 * 1024
_STATE_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # token_urlsafe(32)
_DATA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


class InvalidStateError(Exception):
    """The state cannot be accepted; ``reason`` says why (the state itself is never echoed)."""

    def __init__(self, reason: InvalidStateReason) -> None:
        super().__init__(f"OAuth state rejected: {reason}")
        self.reason: InvalidStateReason = reason


class OAuthStateStore:
    """State rows: PartitionKey = the state value, RowKey = "state"."""

    def __init__(self, service: TableService, table_name: str = "oauthstates") -> None:
        self._service = service
        self._table_name = table_name

    async def issue(
        self,
        now: datetime,
        ttl: timedelta,
        data: Mapping[str, str | int | bool] | None = None,
        *,
        binding: str,
    ) -> str:
        """A new random state valid until ``now + ttl``, carrying ``data`` back to the callback and
        usable only by whoever presents ``binding`` (the browser's cookie value)."""
        if ttl <= timedelta(0):
            raise ValueError("ttl must be positive")
        state = secrets.token_urlsafe(STATE_BYTES)
        table = await self._service.checked_table(self._table_name)
        await table.insert(
            {
                "PartitionKey": state,
                "RowKey": STATE_ROW,
                "ExpiresAt": require_utc(now, "now") + ttl,
                "Used": False,
                "Data": encode_data(data or {}),
                "BindingHash": _digest(binding),
            }
        )
        return state

    async def consume(self, state: str, now: datetime, binding: str | None) -> StateData:
        """Accept ``state`` exactly once before it expires, from the browser holding ``binding``, and
        return its data; else InvalidStateError. A state presented without its binding stays usable
        by its own browser."""
        now = require_utc(now, "now")
        if not isinstance(state, str) or not _STATE_SHAPE.fullmatch(state):
            raise InvalidStateError("malformed")
        table = await self._service.checked_table(self._table_name)
        entity = await table.get(state, STATE_ROW)
        if entity is None:
            raise InvalidStateError("unknown")
        if read_bool(entity, "Used"):
            raise InvalidStateError("used")
        expires_at = read_datetime(entity, "ExpiresAt")
        if now >= expires_at:
            raise InvalidStateError("expired")
        stored_hash = entity.get("BindingHash")
        if (
            not binding
            or not isinstance(stored_hash, str)
            or not hmac.compare_digest(stored_hash, _digest(binding))
        ):
            raise InvalidStateError("other_browser")
        tombstone = {"PartitionKey": state, "RowKey": STATE_ROW, "ExpiresAt": expires_at, "Used": True}
        try:
            await table.update(tombstone, etag_of(entity))
        except (ConcurrencyConflictError, EntityNotFoundError):
            raise InvalidStateError("used") from None
        return decode_data(read_str(entity, "Data"))

    async def purge_expired(self, now: datetime) -> int:
        """Delete states (used or not) that expired before ``now``; returns how many were removed."""
        table = await self._service.checked_table(self._table_name)
        cutoff = {"now": require_utc(now, "now")}
        expired = await table.query("ExpiresAt lt @now", cutoff, select=("PartitionKey", "RowKey"))
        for entity in expired:
            try:
                await table.delete(entity["PartitionKey"], entity["RowKey"])
            except EntityNotFoundError:
                continue
        return len(expired)


def _digest(binding: str) -> str:
    if not binding:
        raise ValueError("a state needs a browser binding")
    return hashlib.sha256(binding.encode()).hexdigest()


def encode_data(data: Mapping[str, str | int | bool]) -> str:
    """``data`` as compact JSON after checking names and value types."""
    for name, value in data.items():
        if not isinstance(name, str) or not _DATA_NAME.fullmatch(name):
            raise ValueError("state data names are identifiers of at most 64 characters")
        if not isinstance(value, str | int | bool):
            raise TypeError(f"state data {name!r} must be str, int or bool")
    text = json.dumps(dict(data), separators=(",", ":"), sort_keys=True)
    if len(text.encode()) > MAX_DATA_BYTES:
        raise ValueError(f"state data is over {MAX_DATA_BYTES} bytes")
    return text


def decode_data(text: str) -> StateData:
    decoded: Any = json.loads(text)
    if not isinstance(decoded, dict):
        raise CorruptEntityError("stored state data is not a JSON object")
    return {str(k): v for k, v in decoded.items() if isinstance(v, str | int | bool)}
