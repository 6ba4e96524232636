"""Fetch activities: athlete and stats, each already in its public form, and the token handling every
Strava-calling activity shares (``with_token``).

The privacy filter runs where data enters, so private activities and locations never reach
orchestration history, the activity store or the snapshot. Each call was reserved in the shared rate
budget by the orchestration; ``with_token`` settles it with the usage Strava reported.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from activities.best_effort import record_quietly
from activities.budget import reserve_calls, settle_calls
from orchestrations.contract import (
    FetchResult,
    fetch_failed,
    fetched,
)
from orchestrations.failures import Failure, failure_from_error
from services import services
from storage import TokenStatus
from strava.errors import StravaError, UnauthorizedError
from timestamps import format_utc

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from services import Services
    from storage import TokenRecord
    from strava.client import StravaClient

    Call = Callable[[Services, StravaClient, TokenRecord], Awaitable[Any]]

log = logging.getLogger(__name__)


async def fetch_athlete(athlete_id: int) -> FetchResult:
    async def call(svc: Services, strava: StravaClient, record: TokenRecord) -> Any:
        from snapshot.privacy import public_athlete

        athlete = public_athlete(await strava.get_athlete(record.access_token))
        cached = json.dumps(athlete, sort_keys=True)
        await svc.sync_states.update(record.athlete_id, lambda state: replace(state, athlete=cached))
        return athlete

    return await with_token(int(athlete_id), call)


async def fetch_stats(athlete_id: int) -> FetchResult:
    async def call(svc: Services, strava: StravaClient, record: TokenRecord) -> Any:
        from snapshot.privacy import public_stats

        return public_stats(await strava.get_stats(record.access_token, record.athlete_id))

    return await with_token(int(athlete_id), call)


async def with_token(athlete_id: int, call: Call) -> FetchResult:
    """Run ``call`` (one Strava call the orchestration reserved) with the stored token; on a 401, retry
    once if the lifecycle stored a newer token meanwhile (a call of its own, reserved in the shared rate
    budget first), else report ``unauthorized`` so the orchestration asks the lifecycle to refresh.
    Afterwards, settle every call made with the usage Strava reported and record that usage (both best
    effort)."""
    svc = services()
    strava = svc.strava_for_one_call()
    calls = [1]  # reserved by the orchestration; the retry adds its own
    try:
        return await _fetch(svc, strava, athlete_id, call, calls)
    finally:
        usage = strava.last_rate_limit
        await settle_calls(svc, sum(calls), usage)
        if usage is not None:
            facts = {"rate_limit": json.dumps(usage.to_dict(), sort_keys=True)}
            await record_quietly(svc.diagnostics, athlete_id, facts)


async def _fetch(
    svc: Services, strava: StravaClient, athlete_id: int, call: Call, calls: list[int]
) -> FetchResult:
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
            decision = await reserve_calls(svc, 1, "high", f"retry after a 401 for athlete {athlete_id}")
            if not decision.granted:
                until = format_utc(decision.until) if decision.until else None
                return fetch_failed(Failure("rate_limited", decision.reason, until))
            calls.append(1)
            return fetched(await call(svc, strava, latest))
    except StravaError as error:
        failure = failure_from_error(error)
        log.warning("athlete %s: fetch failed (%s)", athlete_id, failure.kind)
        return fetch_failed(failure)
