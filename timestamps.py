"""The app's one timestamp format, ``2026-11-24T21:38:05Z`` (UTC, whole seconds), and its parsing.

Statuses, diagnostics, snapshots and orchestration inputs all use it; Python 3.10's ``fromisoformat``
does not read the ``Z`` suffix, so every parse goes through :func:`parse_utc`.
"""

from __future__ import annotations

from datetime import datetime, timezone


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken as UTC (the orchestration clock is naive UTC)."""
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def format_utc(moment: datetime) -> str:
    """``moment`` in the one format: UTC, whole seconds, ``Z``."""
    return as_utc(moment).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str, *, require_zone: bool = False) -> datetime:
    """An aware UTC datetime from ISO-8601 text with ``Z``, an offset, or no zone (taken as UTC, unless
    ``require_zone``); ``ValueError`` for anything else."""
    if not isinstance(text, str):
        raise ValueError("a timestamp must be text")
    moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    if require_zone and moment.tzinfo is None:
        raise ValueError("timestamp without offset")
    return as_utc(moment)


def parse_wall_time(text: str) -> datetime:
    """A local wall-clock time (Strava's ``start_date_local``, with a misleading ``Z``) as naive."""
    if not isinstance(text, str):
        raise ValueError("a timestamp must be text")
    return datetime.fromisoformat(text[:-1] if text.endswith(("Z", "z")) else text).replace(tzinfo=None)


def from_epoch(seconds: int | float) -> datetime:
    """Epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc)
