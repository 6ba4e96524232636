"""Full-scan activities of the history sync: the cursor, one page, the finish, and the starter.

Each page is one Strava call reserved in the shared budget by the orchestration; the cursor lives in
the sync state, so a lost or restarted instance resumes at the stored page.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import azure.durable_functions as df

from activities.fetch import with_token
from activities.history import newest_start, split_published
from orchestrations.contract import FetchResult, fetched
from orchestrations.history_contract import (
    FINISH_HISTORY_SCAN,
    HISTORY_CURSOR,
    HISTORY_SYNC,
    PAGE_SIZE,
    START_HISTORY_SYNC,
    SYNC_HISTORY_PAGE,
    Cursor,
    HistoryStart,
    Started,
    history_instance_id,
)
from services import Services, services
from starters import start_singleton
from storage import SyncState, TokenRecord
from strava.client import StravaClient
from timestamps import format_utc

bp = df.Blueprint()
log = logging.getLogger(__name__)


@bp.activity_trigger(input_name="cursor", activity=HISTORY_CURSOR)
async def history_cursor(cursor: Cursor) -> Cursor:
    """Where the athlete's full scan stands: the stored cursor of a scan under way (resumed after a
    restart), or a new scan begun with ``cursor`` (idempotent: beginning the same scan twice is one)."""
    svc = services()
    athlete_id = int(cursor["athlete_id"])

    def begin(state: SyncState) -> SyncState:
        if state.mode:
            return state
        return replace(state, mode=cursor["mode"], scan=cursor["scan"], next_page=1, before=cursor["before"])

    state = await svc.sync_states.update(athlete_id, begin)
    mode: Any = state.mode
    return {
        "athlete_id": athlete_id,
        "mode": mode,
        "scan": state.scan,
        "before": state.before,
        "page": state.next_page,
    }


@bp.activity_trigger(input_name="cursor", activity=SYNC_HISTORY_PAGE)
async def sync_history_page(cursor: Cursor) -> FetchResult:
    """Page ``page`` (200 per page) of the activities started before the scan's start: published ones
    stored as seen by this scan, private ones removed; the stored cursor moves past the page.
    Data: ``{"count"}`` (0: the scan has read everything)."""

    async def call(svc: Services, strava: StravaClient, record: TokenRecord) -> Any:
        page = await strava.list_activities(
            record.access_token, page=cursor["page"], per_page=PAGE_SIZE, before=cursor["before"]
        )
        published, private = split_published(svc, page)
        await svc.activities.delete(record.athlete_id, private)
        await svc.activities.put(record.athlete_id, published, cursor["scan"])
        now = format_utc(datetime.now(timezone.utc))

        def advance(state: SyncState) -> SyncState:
            moved = state.scan == cursor["scan"] and state.next_page <= cursor["page"]
            return replace(
                state,
                next_page=cursor["page"] + 1 if moved else state.next_page,
                newest_start=newest_start(state, published),
                synced_at=now if published or private else state.synced_at,
            )

        await svc.sync_states.update(record.athlete_id, advance)
        return {"count": len(page)}

    return await with_token(int(cursor["athlete_id"]), call)


@bp.activity_trigger(input_name="cursor", activity=FINISH_HISTORY_SCAN)
async def finish_history_scan(cursor: Cursor) -> FetchResult:
    """The scan read every page: stored activities it did not see (deleted on Strava, or no longer
    published) are removed, and the history is complete."""
    svc = services()
    athlete_id = int(cursor["athlete_id"])
    stale = await svc.activities.not_seen_by(athlete_id, cursor["scan"], before=cursor["before"])
    removed = await svc.activities.delete(athlete_id, stale)
    now = format_utc(datetime.now(timezone.utc))

    def finish(state: SyncState) -> SyncState:
        if state.scan != cursor["scan"]:
            return state
        return replace(
            state,
            mode="",
            complete=True,
            last_full_scan_at=now,
            synced_at=now if removed or not state.complete else state.synced_at,
        )

    await svc.sync_states.update(athlete_id, finish)
    log.info("athlete %s: history %s complete (%s removed)", athlete_id, cursor["mode"], removed)
    return fetched({"removed": removed})


@bp.activity_trigger(input_name="request", activity=START_HISTORY_SYNC)
@bp.durable_client_input(client_name="client")
async def start_history_sync(request: HistoryStart, client: df.DurableOrchestrationClient) -> Started:
    """Start the athlete's history sync unless it runs (singleton ``history-sync-<id>``)."""
    athlete_id = int(request["athlete_id"])
    payload = {"athlete_id": athlete_id, "mode": request["mode"]}
    started = await start_singleton(client, HISTORY_SYNC, history_instance_id(athlete_id), payload)
    return {"started": started}
