"""Work an episode schedules: activities, durable timers and sub-orchestrations; plus recovery.

Work is dispatched only after the episode that scheduled it is committed, and re-dispatched
from the committed history after a restart, so activities run at least once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp

from devhost.clock import Clock
from devhost.durable.activities import ActivityOutcome, run_activity, run_http
from devhost.durable.book import HTTP_ACTIVITY, ExecutionBook
from devhost.durable.engine import EpisodeRunner, InstanceExists
from devhost.durable.events import Event, EventType, new_event, parse_time
from devhost.durable.health import is_outage
from devhost.durable.instance import Inbound, LiveInstance
from devhost.durable.record import InstanceRecord, ParentLink, RuntimeStatus
from devhost.durable.recovery import adopt_stored, resync
from devhost.durable.store import InstanceStore
from devhost.durable.timers import TimerSchedule
from devhost.functions import FunctionIndex

logger = logging.getLogger("devhost.durable")

TimerKey = tuple[str, str, int]  # instance id, execution id, timer id
MAX_CONCURRENT_ACTIVITIES = 100


class DurableEngine(EpisodeRunner):
    """Episodes plus the work they schedule."""

    def __init__(self, index: FunctionIndex, store: InstanceStore, clock: Clock) -> None:
        super().__init__(index, store, clock)
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_ACTIVITIES)
        self._activity_pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="activity")
        self._timers: TimerSchedule[TimerKey] = TimerSchedule(self._fire_timer, clock)
        self._tasks: set[asyncio.Task[Any]] = set()
        self.creating: set[str] = set()
        self._watchers: dict[str, list[asyncio.Future[None]]] = {}
        self._http: aiohttp.ClientSession | None = None
        self.client_binding: Callable[[], str] | None = None  # for activities with a durable client

    # -- lifecycle ----------------------------------------------------------------------------

    async def recover(self) -> None:
        """Load every live instance, then resume its outstanding work and queued events."""
        await adopt_stored(self)

    async def resync(self) -> None:
        await resync(self)

    async def stop(self) -> None:
        """Abandon all in-flight work (nothing is written: a restart resumes from storage)."""
        self.stopping = True
        await self.health.stop()
        self._timers.cancel_all()
        runners = [i.runner for i in self.live.values() if i.runner is not None]
        for task in [*runners, *self._tasks]:
            task.cancel()
        await asyncio.gather(*runners, *self._tasks, return_exceptions=True)
        self._activity_pool.shutdown(wait=False, cancel_futures=True)
        self.orchestrator_pool.shutdown(wait=False, cancel_futures=True)
        if self._http is not None:
            await self._http.close()

    def background(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(_logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- starting instances -------------------------------------------------------------------

    async def create(
        self,
        name: str,
        instance_id: str,
        input_text: str | None,
        parent: ParentLink | None = None,
        *,
        replace_live: bool = False,
        version: str | None = None,
    ) -> InstanceRecord:
        """Start an instance; a finished one with the same id is replaced, a live one refused unless
        ``replace_live`` (host.json ``overridableExistingInstanceStates: AnyState``)."""
        if instance_id in self.creating:
            raise InstanceExists(RuntimeStatus.PENDING)
        live = self.live.get(instance_id)
        if live is not None and not replace_live:
            raise InstanceExists(live.record.status)
        self.creating.add(instance_id)
        try:
            if live is not None:
                await self._drop_live(live)
            existing = await self.store.get(instance_id)
            if existing is not None and existing.status.live and not replace_live:
                raise InstanceExists(existing.status)
            if existing is not None:  # replaced: drop the old history and any stray inbox rows
                await self.store.purge(instance_id)
            now = self.clock.now()
            record = InstanceRecord(
                instance_id,
                name,
                uuid.uuid4().hex,
                now,
                now,
                input=input_text,
                parent=parent,
                version=self.versioning.version_for_new(version),
            )
            await self.store.commit(record, [])
        finally:
            self.creating.discard(instance_id)
        instance = LiveInstance.from_history(record, [])
        self.live[instance_id] = instance
        self.kick(instance)
        return record

    async def _drop_live(self, instance: LiveInstance) -> None:
        """Forget a live instance that a new start replaces (its work and queued events go with it)."""
        async with instance.lock:
            self._forget(instance)

    async def wait_finished(self, instance_id: str, timeout: float) -> None:
        """Return when ``instance_id`` leaves memory (finished or replaced) or after ``timeout`` s."""
        if instance_id not in self.live:
            return
        finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._watchers.setdefault(instance_id, []).append(finished)
        try:
            await asyncio.wait_for(asyncio.shield(finished), timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            waiting = self._watchers.get(instance_id, [])
            if finished in waiting:
                waiting.remove(finished)
            if not waiting:
                self._watchers.pop(instance_id, None)

    def _wake_watchers(self, instance_id: str) -> None:
        for finished in self._watchers.pop(instance_id, []):
            if not finished.done():
                finished.set_result(None)

    # -- dispatch -------------------------------------------------------------------------------

    def dispatch(self, instance: LiveInstance, events: list[Event]) -> None:
        record = instance.record
        book = instance.book
        self._timers.cancel_where(lambda key: key[0] == record.instance_id and key[2] not in book.timers)
        for event in events:
            kind = event["EventType"]
            if kind == EventType.TASK_SCHEDULED:
                self.background(self._run_task(record.instance_id, record.execution_id, event))
            elif kind == EventType.TIMER_CREATED:
                key = (record.instance_id, record.execution_id, int(event["EventId"]))
                self._timers.arm(key, parse_time(str(event["FireAt"])))
            elif kind == EventType.SUB_ORCHESTRATION_CREATED:
                self.background(self._start_child(record.instance_id, record.execution_id, event))

    def drop_work(self, instance_id: str, book: ExecutionBook) -> None:
        self._timers.cancel_where(lambda key: key[0] == instance_id and key[1] == book.execution_id)

    def _is_current(self, instance_id: str, execution_id: str) -> bool:
        instance = self.live.get(instance_id)
        return instance is not None and instance.record.execution_id == execution_id

    async def _run_task(self, instance_id: str, execution_id: str, scheduled: Event) -> None:
        async with self._slots:
            if not self._is_current(instance_id, execution_id):
                return
            outcome = await self._call(instance_id, str(scheduled["Name"]), scheduled.get("Input"))
        now = self.clock.now()
        task_id = int(scheduled["EventId"])
        if outcome.failed:
            event = new_event(
                EventType.TASK_FAILED,
                now,
                TaskScheduledId=task_id,
                Reason=outcome.reason,
                Details=outcome.details,
            )
        else:
            event = new_event(EventType.TASK_COMPLETED, now, TaskScheduledId=task_id, Result=outcome.result)
        self.deliver(instance_id, Inbound(event, execution_id))

    async def _call(self, instance_id: str, name: str, input_text: str | None) -> ActivityOutcome:
        if name == HTTP_ACTIVITY:
            if self._http is None:
                self._http = aiohttp.ClientSession()
            return await run_http(self._http, input_text)
        function = self.index.find_durable(name, "activity")
        if function is None:
            reason = f"The function '{name}' doesn't exist, is disabled, or is not an activity function."
            return ActivityOutcome(reason=reason, details="")
        binding = self.client_binding() if function.client_param and self.client_binding else None
        return await run_activity(function, input_text, self._activity_pool, instance_id, binding)

    def _fire_timer(self, key: TimerKey) -> None:
        instance_id, execution_id, timer_id = key
        instance = self.live.get(instance_id)
        created = instance.book.timers.get(timer_id) if instance else None
        if created is None:
            return
        event = new_event(EventType.TIMER_FIRED, self.clock.now(), TimerId=timer_id, FireAt=created["FireAt"])
        self.deliver(instance_id, Inbound(event, execution_id))

    # -- sub-orchestrations -------------------------------------------------------------------

    async def _start_child(self, parent_id: str, execution_id: str, created: Event) -> None:
        child_id = str(created["InstanceId"])
        link = ParentLink(parent_id, execution_id, int(created["EventId"]))
        live = self.live.get(child_id)
        if live is not None and live.record.parent == link:
            return  # already running for this very task (after a restart)
        stored = None if live else await self.store.get(child_id)
        if stored is not None and stored.parent == link and not stored.status.live:
            self._notify_parent(stored)
            return
        name = str(created["Name"])
        function = self.index.find_durable(name, "orchestrator")
        while not self.stopping:
            try:
                if function is None:
                    raise LookupError(f"The orchestrator function '{name}' doesn't exist.")
                await self.create(
                    function.name, child_id, created.get("Input"), link, version=created.get("Version")
                )
                return
            except (InstanceExists, LookupError) as exc:
                failed = new_event(
                    EventType.SUB_ORCHESTRATION_FAILED,
                    self.clock.now(),
                    TaskScheduledId=link.task_id,
                    Reason=str(exc),
                    Details="",
                )
                self.deliver(parent_id, Inbound(failed, execution_id))
                return
            except Exception as exc:
                if not is_outage(exc):
                    raise
                self.health.failed(exc)  # start the child once storage is back
                await self.health.wait_healthy()
                if not self._is_current(parent_id, execution_id):
                    return

    def _notify_parent(self, record: InstanceRecord) -> None:
        link = record.parent
        if link is None:
            return
        now = self.clock.now()
        if record.status == RuntimeStatus.COMPLETED:
            event = new_event(
                EventType.SUB_ORCHESTRATION_COMPLETED, now, TaskScheduledId=link.task_id, Result=record.output
            )
        else:
            reason = json.loads(record.output) if record.output else f"{record.status.value}"
            if record.status == RuntimeStatus.TERMINATED:
                reason = f"Sub-orchestration '{record.instance_id}' was terminated: {reason}"
            event = new_event(
                EventType.SUB_ORCHESTRATION_FAILED,
                now,
                TaskScheduledId=link.task_id,
                Reason=str(reason),
                Details="",
            )
        self.deliver(link.instance_id, Inbound(event, link.execution_id))

    async def finish(self, instance: LiveInstance) -> None:
        self._forget(instance)
        self._notify_parent(instance.record)

    def _forget(self, instance: LiveInstance) -> None:
        """Take ``instance`` out of memory: its queued work goes, waiting controls and watchers are told."""
        instance_id = instance.record.instance_id
        self.live.pop(instance_id, None)
        self.drop_work(instance_id, instance.book)
        for control in instance.controls:
            if not control.done.done():
                control.done.set_result(None)
        self._wake_watchers(instance_id)


async def _logged(work: Coroutine[Any, Any, Any]) -> None:
    try:
        await work
    except asyncio.CancelledError:
        raise
    except Exception as error:
        if not is_outage(error):
            logger.error("durable background work failed (%s)", type(error).__name__)
