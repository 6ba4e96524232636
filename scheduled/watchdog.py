"""The scheduled job (``SNAPSHOT_SCHEDULE``): a fresh snapshot for each active athlete, and a watchdog
that restarts a token lifecycle that stopped and resumes one that was suspended (eternal
orchestrations are known to stop silently; a suspended one refreshes nothing). It also purges
expired OAuth states and old webhook receipts."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import azure.durable_functions as df
import azure.functions as func

from services import services
from starters import ensure_lifecycle, start_snapshot
from storage import TokenStatus

log = logging.getLogger(__name__)
WEBHOOK_RECEIPT_TTL = timedelta(days=1)  # Strava retries a delivery within minutes, not days


async def scheduled_snapshots(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    svc = services()
    now = datetime.now(timezone.utc)
    try:
        purged = await svc.states.purge_expired(now)
    except Exception as error:  # housekeeping: its trouble must not stop the athletes' runs
        log.error("purging expired OAuth states failed: %s", type(error).__name__)
    else:
        if purged:
            log.info("purged %s expired or used OAuth states", purged)
    try:
        receipts = await svc.webhooks.purge_receipts(now - WEBHOOK_RECEIPT_TTL)
    except Exception as error:  # the same: housekeeping
        log.error("purging old webhook receipts failed: %s", type(error).__name__)
    else:
        if receipts:
            log.info("purged %s webhook receipts older than a day", receipts)
    for record in await svc.tokens.list_athletes():
        if record.status is not TokenStatus.ACTIVE:
            continue
        try:
            await watch(client, record.athlete_id)
        except Exception as error:  # one athlete's trouble must not stop the others
            log.error("scheduled run for athlete %s failed: %s", record.athlete_id, type(error).__name__)


async def watch(client: df.DurableOrchestrationClient, athlete_id: int) -> None:
    """One athlete's scheduled run: the lifecycle running (restarted or resumed, logged), a snapshot."""
    outcome = await ensure_lifecycle(client, athlete_id)
    if outcome == "started":
        log.warning("watchdog: token lifecycle of athlete %s was not running; restarted", athlete_id)
    elif outcome == "resumed":
        log.warning("watchdog: token lifecycle of athlete %s was suspended; resumed", athlete_id)
    instance_id, started = await start_snapshot(client, athlete_id)
    log.info("scheduled snapshot %s: %s", instance_id, "started" if started else "already running")
