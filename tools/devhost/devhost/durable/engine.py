"""The orchestration engine: one runner per instance executes episodes and commits them.

Everything runs on one asyncio loop. An episode appends ``OrchestratorStarted``, the inbound
events and the events for newly scheduled work, commits them atomically with the instance row,
and only then dispatches the work (activities, timers, sub-orchestrations: see ``work.py``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from devhost.clock import Clock
from devhost.durable.book import ExecutionBook
from devhost.durable.codec import TooLargeError
from devhost.durable.episode import conclude, execution_completed, execution_started, plan
from devhost.durable.events import Event, EventType, new_event
from devhost.durable.health import StorageHealth, is_outage
from devhost.durable.instance import Control, ControlKind, Inbound, LiveInstance
from devhost.durable.record import InstanceRecord, RuntimeStatus
from devhost.durable.replay import ReplayResult, build_context, run_orchestrator
from devhost.durable.store import InstanceStore
from devhost.durable.versioning import Versioning
from devhost.execlog import log_execution
from devhost.functions import FunctionIndex

logger = logging.getLogger("devhost.durable")

_RETRY_AFTER_FAILED_EPISODE_S = 1.0


class InstanceExists(Exception):
    """``start_new`` on an id that is Pending, Running or Suspended (and may not be replaced)."""

    def __init__(self, status: RuntimeStatus) -> None:
        super().__init__(f"An Orchestration instance with the status {status.value} already exists.")
        self.status = status


class EpisodeRunner(ABC):
    """Per-instance runners and episodes; subclasses dispatch the work episodes schedule."""

    def __init__(self, index: FunctionIndex, store: InstanceStore, clock: Clock) -> None:
        self.index = index
        self.store = store
        self.clock = clock
        self.health = StorageHealth(store.probe, self.resync)
        self.live: dict[str, LiveInstance] = {}
        self.stopping = False
        self.episodes = 0
        self.replay_seconds = 0.0
        self.orchestrator_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="orchestrator")
        self.versioning = Versioning()  # host.json's; set by the runtime
        self._rejected: set[str] = set()  # instances of a newer version, left for a compatible worker

    # -- queueing ---------------------------------------------------------------------------

    def deliver(self, instance_id: str, inbound: Inbound) -> None:
        """Queue an inbound event; dropped if the instance is no longer live."""
        instance = self.live.get(instance_id)
        if instance is None or self.stopping:
            return
        instance.pending.append(inbound)
        self.kick(instance)

    async def control(self, instance: LiveInstance, kind: ControlKind, reason: str) -> None:
        """Apply terminate/suspend/resume between episodes; returns once committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        instance.controls.append(Control(kind, reason, done))
        self.kick(instance)
        await done

    def kick(self, instance: LiveInstance) -> None:
        if self.stopping:
            return
        if instance.runner is None or instance.runner.done():
            instance.runner = asyncio.create_task(self._drive(instance))

    async def _drive(self, instance: LiveInstance) -> None:
        instance_id = instance.record.instance_id
        while not self.stopping and self.live.get(instance_id) is instance:
            if not self.health.healthy:  # nothing commits while storage is down; repair comes first
                await self.health.wait_healthy()
                continue
            failed = False
            async with instance.lock:
                if self.live.get(instance_id) is not instance:  # replaced while this runner waited
                    return
                if instance.controls:
                    await self._apply_control(instance, instance.controls.popleft())
                    continue
                status = instance.record.status
                if status not in (RuntimeStatus.PENDING, RuntimeStatus.RUNNING):
                    return
                if not self.versioning.accepts(instance.record.version):
                    await self._version_mismatch(instance)
                    return
                batch = instance.take_batch()
                if not batch and not instance.needs_start:
                    return
                try:
                    await self._episode(instance, batch)
                except TooLargeError as error:  # input, output or custom status cannot be stored: final
                    output = (
                        f"Orchestrator function '{instance.record.name}' failed: its state is too large "
                        f"to store ({error})"
                    )
                    await self._end_failed(instance, batch, output, "Failed: state too large")
                except Exception as error:
                    instance.put_back(batch)
                    if is_outage(error):
                        self.health.failed(error)
                        continue
                    logger.error("episode of %s failed (%s); retrying", instance_id, type(error).__name__)
                    failed = True
            if failed:
                await asyncio.sleep(_RETRY_AFTER_FAILED_EPISODE_S)

    async def _version_mismatch(self, instance: LiveInstance) -> None:
        """``versionFailureStrategy``: Reject leaves the instance as it is (a worker of its version may
        run it; its events wait), Fail ends it as Failed."""
        record = instance.record
        if self.versioning.failure == "Fail":
            message = (
                f"The orchestration version '{record.version or ''}' does not match the worker's "
                f"'{self.versioning.default_version or ''}' ({self.versioning.match})"
            )
            await self._end_failed(instance, instance.take_batch(), message, "Failed: version mismatch")
        elif record.instance_id not in self._rejected:
            self._rejected.add(record.instance_id)
            logger.warning(
                "instance %s has version %r, newer than this host's defaultVersion %r: left for a "
                "compatible worker (versionFailureStrategy Reject)",
                record.instance_id,
                record.version,
                self.versioning.default_version,
            )

    async def _end_failed(
        self, instance: LiveInstance, batch: list[Inbound], output: str, outcome: str
    ) -> None:
        """End the instance as Failed with ``output``, keeping its history, instead of retrying an
        episode forever."""
        record = dataclasses.replace(instance.record)
        now = self.clock.now()
        record.status, record.updated, record.custom_status = RuntimeStatus.FAILED, now, None
        record.output = json.dumps(output)
        new = [
            new_event(EventType.ORCHESTRATOR_STARTED, now),
            execution_completed(record, now),
            instance.book.episode_end(now),
        ]
        consumed = [item.inbox_key for item in batch if item.inbox_key is not None]
        await self.store.commit(record, new, consumed + instance.inbox_keys())
        instance.history.extend(new)
        instance.record = record
        log_execution("orchestrator", record.name, 0.0, outcome, record.instance_id)
        await self.finish(instance)

    # -- episodes ---------------------------------------------------------------------------

    async def _episode(self, instance: LiveInstance, batch: list[Inbound]) -> None:
        """Run the orchestrator once; the instance's record is replaced only after the commit."""
        record = dataclasses.replace(instance.record)
        now = self.clock.now()
        started = time.monotonic()
        new: list[Event] = [new_event(EventType.ORCHESTRATOR_STARTED, now)]
        if instance.needs_start:
            new.append(execution_started(record, now))
        new.extend(item.event for item in batch)
        result = await self._replay(instance, new)
        self.episodes += 1
        self.replay_seconds += time.monotonic() - started
        generated, result = plan(instance, batch, result, now)
        new.extend(generated)
        consumed = [item.inbox_key for item in batch if item.inbox_key is not None]
        outcome = conclude(record, result, now)
        if outcome == RuntimeStatus.CONTINUED_AS_NEW:
            await self._continue_as_new(instance, record, result, consumed)
        else:
            finished = outcome != RuntimeStatus.RUNNING
            if finished:
                new.append(execution_completed(record, now))
                consumed += instance.inbox_keys()
            new.append(instance.book.episode_end(now))
            await self.store.commit(record, new, consumed)
            for event in new:
                event["IsPlayed"] = True
            instance.history.extend(new)
            instance.record = record
            if finished:
                await self.finish(instance)
            else:
                self.dispatch(instance, generated)
        elapsed = time.monotonic() - started
        log_execution("orchestrator", record.name, elapsed, outcome.value, record.instance_id)

    async def _replay(self, instance: LiveInstance, new: list[Event]) -> ReplayResult:
        record = instance.record
        function = self.index.find_durable(record.name, "orchestrator")
        if function is None:
            return ReplayResult(done=True, error=f"The orchestrator function '{record.name}' doesn't exist.")
        parent = record.parent.instance_id if record.parent else None
        context = build_context(record.instance_id, parent, record.input, [*instance.history, *new])
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.orchestrator_pool, run_orchestrator, function.func, function.binding_name, context
        )

    async def _continue_as_new(
        self, instance: LiveInstance, record: InstanceRecord, result: ReplayResult, consumed: list[str]
    ) -> None:
        """New execution id, history reset; the next episode starts it with the new input."""
        old_book = instance.book
        record.execution_id = uuid.uuid4().hex
        record.input = result.continue_input
        record.episodes = 0
        record.status = RuntimeStatus.RUNNING
        await self.store.commit(record, [], consumed)
        instance.record = record
        instance.history = []
        instance.book = ExecutionBook(record.execution_id)
        self.drop_work(record.instance_id, old_book)
        self.background(self.store.delete_old_executions(record))

    # -- controls ---------------------------------------------------------------------------

    async def _apply_control(self, instance: LiveInstance, control: Control) -> None:
        try:
            await self._commit_control(instance, control)
        except Exception as exc:
            self.health.failed(exc)
            if not control.done.done():
                control.done.set_exception(exc)
            return
        if not control.done.done():
            control.done.set_result(None)

    async def _commit_control(self, instance: LiveInstance, control: Control) -> None:
        record = dataclasses.replace(instance.record)
        now = self.clock.now()
        record.updated = now
        if control.kind == "terminate":
            record.status = RuntimeStatus.TERMINATED
            record.output = json.dumps(control.reason)
            events = [
                new_event(EventType.ORCHESTRATOR_STARTED, now),
                new_event(EventType.EXECUTION_TERMINATED, now, Input=control.reason),
                execution_completed(record, now),
                new_event(EventType.ORCHESTRATOR_COMPLETED, now),
            ]
            await self.store.commit(record, events, instance.inbox_keys())
            instance.history.extend(events)
            instance.record = record
            await self.finish(instance)
            return
        if control.kind == "suspend" and record.status != RuntimeStatus.SUSPENDED:
            record.status = RuntimeStatus.SUSPENDED
        elif control.kind == "resume" and record.status == RuntimeStatus.SUSPENDED:
            record.status = RuntimeStatus.PENDING if instance.needs_start else RuntimeStatus.RUNNING
        else:
            return
        await self.store.commit(record, [])
        instance.record = record

    # -- hooks for work dispatch (see work.py) ----------------------------------------------

    @abstractmethod
    def dispatch(self, instance: LiveInstance, events: list[Event]) -> None:
        """Start the work that committed scheduling ``events`` describe."""

    @abstractmethod
    def drop_work(self, instance_id: str, book: ExecutionBook) -> None:
        """Forget the timers of an execution that ended."""

    @abstractmethod
    async def finish(self, instance: LiveInstance) -> None:
        """An instance reached a final status: unload it and tell its parent."""

    @abstractmethod
    def background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` without awaiting it (kept referenced, errors logged)."""

    @abstractmethod
    async def resync(self) -> None:
        """After a storage outage: make storage hold what the live instances hold, then resume."""
