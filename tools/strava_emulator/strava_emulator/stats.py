"""Athlete stats computed from activities, the way Strava reports them (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

from strava_emulator.model import RIDE_TYPES, RUN_TYPES, SWIM_TYPES, Activity

RECENT_SECONDS = 28 * 86400
GROUPS = (("ride", RIDE_TYPES), ("run", RUN_TYPES), ("swim", SWIM_TYPES))


def athlete_stats(activities: Sequence[Activity], now: float) -> dict[str, Any]:
    """``/athletes/{id}/stats``: only Everyone-visibility activities count, whatever the scopes.

    recent = started in the last 28 days, ytd = since 1 January (UTC) of ``now``'s year.
    As in real responses, ``achievement_count`` appears only in ``recent_*`` and the
    all-time times arrive as floats.
    """
    public = [item for item in activities if item.visibility == "everyone" and item.start <= now]
    year_start = datetime(
        datetime.fromtimestamp(now, timezone.utc).year, 1, 1, tzinfo=timezone.utc
    ).timestamp()
    rides = [item for item in public if item.sport_type in RIDE_TYPES]
    stats: dict[str, Any] = {
        "biggest_ride_distance": max((item.distance for item in rides), default=0.0),
        "biggest_climb_elevation_gain": max((item.elevation_gain for item in rides), default=0.0),
    }
    for period, since in (("recent", now - RECENT_SECONDS), ("ytd", year_start), ("all", float("-inf"))):
        for group, types in GROUPS:
            chosen = [item for item in public if item.sport_type in types and item.start >= since]
            stats[f"{period}_{group}_totals"] = totals(chosen, period)
    return stats


def totals(activities: Iterable[Activity], period: str) -> dict[str, Any]:
    """One ``*_totals`` object."""
    chosen = list(activities)
    moving = sum(item.moving_time for item in chosen)
    elapsed = sum(item.elapsed_time for item in chosen)
    result: dict[str, Any] = {
        "count": len(chosen),
        "distance": round(sum(item.distance for item in chosen), 1),
        "moving_time": float(moving) if period == "all" else moving,
        "elapsed_time": float(elapsed) if period == "all" else elapsed,
        "elevation_gain": round(sum(item.elevation_gain for item in chosen), 1),
    }
    if period == "recent":
        result["achievement_count"] = sum(item.achievement_count for item in chosen)
    return result
