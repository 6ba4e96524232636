"""Start, wake and resume the per-athlete singleton orchestrations through the durable client.

Used by the HTTP and timer triggers and by the activity that asks for a token refresh. Singletons
rest on the Durable extension refusing ``start_new`` for an instance that has not finished
(``overridableExistingInstanceStates: NonRunningStates`` in host.json). A refused start means another
starter won, so it is answered with that instance — whatever a status read still shows (on Azure's
storage backend it can show the previous, finished run for a moment). Starters in one process are
also serialized per instance, so they settle on one instance without relying on the refusal.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

import azure.durable_functions as df

from orchestrations.contract import (
    ACTIVE_STATES,
    REFRESH_NOW_EVENT,
    STATS_SNAPSHOT,
    SUSPENDED,
    TOKEN_LIFECYCLE,
    LifecycleOutcome,
    lifecycle_instance_id,
    snapshot_instance_id,
)

log = logging.getLogger(__name__)

_locks: weakref.WeakValueDictionary[tuple[int, str], asyncio.Lock] = weakref.WeakValueDictionary()


def runtime_status(status: df.DurableOrchestrationStatus | None) -> str | None:
    """The instance's runtime status as text (``None``: never started, or purged)."""
    if not status or status.runtime_status is None:
        return None
    return str(status.runtime_status.value)


async def start_singleton(
    client: df.DurableOrchestrationClient, orchestrator: str, instance_id: str, payload: Any
) -> bool:
    """Start ``instance_id`` unless it is active; True if this call started it."""
    key = (id(asyncio.get_running_loop()), instance_id)
    lock = _locks.get(key)
    if lock is None:
        lock = _locks[key] = asyncio.Lock()
    async with lock:
        if runtime_status(await client.get_status(instance_id)) in ACTIVE_STATES:
            return False
        try:
            await client.start_new(orchestrator, instance_id, payload)
        except Exception as error:
            if not await _refused(client, instance_id, error):
                raise
            log.info("start of %s refused: another starter won, answering with it", instance_id)
            return False
        return True


async def _refused(client: df.DurableOrchestrationClient, instance_id: str, error: Exception) -> bool:
    """Whether a failed ``start_new`` was the extension refusing a duplicate (its message says the
    instance already exists), rather than a failure to reach it."""
    if "already exists" in str(error).lower():
        return True
    return runtime_status(await client.get_status(instance_id)) in ACTIVE_STATES


async def ensure_lifecycle(
    client: df.DurableOrchestrationClient, athlete_id: int, *, wake: str | None = None
) -> LifecycleOutcome:
    """Make sure the athlete's token lifecycle runs: start it if it finished, resume it if suspended,
    and with ``wake`` (a reason, for the log) wake a sleeping one so it re-reads the token row."""
    instance_id = lifecycle_instance_id(athlete_id)
    state = runtime_status(await client.get_status(instance_id))
    if state == SUSPENDED:
        await client.resume(
            instance_id, "resumed by strava-snapshot: a suspended lifecycle refreshes nothing"
        )
        log.warning("token lifecycle of athlete %s was suspended; resumed", athlete_id)
        if wake is not None:
            await _wake(client, instance_id, wake)
        return "resumed"
    if state in ACTIVE_STATES:
        if wake is None:
            return "running"
        if await _wake(client, instance_id, wake):
            return "woken"
    started = await start_singleton(client, TOKEN_LIFECYCLE, instance_id, {"athlete_id": athlete_id})
    return "started" if started else "running"


async def _wake(client: df.DurableOrchestrationClient, instance_id: str, reason: str) -> bool:
    try:
        await client.raise_event(instance_id, REFRESH_NOW_EVENT, {"reason": reason})
    except Exception as error:  # it ended in between: the caller starts a new one
        log.info("could not wake %s (%s)", instance_id, type(error).__name__)
        return False
    return True


async def start_snapshot(client: df.DurableOrchestrationClient, athlete_id: int) -> tuple[str, bool]:
    """Start a snapshot run unless one is running; returns its instance id and whether it is new."""
    instance_id = snapshot_instance_id(athlete_id)
    started = await start_singleton(client, STATS_SNAPSHOT, instance_id, {"athlete_id": athlete_id})
    return instance_id, started
