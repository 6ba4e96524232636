"""Fan-out fetch activities: athlete, stats and recent activities, each already in its public form.

The privacy filter runs here, where data enters, so private activities and locations never reach
orchestration history or the snapshot.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import azure.durable_functions as df

from activities.best_effort import record_quietly
from orchestrations.contract import (
    FETCH_ACTIVITIES,
    FETCH_ATHLETE,
    FETCH_STATS,
    FetchResult,
    fetch_failed,
    fetched,
)
from orchestrations.failures import Failure, failure_from_error
from services import Services, services
from snapshot import PrivacyPolicy, public_activity, public_athlete, public_stats
from storage import TokenRecord, TokenStatus
from strava.client import StravaClient
from strava.errors import StravaError, UnauthorizedError

bp = df.Blueprint()
log = logging.getLogger(__name__)

SCAN_FACTOR = 3  # look at most this many times the wanted count when skipping private activities


@bp.activity_trigger(input_name="athlete_id", activity=FETCH_ATHLETE)
async def fetch_athlete(athlete_id: int) -> FetchResult:
    async def call(svc: Services, strava: StravaClient, record: TokenRecord) -> Any:
        return public_athlete(await strava.get_athlete(record.access_token))

    return await _with_token(int(athlete_id), call)


@bp.activity_trigger(input_name="athlete_id", activity=FETCH_STATS)
async def fetch_stats(athlete_id: int) -> FetchResult:
    async def call(svc: Services, strava: StravaClient, record: TokenRecord) -> Any:
        return public_stats(await strava.get_stats(record.access_token, record.athlete_id))

    return await _with_token(int(athlete_id), call)


@bp.activity_trigger(input_name="athlete_id", activity=FETCH_ACTIVITIES)
async def fetch_activities(athlete_id: int) -> FetchResult:
    async def call(svc: Services, strava: StravaClient, record: TokenRecord) -> Any:
        settings = svc.settings
        policy = PrivacyPolicy(settings.published_visibilities, settings.include_locations)
        wanted = settings.snapshot_activity_count
        published: list[dict[str, Any]] = []
        activities = strava.iter_activities(
            record.access_token, per_page=min(200, wanted * SCAN_FACTOR), limit=wanted * SCAN_FACTOR
        )
        async for activity in activities:
            item = public_activity(activity, policy)
            if item is not None:
                published.append(item)
                if len(published) == wanted:
                    break
        return published

    return await _with_token(int(athlete_id), call)


Call = Callable[[Services, StravaClient, TokenRecord], Awaitable[Any]]


async def _with_token(athlete_id: int, call: Call) -> FetchResult:
    """Run ``call`` with the stored token; on a 401, retry once if the lifecycle stored a newer token
    meanwhile, else report ``unauthorized`` so the orchestration asks the lifecycle to refresh.
    Afterwards, record the rate-limit usage this invocation saw (best effort)."""
    svc = services()
    strava = svc.strava_for_one_call()
    result = await _fetch(svc, strava, athlete_id, call)
    usage = strava.last_rate_limit
    if usage is not None:
        facts = {"rate_limit": json.dumps(usage.to_dict(), sort_keys=True)}
        await record_quietly(svc.diagnostics, athlete_id, facts)
    return result


async def _fetch(svc: Services, strava: StravaClient, athlete_id: int, call: Call) -> FetchResult:
    record = await svc.tokens.get(athlete_id)
    if record is None or record.status is not TokenStatus.ACTIVE:
        return fetch_failed(Failure("not_connected", "no active token for this athlete"))
    try:
        try:
            return fetched(await call(svc, strava, record))
        except UnauthorizedError as error:
            latest = await svc.tokens.get(athlete_id)
            if latest is None or latest.access_token == record.access_token:
                return fetch_failed(failure_from_error(error))
            return fetched(await call(svc, strava, latest))
    except StravaError as error:
        failure = failure_from_error(error)
        log.warning("athlete %s: fetch failed (%s)", athlete_id, failure.kind)
        return fetch_failed(failure)
