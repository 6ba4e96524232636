"""Combine the three fetches into one versioned snapshot document (pure; runs inside the orchestrator)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from timestamps import format_utc

SCHEMA_VERSION = 1
ATTRIBUTION = {"text": "Powered by Strava", "url": "https://www.strava.com"}


def assemble_snapshot(
    athlete: Mapping[str, Any],
    stats: Mapping[str, Any],
    activities: Sequence[Mapping[str, Any]],
    generated_at: datetime,
) -> dict[str, Any]:
    """The snapshot document served to sites; inputs are already privacy-filtered public dicts.

    Activities are ordered newest first by ``start_date`` (Strava's order is not guaranteed).
    """
    ordered = sorted(activities, key=lambda item: (item["start_date"], item["id"]), reverse=True)
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": format_utc(generated_at),
        "athlete": dict(athlete),
        "stats": dict(stats),
        "recent_activities": [dict(item) for item in ordered],
        "attribution": dict(ATTRIBUTION),
    }
