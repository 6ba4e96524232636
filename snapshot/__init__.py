"""The public stats snapshot: its schema, the privacy filter, and how it is assembled. Pure code, no I/O.

Names load from their modules on first use (PEP 562), so importing one module of the package does
not compile the rest (cold start, tests/app/test_cold_start.py)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from snapshot.assembly import SCHEMA_VERSION, assemble_snapshot
    from snapshot.privacy import PrivacyPolicy, public_activity, public_athlete, public_stats

_HOMES = {
    "SCHEMA_VERSION": "snapshot.assembly",
    "assemble_snapshot": "snapshot.assembly",
    "PrivacyPolicy": "snapshot.privacy",
    "public_activity": "snapshot.privacy",
    "public_athlete": "snapshot.privacy",
    "public_stats": "snapshot.privacy",
}

__all__ = [
    "SCHEMA_VERSION",
    "PrivacyPolicy",
    "assemble_snapshot",
    "public_activity",
    "public_athlete",
    "public_stats",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
