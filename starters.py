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
from datetime import datetime, timedelta, timezone
from typing import Any

import azure.durable_functions as df

from orchestrations.contract import (
    ACTIVE_STATES,
    ATHLETE_CHANGED_EVENT,
    ATHLETE_DEAUTHORIZATION,
    DEAUTHORIZATION_EVENT,
    REFRESH_NOW_EVENT,
    STATS_SNAPSHOT,
    SUSPENDED,
    TOKEN_LIFECYCLE,
    WEBHOOK_DEBOUNCE,
    LifecycleOutcome,
    deauthorization_instance_id,
    debounce_instance_id,
    lifecycle_instance_id,
    snapshot_instance_id,
)
from orchestrations.webhook_debounce import changed_activity
from timestamps import parse_utc

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


async def is_active(client: df.DurableOrchestrationClient, instance_id: str) -> bool:
    """Whether the instance has not finished (Suspended counts)."""
    return runtime_status(await client.get_status(instance_id)) in ACTIVE_STATES


COVER_MARGIN = timedelta(seconds=1)  # clock skew between app instances is far smaller
SIGNAL_ATTEMPTS = 3
_refresh_due: dict[
    str, datetime
] = {}  # debouncer instance seen running -> its scheduled refresh (this process)


def scheduled_refresh(custom_status: Any) -> datetime | None:
    """The refresh a debouncing debouncer has scheduled (its custom status), if any.

    An event announced more than ``COVER_MARGIN`` before that moment needs no signal: timers never
    fire early, so the refresh reads Strava after the change. Skipping the signal spares the
    debouncer an episode per event in a burst (and this process a status read per event)."""
    if not isinstance(custom_status, dict) or custom_status.get("phase") != "debouncing":
        return None
    try:
        return parse_utc(str(custom_status["refresh_at"]), require_zone=True)
    except (KeyError, ValueError):
        return None


def _rescanning(custom_status: Any) -> bool:
    """Whether the debouncer's burst already ends in a history re-scan (its ids passed the cap)."""
    return isinstance(custom_status, dict) and custom_status.get("overflow") is True


def forget_scheduled_refresh(athlete_id: int) -> None:
    """After a deauthorization the debouncer is ended: no refresh is ahead any more."""
    _refresh_due.pop(debounce_instance_id(athlete_id), None)


async def signal_debouncer(
    client: df.DurableOrchestrationClient, athlete_id: int, initial: dict[str, Any], hint: dict[str, Any]
) -> str:
    """Tell the athlete's webhook debouncer that something changed: an event to the running one, or a
    new one started with the change already folded in (``initial``) through :func:`start_singleton`,
    so racing starters settle on one instance (a refused start signals the winner). Returns
    ``signalled``, ``started`` or ``covered``: a refresh is already due late enough to include the
    change, and the event names no activity the debouncer must check (a ``create``), or the burst
    already ends in a re-scan that reads every activity."""
    instance_id = debounce_instance_id(athlete_id)
    may_skip = changed_activity(hint) is None
    known_due = _refresh_due.get(instance_id)
    if may_skip and known_due is not None and known_due - datetime.now(timezone.utc) > COVER_MARGIN:
        return "covered"  # timers never fire early: that refresh is still ahead
    for attempt in range(SIGNAL_ATTEMPTS):
        if attempt:
            await asyncio.sleep(0.05 * attempt)  # a racing starter elsewhere is still creating it
        status = await client.get_status(instance_id)
        if runtime_status(status) in ACTIVE_STATES:
            due = scheduled_refresh(status.custom_status)
            if due is not None:
                _refresh_due[instance_id] = due
            # a burst past the pending cap ends in a re-scan that reads every activity anyway
            covers = may_skip or _rescanning(status.custom_status)
            if due is not None and covers and due - datetime.now(timezone.utc) > COVER_MARGIN:
                return "covered"
            try:
                await client.raise_event(instance_id, ATHLETE_CHANGED_EVENT, hint)
                return "signalled"
            except Exception as error:  # it ended in between: start a new one
                log.info("could not signal %s (%s)", instance_id, type(error).__name__)
        if await start_singleton(client, WEBHOOK_DEBOUNCE, instance_id, initial):
            return "started"
    raise RuntimeError(f"{instance_id} could not be signalled or started")


async def start_deauthorization(client: df.DurableOrchestrationClient, athlete_id: int) -> str:
    """Start checking (and, once Strava confirms, carrying out) the athlete's deauthorization; while a
    check runs, tell it another event came (it checks again after its pause). ``started``,
    ``signalled`` or ``running`` (it could not be told: it is erasing already, or just ended)."""
    forget_scheduled_refresh(athlete_id)
    instance_id = deauthorization_instance_id(athlete_id)
    if await start_singleton(
        client, ATHLETE_DEAUTHORIZATION, instance_id, {"athlete_id": athlete_id, "verify": True}
    ):
        return "started"
    try:
        await client.raise_event(instance_id, DEAUTHORIZATION_EVENT, {"athlete_id": athlete_id})
    except Exception as error:
        log.info("could not signal %s (%s)", instance_id, type(error).__name__)
        return "running"
    return "signalled"
