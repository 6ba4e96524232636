"""Token activities. Only the token lifecycle calls ``refresh_token``: one refresher per athlete."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Protocol

import azure.durable_functions as df

from activities.best_effort import record_quietly
from orchestrations.contract import (
    RefreshOutcome,
    RefreshRequest,
    RefreshRequested,
    RefreshResult,
    TokenState,
    refresh_failed,
    refreshed,
)
from orchestrations.failures import Failure, failure_from_error
from services import services
from starters import ensure_lifecycle
from storage import ConcurrencyConflictError, StorageError, TokenStatus
from storage.retry import ONLY_COPY_POLICY, RACES, retrying
from strava.errors import BadResponseError, ReauthorizationRequiredError, StravaError
from timestamps import as_utc, format_utc, from_epoch

if TYPE_CHECKING:
    from storage import TokenRecord
    from storage.retry import Clock as RetryClock
    from storage.retry import RetryBudget, StoragePolicy
    from storage.retry import Sleep as RetrySleep
    from strava.client import StravaClient
    from strava.models import TokenSet

log = logging.getLogger(__name__)

TOKEN_CALL_ATTEMPTS = 3  # a cut-off or unreadable 200 from the token endpoint is asked again


class TokenWriter(Protocol):
    async def get(self, athlete_id: int) -> TokenRecord | None: ...

    async def update(self, record: TokenRecord, *, policy: StoragePolicy | None = None) -> TokenRecord: ...


async def read_token_state(athlete_id: int) -> TokenState:
    """The token's status and expiry (not the token), the refresh margin in force, and the latest
    stored request for a forced refresh."""
    svc = services()
    record = await svc.tokens.get(int(athlete_id))
    requested = await svc.tokens.refresh_requested_at(int(athlete_id)) if record else None
    return {
        "status": record.status.value if record else "missing",
        "expires_at": record.expires_at if record else None,
        "refresh_margin_s": int(svc.settings.refresh_margin.total_seconds()),
        # to the microsecond, not the one whole-second format: a second request within the same
        # second must still compare newer than the answered one
        "refresh_requested_at": as_utc(requested).isoformat() if requested else None,
    }


async def refresh_token(request: RefreshRequest) -> RefreshResult:
    """Refresh the athlete's token if it is due (or ``force``); idempotent under at-least-once delivery.

    Outcomes: ``still_fresh`` (nothing to do; the store already holds a token beyond the margin, or a
    newer authorization), ``refreshed`` (new access token stored), ``unchanged`` (Strava gave back the
    same token), or ``failed``.
    """
    athlete_id, force = int(request["athlete_id"]), bool(request.get("force", False))
    svc = services()
    record = await svc.tokens.get(athlete_id)
    if record is None or record.status is not TokenStatus.ACTIVE:
        return refresh_failed(Failure("not_connected", "no active token for this athlete"))
    margin = svc.settings.refresh_margin.total_seconds()
    if not force and record.expires_at - time.time() > margin:
        return refreshed("still_fresh", record.expires_at)
    try:
        tokens = await call_token_endpoint(svc.strava, record.refresh_token)
    except ReauthorizationRequiredError as error:
        return await _mark_reauthorization_required(record, failure_from_error(error))
    except TokenLostError as lost:
        return await _mark_reauthorization_required(record, Failure("refresh_token_lost", str(lost)))
    except StravaError as error:
        return await _failed_refresh(athlete_id, failure_from_error(error))
    outcome: RefreshOutcome = "unchanged" if tokens.access_token == record.access_token else "refreshed"
    now = datetime.now(timezone.utc)
    try:
        stored = await store_rotated_pair(svc.tokens, record, tokens, now)
    except StorageError as error:  # the budget ran out: reported, never raised (see _rotated_pair_lost)
        return await _rotated_pair_lost(record, error)
    if stored.status is not record.status:
        from read_cache import invalidate_public_reads

        invalidate_public_reads(athlete_id)  # stored as active over a status set from the old pair
    if stored.refresh_token != tokens.refresh_token:
        # a new authorization replaced the pair meanwhile; it is newer than ours, so it stays
        return refreshed("still_fresh", stored.expires_at)
    await record_quietly(
        svc.diagnostics,
        athlete_id,
        {"last_refresh_at": format_utc(now), "last_refresh_outcome": outcome, "last_refresh_error": None},
    )
    expires = format_utc(from_epoch(tokens.expires_at))
    log.info("athlete %s: token %s, expires at %s", athlete_id, outcome, expires)
    return refreshed(outcome, tokens.expires_at)


class TokenLostError(StravaError):
    """Strava's answer to a refresh was cut off or unreadable, and asking again was refused: it had
    rotated the pair, the new refresh token never arrived, and the old one is dead."""


async def call_token_endpoint(strava: StravaClient, refresh_token: str) -> TokenSet:
    """Refresh, asking again after a cut-off or unreadable 200: while Strava has not rotated the pair
    it answers with the same pair again. A refusal after such an answer means it had rotated."""
    unreadable: BadResponseError | None = None
    for _ in range(TOKEN_CALL_ATTEMPTS):
        try:
            return await strava.refresh(refresh_token)
        except BadResponseError as error:
            unreadable = error
        except ReauthorizationRequiredError:
            if unreadable is None:
                raise
            raise TokenLostError(
                f"the refresh answer was lost ({unreadable}) and Strava now refuses the old refresh token"
            ) from None
    assert unreadable is not None
    raise unreadable


async def store_rotated_pair(
    store: TokenWriter,
    record: TokenRecord,
    tokens: TokenSet,
    now: datetime,
    *,
    budget: RetryBudget = RACES,
    clock: RetryClock = time.monotonic,
    sleep: RetrySleep = asyncio.sleep,
) -> TokenRecord:
    """Write the pair Strava just issued, as ``active``: after a rotation it is the only valid one, so
    the write rides out a storage outage of over a minute (ONLY_COPY_POLICY, the SDK's retries) and a
    lost race is re-read and retried (``budget``). Another
    writer's changes (consent, or a status set from the old pair) are kept underneath, unless it
    stored a different refresh token (a new authorization), which wins."""
    current = record

    async def attempt() -> TokenRecord:
        nonlocal current
        try:
            return await store.update(
                dataclasses.replace(
                    current,
                    access_token=tokens.access_token,
                    refresh_token=tokens.refresh_token,
                    expires_at=tokens.expires_at,
                    status=TokenStatus.ACTIVE,  # a pair Strava just issued is active
                    updated_at=now,
                ),
                policy=ONLY_COPY_POLICY,
            )
        except ConcurrencyConflictError:
            latest = await store.get(record.athlete_id)
            if latest is None or latest.refresh_token not in (record.refresh_token, tokens.refresh_token):
                return latest or record
            current = latest
            raise

    return await retrying(attempt, budget, clock=clock, sleep=sleep)


async def _rotated_pair_lost(record: TokenRecord, error: StorageError) -> RefreshResult:
    """Strava rotated the pair but the new one could not be stored: the old refresh token is dead.
    Reported as lost, not raised, since a retried activity would only spend the dead token and end as
    "reauthorization required"; the athlete is marked so if storage answers again (unless the write
    did land after all, or a newer authorization did)."""
    log.error(
        "athlete %s: the rotated token could not be stored (%s)", record.athlete_id, type(error).__name__
    )
    lost = Failure("refresh_token_lost", "Strava rotated the token but storage kept failing to save it")
    try:
        return await _mark_reauthorization_required(record, lost)
    except StorageError:
        return await _failed_refresh(record.athlete_id, lost)


async def _failed_refresh(athlete_id: int, failure: Failure) -> RefreshResult:
    facts = {"last_refresh_outcome": "failed", "last_refresh_error": failure.kind}
    await record_quietly(services().diagnostics, athlete_id, facts)
    log.warning("athlete %s: token refresh failed (%s)", athlete_id, failure.kind)
    return refresh_failed(failure)


async def _mark_reauthorization_required(record: TokenRecord, failure: Failure) -> RefreshResult:
    """Strava rejected the refresh token. Unless another writer stored a newer one, the athlete must
    authorize again; the token is marked so and the lifecycle ends."""
    svc = services()
    latest = await svc.tokens.get(record.athlete_id)
    if latest is not None and latest.refresh_token != record.refresh_token:
        return refreshed("still_fresh", latest.expires_at)
    marked = dataclasses.replace(
        record, status=TokenStatus.REAUTHORIZATION_REQUIRED, updated_at=datetime.now(timezone.utc)
    )
    try:
        await svc.tokens.update(marked)
    except ConcurrencyConflictError:
        latest = await svc.tokens.get(record.athlete_id)
        return refreshed("still_fresh", latest.expires_at if latest else record.expires_at)
    from read_cache import invalidate_public_reads

    invalidate_public_reads(record.athlete_id)  # public stats now answer 410
    return await _failed_refresh(record.athlete_id, failure)


async def request_token_refresh(athlete_id: int, client: df.DurableOrchestrationClient) -> RefreshRequested:
    """Ask the athlete's lifecycle for a refresh (a fetch met a rejected access token): the request is
    stored first, so it survives a wake-up the lifecycle drops; a stopped lifecycle is started again
    and a suspended one resumed."""
    await services().tokens.request_refresh(int(athlete_id), datetime.now(timezone.utc))
    outcome = await ensure_lifecycle(client, int(athlete_id), wake="unauthorized")
    if outcome == "started":
        log.warning("token lifecycle of athlete %s was not running; restarted", athlete_id)
    return {"lifecycle": outcome}
