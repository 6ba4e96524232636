"""Start and wake the per-athlete singleton orchestrations through the durable client.

Used by the HTTP and timer triggers and by the activity that asks for a token refresh; races between
them (a lifecycle ending while it is woken, two starters at once) settle on the instance that runs.
"""

from __future__ import annotations

import logging

import azure.durable_functions as df

from orchestrations.contract import (
    REFRESH_NOW_EVENT,
    STATS_SNAPSHOT,
    TOKEN_LIFECYCLE,
    lifecycle_instance_id,
    snapshot_instance_id,
)

log = logging.getLogger(__name__)

ACTIVE = frozenset(
    {
        df.OrchestrationRuntimeStatus.Running,
        df.OrchestrationRuntimeStatus.Pending,
        df.OrchestrationRuntimeStatus.ContinuedAsNew,
        df.OrchestrationRuntimeStatus.Suspended,
    }
)


async def is_active(client: df.DurableOrchestrationClient, instance_id: str) -> bool:
    status = await client.get_status(instance_id)
    return bool(status) and status.runtime_status in ACTIVE


async def ensure_lifecycle(
    client: df.DurableOrchestrationClient, athlete_id: int, *, wake_reason: str | None = None
) -> str:
    """Make sure the athlete's token lifecycle runs; with ``wake_reason``, a running one is woken
    (``unauthorized`` forces a refresh; anything else re-reads the stored token).

    Returns ``started``, ``running`` or ``woken``.
    """
    instance_id = lifecycle_instance_id(athlete_id)
    if await is_active(client, instance_id):
        if wake_reason is None:
            return "running"
        try:
            await client.raise_event(instance_id, REFRESH_NOW_EVENT, {"reason": wake_reason})
            return "woken"
        except Exception as error:  # it ended in between: start a new one below
            log.info("could not wake %s (%s); starting it", instance_id, type(error).__name__)
    lifecycle_input = {"athlete_id": athlete_id, "force_pending": wake_reason == "unauthorized"}
    try:
        await client.start_new(TOKEN_LIFECYCLE, instance_id, lifecycle_input)
    except Exception:  # another starter won the race: that one is the lifecycle
        if await is_active(client, instance_id):
            return "running"
        raise
    return "started"


async def start_snapshot(client: df.DurableOrchestrationClient, athlete_id: int) -> tuple[str, bool]:
    """Start a snapshot run unless one is running; returns its instance id and whether it is new."""
    instance_id = snapshot_instance_id(athlete_id)
    if await is_active(client, instance_id):
        return instance_id, False
    try:
        await client.start_new(STATS_SNAPSHOT, instance_id, {"athlete_id": athlete_id})
    except Exception:  # lost a race with another starter: that run is the one
        if await is_active(client, instance_id):
            return instance_id, False
        raise
    return instance_id, True
