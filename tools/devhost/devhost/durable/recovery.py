"""Bringing memory and storage back in line: at start (adopt what storage holds live) and after a
storage outage (restore what storage lost from memory, then adopt and wake everything)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from devhost.durable.instance import Inbound, LiveInstance
from devhost.durable.record import RuntimeStatus

if TYPE_CHECKING:
    from devhost.durable.work import DurableEngine

logger = logging.getLogger("devhost.durable")

_LIVE = [
    RuntimeStatus.PENDING,
    RuntimeStatus.RUNNING,
    RuntimeStatus.SUSPENDED,
    RuntimeStatus.CONTINUED_AS_NEW,
]


async def adopt_stored(engine: DurableEngine) -> None:
    """Load the live instances storage holds that are not in memory, and resume their work."""
    adopted: list[LiveInstance] = []
    for record in await engine.store.list_records(_LIVE):
        if record.instance_id in engine.live or record.instance_id in engine.creating:
            continue
        loaded = await engine.store.load(record)
        instance = LiveInstance.from_history(record, loaded.history)
        for key, event in loaded.inbox:
            instance.pending.append(Inbound(event, None, key))
        engine.live[record.instance_id] = instance
        adopted.append(instance)
    for instance in adopted:
        pending = [*instance.book.tasks.values(), *instance.book.timers.values()]
        engine.dispatch(instance, sorted(pending, key=lambda e: int(e["EventId"])))
        engine.kick(instance)


async def resync(engine: DurableEngine) -> None:
    """Storage is back: rewrite every live instance it lost or holds stale, adopt those it holds live
    that memory does not (their last writes were lost after they finished here), wake every runner."""
    for instance in list(engine.live.values()):
        async with instance.lock:
            if engine.live.get(instance.record.instance_id) is instance:
                await _restore(engine, instance)
    await adopt_stored(engine)
    for instance in list(engine.live.values()):
        engine.kick(instance)


async def _restore(engine: DurableEngine, instance: LiveInstance) -> None:
    record = instance.record
    stored = await engine.store.get(record.instance_id)
    kept = (record.execution_id, record.episodes, record.status)
    if stored is not None and (stored.execution_id, stored.episodes, stored.status) == kept:
        return
    logger.warning("storage lost writes of %s; restoring it from memory", record.instance_id)
    inbox = [(item.inbox_key, item.event) for item in instance.pending if item.inbox_key is not None]
    await engine.store.rewrite(record, instance.history, inbox)
