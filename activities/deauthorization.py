"""Activities of deauthorization. Idempotent: each may run twice."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

import azure.durable_functions as df

from activities.best_effort import record_quietly
from activities.budget import settle_calls
from orchestrations.contract import (
    GrantCheck,
    athlete_instance_ids,
)
from services import services
from starters import is_active
from storage import TokenStatus
from strava.errors import StravaError, UnauthorizedError
from timestamps import format_utc

log = logging.getLogger(__name__)
TERMINATE_REASON = "the athlete deauthorized this app on Strava"


async def check_grant(athlete_id: int) -> GrantCheck:
    """One read of the athlete with the stored access token (reserved by the orchestration): does
    Strava still honour the grant? ``revoked`` only for a 401 after the lifecycle already saw the
    refresh token refused."""
    athlete_id = int(athlete_id)
    svc = services()
    record = await svc.tokens.get(athlete_id)
    if record is None or record.status is TokenStatus.DEAUTHORIZED or not record.access_token:
        await settle_calls(svc, 1, None)
        return {"grant": "absent", "expires_at": None}
    strava = svc.strava_for_one_call()
    try:
        await strava.get_athlete(record.access_token)
    except UnauthorizedError:
        refused = record.status is TokenStatus.REAUTHORIZATION_REQUIRED
        return {"grant": "revoked" if refused else "unauthorized", "expires_at": record.expires_at}
    except StravaError as error:
        log.warning("athlete %s: grant check failed (%s)", athlete_id, type(error).__name__)
        return {"grant": "unknown", "expires_at": record.expires_at}
    finally:
        await settle_calls(svc, 1, strava.last_rate_limit)
    return {"grant": "granted", "expires_at": record.expires_at}


async def note_unverified_deauthorization(note: dict[str, Any]) -> None:
    """A deauthorization event Strava did not confirm: logged, and counted for the status endpoint."""
    athlete_id, verdict = int(note["athlete_id"]), str(note["verdict"])
    svc = services()
    log.warning(
        "athlete %s: deauthorization event not confirmed by Strava (%s); nothing erased", athlete_id, verdict
    )
    try:
        facts = await svc.diagnostics.read(athlete_id)
        count = int(facts.get("unverified_deauthorizations", 0) or 0)
    except Exception:
        count = 0
    now = format_utc(datetime.now(timezone.utc))
    await record_quietly(
        svc.diagnostics,
        athlete_id,
        {"unverified_deauthorizations": count + 1, "last_unverified_deauthorization_at": now},
    )


async def forget_athlete_tokens(athlete_id: int) -> dict[str, Any]:
    """Erase the tokens; the row keeps only ``deauthorized`` and when."""
    svc = services()
    forgotten = await svc.tokens.forget(int(athlete_id), datetime.now(timezone.utc))
    svc.public_reads.invalidate(int(athlete_id))  # this process; others revalidate within seconds
    return {"forgotten": forgotten is not None}


async def end_athlete_orchestrations(
    athlete_id: int, client: df.DurableOrchestrationClient
) -> dict[str, Any]:
    """Terminate the athlete's lifecycle, snapshot run, history sync and debouncer; lists those not ended yet
    (termination takes effect at the instance's next episode)."""
    if await _reauthorized(int(athlete_id)):
        return {"still_active": [], "skipped": "reauthorized"}
    still_active: list[str] = []
    for instance_id in athlete_instance_ids(int(athlete_id)):
        if not await is_active(client, instance_id):
            continue
        try:
            await client.terminate(instance_id, TERMINATE_REASON)
        except Exception as error:  # it finished in between
            log.info("terminate %s: %s", instance_id, type(error).__name__)
        still_active.append(instance_id)
    return {"still_active": still_active}


async def delete_athlete_data(athlete_id: int, client: df.DurableOrchestrationClient) -> dict[str, Any]:
    """Delete the snapshot, the stored activities and sync state, diagnostics, webhook receipts and the
    finished orchestrations' histories."""
    athlete_id = int(athlete_id)
    svc = services()
    if await _reauthorized(athlete_id):
        return {"skipped": "reauthorized"}
    snapshot = await svc.snapshots.delete(athlete_id)
    svc.public_reads.invalidate(athlete_id)
    activities = await svc.activities.delete_athlete(athlete_id)
    await svc.sync_states.delete(athlete_id)
    await svc.diagnostics.delete(athlete_id)
    receipts = await svc.webhooks.delete_athlete(athlete_id)
    purged = 0
    for instance_id in athlete_instance_ids(athlete_id):
        if await is_active(client, instance_id):
            continue
        result = await client.purge_instance_history(instance_id)
        purged += int(getattr(result, "instances_deleted", 0) or 0)
    log.info("athlete %s: data deleted after deauthorization", athlete_id)
    return {"snapshot": snapshot, "activities": activities, "webhook_receipts": receipts, "histories": purged}


async def _reauthorized(athlete_id: int) -> bool:
    """The athlete connected again since the deauthorization: what exists now is theirs to keep."""
    record = await services().tokens.get(athlete_id)
    return record is not None and record.status is TokenStatus.ACTIVE
