"""Full-scan activities of the history sync: the cursor, one page, the finish, and the starter.

Each page is one Strava call reserved in the shared budget by the orchestration; the cursor lives in
the sync state, so a lost or restarted instance resumes at the stored page. Pages run by key, not by
offset: each asks for the activities started before the oldest start seen so far (``before``), so an
activity deleted on Strava during a long scan shifts nothing and no existing one is skipped. What the
scan did not see is re-checked with Strava before it is removed as gone.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import azure.durable_functions as df

from activities.budget import reserve_calls, settle_calls
from activities.fetch import with_token
from activities.history import newest_start, policy_of, split_published
from orchestrations.contract import FetchResult, fetched
from orchestrations.history_contract import (
    HISTORY_SYNC,
    PAGE_SIZE,
    Cursor,
    HistoryStart,
    Started,
    history_instance_id,
)
from services import services
from starters import start_singleton
from storage import TokenStatus
from strava.errors import NotFoundError, RateLimitedError, StravaError
from timestamps import format_utc, parse_utc

if TYPE_CHECKING:
    from services import Services
    from storage import SyncState, TokenRecord
    from strava.client import StravaClient

log = logging.getLogger(__name__)
MAX_RECHECKS = 10  # stored activities a finishing scan asks Strava about before it removes unseen ones


def next_before(before: int, oldest_start: int | None, full: bool) -> int:
    """The key of the next page: the oldest start seen. After a full page that second is read again
    (``+ 1``), since activities sharing it may lie beyond the page's end, unless the whole page is that
    second (then past it, so the scan always moves)."""
    if oldest_start is None:
        return before
    return oldest_start + 1 if full and oldest_start + 1 < before else oldest_start


def scan_bound(scan: str) -> int:
    """The epoch second a scan reads activities before: just after the scan began (its id)."""
    return int(parse_utc(scan).timestamp()) + 1


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


async def sync_history_page(cursor: Cursor) -> FetchResult:
    """The next 200 activities started before ``before``: published ones stored as seen by this scan,
    private ones removed; the stored cursor moves past the page. Data: ``{"count", "before"}`` (count 0:
    the scan has read everything; ``before``: the key of the next page)."""

    async def call(svc: Services, strava: StravaClient, record: TokenRecord) -> Any:
        page = await strava.activity_page(record.access_token, per_page=PAGE_SIZE, before=cursor["before"])
        following = next_before(cursor["before"], page.oldest_start, page.size >= PAGE_SIZE)
        published, private = split_published(svc, page.activities)
        await svc.activities.delete(record.athlete_id, private)
        await svc.activities.put(record.athlete_id, published, cursor["scan"])
        now = format_utc(datetime.now(timezone.utc))

        def advance(state: SyncState) -> SyncState:
            moved = state.scan == cursor["scan"] and state.next_page <= cursor["page"]
            return replace(
                state,
                next_page=cursor["page"] + 1 if moved else state.next_page,
                before=following if moved else state.before,
                newest_start=newest_start(state, published),
                synced_at=now if published or private else state.synced_at,
            )

        await svc.sync_states.update(record.athlete_id, advance)
        return {"count": page.size, "before": following}

    return await with_token(int(cursor["athlete_id"]), call)


async def finish_history_scan(cursor: Cursor) -> FetchResult:
    """The scan read every page: stored activities it did not see are removed once Strava confirms it
    (kept when Strava cannot say), and the history is complete. See :func:`removable`."""
    svc = services()
    athlete_id = int(cursor["athlete_id"])
    unseen = await svc.activities.not_seen_by(athlete_id, cursor["scan"], before=scan_bound(cursor["scan"]))
    sample = recheck_sample(unseen)
    gone = removable(unseen, sample, await confirmed_gone(svc, athlete_id, sample, cursor["scan"]))
    removed = await svc.activities.delete(athlete_id, gone)
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


def recheck_sample(unseen: list[int], size: int = MAX_RECHECKS) -> list[int]:
    """At most ``size`` of ``unseen``, spread evenly over it (a scan that lost its tail is caught)."""
    if len(unseen) <= size:
        return list(unseen)
    step = len(unseen) / size
    return [unseen[int(i * step)] for i in range(size)]


def removable(unseen: list[int], sample: list[int], confirmed: list[int]) -> list[int]:
    """What a finishing scan removes. Every unseen id is absent from a page that had to contain it (the
    pages run by key); that is Strava's own answer, but a list can be wrong, so it is trusted only when
    every re-checked id of the sample was confirmed gone. Otherwise only the confirmed ones go and the
    rest wait for the next scan. A bulk edit of hundreds thus costs the sample's reads, not one each."""
    if sample and set(confirmed) == set(sample):
        return list(unseen)
    return list(confirmed)


async def confirmed_gone(svc: Services, athlete_id: int, unseen: list[int], scan: str) -> list[int]:
    """Of ``unseen``, the ids Strava says are gone (404) or no longer published; one still published is
    stored again as seen by ``scan``. Nothing is confirmed without the budget and an active token."""
    record = await svc.tokens.get(athlete_id)
    if not unseen or record is None or record.status is not TokenStatus.ACTIVE:
        return []
    work = f"re-checks of athlete {athlete_id}'s unseen activities"
    if not (await reserve_calls(svc, len(unseen), "low", work)).granted:
        log.info(
            "athlete %s: %s unseen activities kept until the next scan (budget)", athlete_id, len(unseen)
        )
        return []
    from snapshot.privacy import public_activity

    strava, policy, gone = svc.strava_for_one_call(), policy_of(svc.settings), []
    try:
        for activity_id in unseen:
            try:
                item = public_activity(await strava.get_activity(record.access_token, activity_id), policy)
            except NotFoundError:
                gone.append(activity_id)
                continue
            except RateLimitedError:  # the rest wait for the next scan
                log.info("athlete %s: re-checks stopped by Strava's rate limit", athlete_id)
                break
            except StravaError as error:  # Strava could not say: keep it
                log.warning(
                    "athlete %s: activity %s kept unconfirmed (%s)",
                    athlete_id,
                    activity_id,
                    type(error).__name__,
                )
                continue
            if item is None:
                gone.append(activity_id)
            else:
                await svc.activities.put(athlete_id, [item], scan)
    finally:
        await settle_calls(svc, len(unseen), strava.last_rate_limit)
    return gone


async def start_history_sync(request: HistoryStart, client: df.DurableOrchestrationClient) -> Started:
    """Start the athlete's history sync unless it runs (singleton ``history-sync-<id>``)."""
    athlete_id = int(request["athlete_id"])
    payload = {"athlete_id": athlete_id, "mode": request["mode"]}
    started = await start_singleton(client, HISTORY_SYNC, history_instance_id(athlete_id), payload)
    return {"started": started}
