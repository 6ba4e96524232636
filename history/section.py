"""Compose the snapshot's ``history``, ``goals`` and ``recent_activities`` from the stored activities.

Pure: the save activity reads the store and calls this, so 5,000 activities never pass through
orchestration history; only the finished document is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from history.aggregates import (
    HistoryActivity,
    by_month,
    by_week,
    by_year,
    daily,
    days,
    local_today,
    streaks,
)
from history.goals import Goal, goal_progress


def newest_first(stored: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(stored, key=lambda item: (str(item["start_date"]), int(item["id"])), reverse=True)


def history_fields(
    stored: Sequence[Mapping[str, Any]],
    *,
    complete: bool,
    synced_at: str | None,
    goals: Sequence[Goal],
    now: datetime,
) -> dict[str, Any]:
    """``{"history": {...}, "goals": [...]}`` for the published activities in ``stored``."""
    ordered = newest_first(stored)
    items = [HistoryActivity.from_public(item) for item in ordered]
    today = local_today(items[0].utc_offset if items else None, now)
    return {
        "history": {
            "activity_count": len(items),
            "complete": complete,
            "synced_at": synced_at,
            "today": today.isoformat(),
            "by_year": by_year(items, today),
            "by_month": by_month(items, today),
            "by_week": by_week(items, today),
            "daily": daily(items, today),
            "days": days(items),
            "streaks": streaks(items, today),
        },
        "goals": goal_progress(goals, items, today),
    }


def recent_activities(stored: Sequence[Mapping[str, Any]], count: int) -> list[dict[str, Any]]:
    """The ``count`` newest stored activities, newest first."""
    return [dict(item) for item in newest_first(stored)[:count]]
