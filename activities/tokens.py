"""Token activities. Only the token lifecycle calls ``refresh_token``: one refresher per athlete."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from datetime import datetime, timezone
from typing import Any

import azure.durable_functions as df

from activities.failures import failure_from_error
from orchestrations.contract import (
    READ_TOKEN_STATE,
    REFRESH_TOKEN,
    REQUEST_TOKEN_REFRESH,
    Failure,
    failed,
)
from orchestrations.starters import ensure_lifecycle
from orchestrations.timing import iso
from services import services
from storage import ConcurrencyConflictError, StorageError, TokenRecord, TokenStatus
from strava.errors import ReauthorizationRequiredError, StravaError
from strava.models import TokenSet

bp = df.Blueprint()
log = logging.getLogger(__name__)

WRITE_ATTEMPTS = 5


@bp.activity_trigger(input_name="athlete_id", activity=READ_TOKEN_STATE)
async def read_token_state(athlete_id: int) -> dict[str, Any]:
    """The token's status and expiry (not the token), and the refresh margin in force."""
    svc = services()
    record = await svc.tokens.get(int(athlete_id))
    return {
        "status": record.status.value if record else "missing",
        "expires_at": record.expires_at if record else None,
        "refresh_margin_s": int(svc.settings.refresh_margin.total_seconds()),
    }


@bp.activity_trigger(input_name="request", activity=REFRESH_TOKEN)
async def refresh_token(request: dict[str, Any]) -> dict[str, Any]:
    """Refresh the athlete's token if it is due (or ``force``); idempotent under at-least-once delivery.

    Outcomes: ``still_fresh`` (nothing to do; the store already holds a token beyond the margin),
    ``refreshed`` (new access token stored), ``unchanged`` (Strava gave back the same token), or a failure.
    """
    athlete_id, force = int(request["athlete_id"]), bool(request.get("force", False))
    svc = services()
    record = await svc.tokens.get(athlete_id)
    if record is None or record.status is not TokenStatus.ACTIVE:
        return failed(Failure("not_connected", "no active token for this athlete"))
    margin = svc.settings.refresh_margin.total_seconds()
    if not force and record.expires_at - time.time() > margin:
        return {"outcome": "still_fresh", "expires_at": record.expires_at}
    try:
        tokens = await svc.strava.refresh(record.refresh_token)
    except ReauthorizationRequiredError as error:
        return await _mark_reauthorization_required(record, failure_from_error(error))
    except StravaError as error:
        return await _failed_refresh(athlete_id, failure_from_error(error))
    outcome = "unchanged" if tokens.access_token == record.access_token else "refreshed"
    now = datetime.now(timezone.utc)
    stored = await _store_refreshed(record, tokens, now)
    if stored.refresh_token != tokens.refresh_token:
        # a new authorization replaced the pair meanwhile; it is newer than ours, so it stays
        return {"outcome": "still_fresh", "expires_at": stored.expires_at}
    await svc.diagnostics.record(
        athlete_id,
        {"last_refresh_at": iso(now), "last_refresh_outcome": outcome, "last_refresh_error": None},
    )
    log.info("athlete %s: token %s, expires at %s", athlete_id, outcome, tokens.expires_at)
    return {"outcome": outcome, "expires_at": tokens.expires_at}


async def _store_refreshed(record: TokenRecord, tokens: TokenSet, now: datetime) -> TokenRecord:
    """Write the pair Strava just issued. After a rotation it is the only valid one, so a conflict or a
    storage hiccup must not lose it: re-read and retry, unless another writer stored a different
    refresh token (a new authorization), which wins."""
    svc = services()
    current = record
    for attempt in range(WRITE_ATTEMPTS):
        updated = dataclasses.replace(
            current,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            updated_at=now,
        )
        try:
            return await svc.tokens.update(updated)
        except ConcurrencyConflictError:
            pass
        except StorageError:
            if attempt == WRITE_ATTEMPTS - 1:
                raise
            await asyncio.sleep(0.5 * (attempt + 1))
        latest = await svc.tokens.get(record.athlete_id)
        if latest is None or latest.refresh_token not in (record.refresh_token, tokens.refresh_token):
            return latest or record
        current = latest
    raise ConcurrencyConflictError("token kept changing while storing a refreshed pair")


async def _failed_refresh(athlete_id: int, failure: Failure) -> dict[str, Any]:
    await services().diagnostics.record(
        athlete_id, {"last_refresh_outcome": "failed", "last_refresh_error": failure.kind}
    )
    log.warning("athlete %s: token refresh failed (%s)", athlete_id, failure.kind)
    return failed(failure)


async def _mark_reauthorization_required(record: TokenRecord, failure: Failure) -> dict[str, Any]:
    """Strava rejected the refresh token. Unless another writer stored a newer one, the athlete must
    authorize again; the token is marked so and the lifecycle ends."""
    svc = services()
    latest = await svc.tokens.get(record.athlete_id)
    if latest is not None and latest.refresh_token != record.refresh_token:
        return {"outcome": "still_fresh", "expires_at": latest.expires_at}
    marked = dataclasses.replace(
        record, status=TokenStatus.REAUTHORIZATION_REQUIRED, updated_at=datetime.now(timezone.utc)
    )
    try:
        await svc.tokens.update(marked)
    except ConcurrencyConflictError:
        latest = await svc.tokens.get(record.athlete_id)
        return {"outcome": "still_fresh", "expires_at": latest.expires_at if latest else record.expires_at}
    return await _failed_refresh(record.athlete_id, failure)


@bp.activity_trigger(input_name="athlete_id", activity=REQUEST_TOKEN_REFRESH)
@bp.durable_client_input(client_name="client")
async def request_token_refresh(athlete_id: int, client: df.DurableOrchestrationClient) -> dict[str, Any]:
    """Ask the athlete's lifecycle to refresh now (a fetch met a rejected access token); a lifecycle
    that stopped is started again, with a forced refresh."""
    outcome = await ensure_lifecycle(client, int(athlete_id), wake_reason="unauthorized")
    if outcome == "started":
        log.warning("token lifecycle of athlete %s was not running; restarted", athlete_id)
    return {"lifecycle": outcome}
