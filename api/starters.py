"""Start the per-athlete singleton orchestrations through the durable client."""

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
    client: df.DurableOrchestrationClient, athlete_id: int, *, wake: bool = False
) -> str:
    """Start the athlete's token lifecycle unless it runs; ``wake`` makes a running one re-read the token.

    Returns ``started``, ``running`` or ``woken``.
    """
    instance_id = lifecycle_instance_id(athlete_id)
    if await is_active(client, instance_id):
        if not wake:
            return "running"
        await client.raise_event(instance_id, REFRESH_NOW_EVENT, {"reason": "reauthorized"})
        return "woken"
    await client.start_new(TOKEN_LIFECYCLE, instance_id, {"athlete_id": athlete_id})
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
