"""The public stats snapshot: its schema, the privacy filter, and how it is assembled. Pure code, no I/O.

Each name loads from its module on first use (``lazy_exports``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lazy_exports import lazy_exports

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

if not TYPE_CHECKING:  # to the type checker the names are the imports above
    __getattr__ = lazy_exports(__name__, _HOMES)
