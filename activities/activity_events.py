"""Webhook events on single activities, checked with Strava before the store changes.

An event only names an activity; Strava's own read decides: a 404 (or an activity of someone else)
removes it, a read the privacy policy keeps private removes it, a published one is stored. The calls
were reserved by the orchestration (the debouncer's checks, or an ``activity_event`` run of the
previous design still in flight).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from activities.best_effort import record_quietly
from activities.budget import settle_calls
from activities.fetch import with_token
from activities.history import newest_start, split_published
from orchestrations.contract import FetchResult, fetch_failed, fetched
from orchestrations.failures import Failure, failure_from_error
from orchestrations.history_contract import ActivityEvent
from services import Services, services
from storage import TokenStatus
from strava.errors import NotFoundError, StravaError
from strava.ratelimits import RateLimitUsage
from timestamps import format_utc

if TYPE_CHECKING:  # annotations only: the Strava client loads on the first call
    from storage import TokenRecord
    from strava.client import StravaClient

log = logging.getLogger(__name__)


async def verify_activities(request: dict[str, Any]) -> FetchResult:
    """Read each of ``activity_ids`` (one reserved call each) and apply Strava's answer to the store.
    Stops at the first failure (the rest wait for the re-scan). Data: ``{"stored", "removed"}``."""
    athlete_id = int(request["athlete_id"])
    activity_ids = [int(item) for item in request["activity_ids"]]
    svc = services()
    strava = svc.strava_for_one_call()
    try:
        record = await svc.tokens.get(athlete_id)
        if record is None or record.status is not TokenStatus.ACTIVE:
            return fetch_failed(Failure("not_connected", "no active token for this athlete"))
        stored = removed = 0
        for activity_id in activity_ids:
            published = await _read(svc, strava, record, activity_id)
            changed = await _apply(svc, athlete_id, activity_id, published)
            stored += changed == "stored"
            removed += changed == "removed"
        return fetched({"stored": stored, "removed": removed})
    except StravaError as error:
        failure = failure_from_error(error)
        log.warning("athlete %s: activity check failed (%s)", athlete_id, failure.kind)
        return fetch_failed(failure)
    finally:
        usage = strava.last_rate_limit
        await settle_calls(svc, len(activity_ids), usage)
        if usage is not None:
            facts = {"rate_limit": _usage_json(usage)}
            await record_quietly(svc.diagnostics, athlete_id, facts)


async def _read(
    svc: Services, strava: StravaClient, record: TokenRecord, activity_id: int
) -> list[dict[str, Any]]:
    """The activity's published form (``[]``: gone, not the athlete's, or kept private)."""
    try:
        activity = await strava.get_activity(record.access_token, activity_id)
    except NotFoundError:
        return []
    if activity.owner_id is not None and activity.owner_id != record.athlete_id:
        return []  # someone else's public activity: never this athlete's
    published, _ = split_published(svc, [activity])
    return published


async def _apply(svc: Services, athlete_id: int, activity_id: int, published: list[dict[str, Any]]) -> str:
    """Store or remove per Strava's answer: ``stored``, ``removed`` or ``unchanged``."""
    state = await svc.sync_states.get(athlete_id)
    if published:
        await svc.activities.put(athlete_id, published, state.scan)
        outcome = "stored"
    else:
        outcome = "removed" if await svc.activities.delete(athlete_id, [activity_id]) else "unchanged"
    await _mark_synced(svc, athlete_id, published, changed=outcome != "unchanged")
    return outcome


async def apply_activity_event(event: ActivityEvent) -> FetchResult:
    """An ``activity_event`` run of the previous design: the activity is read (a delete too, whose
    call that design did not reserve) and Strava's answer applied. Data: ``{"stored", "removed"}``."""
    athlete_id, activity_id = int(event["athlete_id"]), int(event["activity_id"])

    async def call(svc: Services, strava: StravaClient, record: TokenRecord) -> Any:
        published = await _read(svc, strava, record, activity_id)
        outcome = await _apply(svc, record.athlete_id, activity_id, published)
        return {"stored": outcome == "stored", "removed": outcome == "removed"}

    return await with_token(athlete_id, call)


async def _mark_synced(
    svc: Services, athlete_id: int, published: list[dict[str, Any]], *, changed: bool
) -> None:
    now = format_utc(datetime.now(timezone.utc))
    await svc.sync_states.update(
        athlete_id,
        lambda state: replace(
            state,
            newest_start=newest_start(state, published),
            synced_at=now if changed else state.synced_at,
        ),
    )


def _usage_json(usage: RateLimitUsage) -> str:
    return json.dumps(usage.to_dict(), sort_keys=True)
