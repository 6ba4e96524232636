"""The public stats snapshot: its schema, the privacy filter, and how it is assembled. Pure code, no I/O."""

from snapshot.assembly import SCHEMA_VERSION, assemble_snapshot
from snapshot.privacy import PrivacyPolicy, public_activity, public_athlete, public_stats

__all__ = [
    "SCHEMA_VERSION",
    "PrivacyPolicy",
    "assemble_snapshot",
    "public_activity",
    "public_athlete",
    "public_stats",
]
