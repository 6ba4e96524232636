"""Function and master keys, enforced only when devhost runs with ``--require-keys``."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

MASTER_KEY_VARIABLE = "DEVHOST_MASTER_KEY"
FUNCTION_KEY_VARIABLE = "DEVHOST_FUNCTION_KEY"
DURABLE_KEY_VARIABLE = "DEVHOST_DURABLE_KEY"  # the system key ``durabletask_extension`` on Azure
KEY_HEADER = "x-functions-key"
KEY_QUERY = "code"


@dataclass(frozen=True)
class HostKeys:
    """The master key, the (single, shared) function key and the Durable extension's system key,
    which opens only the durable webhooks and is what management URLs carry. ``repr`` hides them."""

    master: str = field(repr=False)
    function: str = field(repr=False)
    durable: str = field(repr=False, default_factory=lambda: secrets.token_urlsafe(32))
    generated: tuple[str, ...] = ()  # names of keys generated at start ("master", "function", "durable")

    def allows(self, auth_level: str, supplied: str | None) -> bool:
        """Whether ``supplied`` opens a route of ``auth_level`` (ANONYMOUS, FUNCTION, ADMIN/SYSTEM)."""
        level = auth_level.upper()
        if level == "ANONYMOUS":
            return True
        if not supplied:
            return False
        if _same(supplied, self.master):
            return True
        return level == "FUNCTION" and _same(supplied, self.function)

    def opens_durable_webhooks(self, supplied: str | None) -> bool:
        """The durable system key or the master key."""
        return bool(supplied) and (_same(supplied or "", self.durable) or _same(supplied or "", self.master))


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def load_keys(environ: Mapping[str, str]) -> HostKeys:
    """Keys from the environment, or freshly generated ones."""
    generated = []
    master = environ.get(MASTER_KEY_VARIABLE, "")
    if not master:
        master = secrets.token_urlsafe(32)
        generated.append("master")
    function = environ.get(FUNCTION_KEY_VARIABLE, "")
    if not function:
        function = secrets.token_urlsafe(32)
        generated.append("function")
    durable = environ.get(DURABLE_KEY_VARIABLE, "")
    if not durable:
        durable = secrets.token_urlsafe(32)
        generated.append("durable")
    return HostKeys(master, function, durable, tuple(generated))


def supplied_key(query: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
    """The key a caller sent: header ``x-functions-key`` or query ``code``."""
    return headers.get(KEY_HEADER) or query.get(KEY_QUERY) or None
