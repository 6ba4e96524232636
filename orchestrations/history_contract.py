"""Names, instance ids and JSON shapes of the activity history and the shared rate budget."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

HISTORY_SYNC = "history_sync"  # orchestration: a backfill or re-scan, one page per continue_as_new

RESERVE_BUDGET = "reserve_budget"
PLAN_REFRESH = "plan_refresh"
SYNC_RECENT = "sync_recent_activities"
HISTORY_CURSOR = "history_cursor"
SYNC_HISTORY_PAGE = "sync_history_page"
FINISH_HISTORY_SCAN = "finish_history_scan"
START_HISTORY_SYNC = "start_history_sync"
ACTIVITY_EVENT = "activity_event"  # orchestration: one webhook event applied to the activity store
APPLY_ACTIVITY_EVENT = "apply_activity_event"

PAGE_SIZE = 200  # Strava's maximum per_page
ScanMode = Literal["backfill", "rescan"]


def history_instance_id(athlete_id: int) -> str:
    """The singleton history sync of one athlete."""
    return f"history-sync-{athlete_id}"


class BudgetRequest(TypedDict):
    calls: int
    priority: Literal["high", "normal", "low"]
    work: str  # what waits, in words, for the status endpoint
    athlete_id: int  # whose status names a reservation that failed


class BudgetDecision(TypedDict):
    granted: bool
    until: str | None  # ISO-8601 UTC: when to ask again
    reason: str


class RefreshPlan(TypedDict):
    athlete: dict[str, Any] | None  # the cached public athlete; None: fetch it in this refresh
    scan: ScanMode | None  # a full scan to start after this refresh (None: none due)


class ActivityEvent(TypedDict):
    """A Strava activity webhook event, as the webhook receiver hands it over."""

    athlete_id: int  # owner_id
    activity_id: int  # object_id
    aspect: Literal["create", "update", "delete"]


class HistoryStart(TypedDict):
    athlete_id: int
    mode: ScanMode


class Started(TypedDict):
    started: bool  # False: it was running already


class Cursor(TypedDict):
    athlete_id: int
    mode: ScanMode
    scan: str  # the scan's id (its start time)
    before: int  # epoch seconds, the page key: the next page holds activities started before this
    page: int  # pages read so far + 1 (progress only: pages are fetched by key, not by offset)
