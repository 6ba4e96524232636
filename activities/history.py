"""History activities of a snapshot refresh: plan it, sync the newest page, start a refresh; and the
privacy split every history writer uses. Each Strava page is one call reserved in the shared budget;
writes to the activity store are upserts keyed by activity id, so a retried activity changes nothing
twice.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from activities.fetch import with_token
from orchestrations.contract import FetchResult
from orchestrations.history_contract import (
    PAGE_SIZE,
    RefreshPlan,
)
from services import services
from timestamps import format_utc, parse_utc

if TYPE_CHECKING:
    from services import Services
    from settings import Settings
    from snapshot.privacy import PrivacyPolicy
    from storage import SyncState, TokenRecord
    from strava.client import StravaClient
    from strava.models import SummaryActivity

log = logging.getLogger(__name__)


def policy_of(settings: Settings) -> PrivacyPolicy:
    """The privacy filter the settings describe."""
    from snapshot.privacy import PrivacyPolicy

    return PrivacyPolicy(settings.published_visibilities, settings.maps)


def split_published(svc: Services, page: list[SummaryActivity]) -> tuple[list[dict[str, Any]], list[int]]:
    """The page's published activities (public form) and the ids of those the policy keeps private."""
    from snapshot.privacy import public_activity

    policy = policy_of(svc.settings)
    published: list[dict[str, Any]] = []
    private: list[int] = []
    for activity in page:
        item = public_activity(activity, policy)
        if item is None:
            private.append(activity.id)
        else:
            published.append(item)
    return published, private


def _epoch(start_date: str) -> int:
    return int(parse_utc(start_date).timestamp())


def newest_start(state: SyncState, published: list[dict[str, Any]]) -> int:
    return max([state.newest_start, *(_epoch(item["start_date"]) for item in published)])


async def plan_refresh(athlete_id: int) -> RefreshPlan:
    """What this refresh needs besides stats and the newest page: the athlete's profile (unless cached),
    and which full scan to start: the one under way (a no-op while it runs, a resume if it stopped),
    else a backfill until one completed, then a re-scan when due."""
    svc = services()
    state = await svc.sync_states.get(int(athlete_id))
    now = datetime.now(timezone.utc)
    scan: Any = None
    if state.mode:  # a scan under way (or paused by a failure): starting it again resumes it
        scan = state.mode
    elif not state.complete:
        scan = "backfill"
    elif not state.mode and _due(state.last_full_scan_at, svc.settings.rescan_interval, now):
        scan = "rescan"
    return {"athlete": state.public_athlete(), "scan": scan}


def _due(last: str, interval: timedelta, now: datetime) -> bool:
    return not last or parse_utc(last) + interval <= now


async def sync_recent_activities(athlete_id: int) -> FetchResult:
    """One page (200) of activities started after the newest stored start minus the overlap: new ones
    are stored, ones now private removed, and stored ones of that span Strava no longer lists (deleted)
    removed when the page is not full. Data: ``{"changed", "full_page"}``."""

    async def call(svc: Services, strava: StravaClient, record: TokenRecord) -> Any:
        state = await svc.sync_states.get(record.athlete_id)
        after = (
            state.newest_start - int(svc.settings.sync_overlap.total_seconds())
            if state.newest_start
            else None
        )
        page = await strava.list_activities(record.access_token, per_page=PAGE_SIZE, after=after)
        published, private = split_published(svc, page)
        stored = (
            {}
            if after is None
            else await svc.activities.started_since(
                record.athlete_id, datetime.fromtimestamp(after + 1, timezone.utc)
            )
        )
        full = len(page) >= PAGE_SIZE
        listed = {activity.id for activity in page}
        gone = [] if full else [activity_id for activity_id in stored if activity_id not in listed]
        from storage.history import activity_body

        fresh = [item for item in published if stored.get(item["id"]) != activity_body(item)]
        removed = await svc.activities.delete(record.athlete_id, [*private, *gone])
        await svc.activities.put(record.athlete_id, fresh, state.scan)
        changed = bool(fresh or removed)
        now = format_utc(datetime.now(timezone.utc))
        await svc.sync_states.update(
            record.athlete_id,
            lambda current: replace(
                current,
                newest_start=newest_start(current, published),
                synced_at=now if changed or not current.synced_at else current.synced_at,
            ),
        )
        return {"changed": changed, "full_page": full}

    return await with_token(int(athlete_id), call)
