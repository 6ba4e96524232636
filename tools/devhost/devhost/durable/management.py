"""What the durable client and the webhooks can ask of the runtime, in domain terms."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from devhost.durable.engine import InstanceExists
from devhost.durable.events import Event, EventType, new_event
from devhost.durable.ids import instance_id_problem, new_instance_id
from devhost.durable.instance import ControlKind, Inbound
from devhost.durable.record import InstanceRecord, RuntimeStatus
from devhost.durable.work import DurableEngine


class ManagementError(Exception):
    """A request the runtime refuses: ``status`` is the HTTP status to answer with, ``kind`` the .NET
    exception type the extension names in its error body (None: a body with ``Message`` only)."""

    def __init__(self, status: int, message: str, kind: str | None = "InvalidOperationException") -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind


def check_instance_id(instance_id: str) -> str:
    """``instance_id`` when acceptable, else a 400 ManagementError saying why."""
    problem = instance_id_problem(instance_id)
    if problem:
        raise ManagementError(400, problem, "ArgumentException")
    return instance_id


@dataclass(frozen=True)
class InstanceQuery:
    """Filters of the list and purge-by calls; empty/None means no filter."""

    created_from: datetime | None = None
    created_to: datetime | None = None
    statuses: Collection[RuntimeStatus] = ()
    id_prefix: str = ""

    def matches(self, record: InstanceRecord) -> bool:
        return (
            (self.created_from is None or record.created >= self.created_from)
            and (self.created_to is None or record.created <= self.created_to)
            and (not self.statuses or record.status in self.statuses)
            and record.instance_id.startswith(self.id_prefix)
        )


class InstanceManagement:
    """Start, query, signal, control and purge orchestration instances."""

    def __init__(self, engine: DurableEngine, *, replace_running: bool = False) -> None:
        """``replace_running``: a start replaces a live instance (``AnyState``) instead of a 409."""
        self.engine = engine
        self.replace_running = replace_running

    async def start(
        self, name: str, instance_id: str | None, input_text: str | None, version: str | None = None
    ) -> InstanceRecord:
        """Refused with 409 for a live id under ``NonRunningStates``, as the extension's HTTP API does."""
        instance_id = check_instance_id(instance_id or new_instance_id())
        function = self.engine.index.find_durable(name, "orchestrator")
        if function is None:
            raise ManagementError(
                400, f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator."
            )
        try:
            return await self.engine.create(
                function.name, instance_id, input_text, replace_live=self.replace_running, version=version
            )
        except InstanceExists as exc:
            raise ManagementError(409, str(exc), kind=None) from exc

    async def get(
        self, instance_id: str, with_history: bool = False
    ) -> tuple[InstanceRecord, list[Event] | None]:
        check_instance_id(instance_id)
        live = self.engine.live.get(instance_id)
        if live is not None:
            return live.record, list(live.history) if with_history else None
        record = await self.engine.store.get(instance_id)
        if record is None:
            raise ManagementError(404, f"No instance with ID '{instance_id}' was found.")
        history = (await self.engine.store.load(record)).history if with_history else None
        return record, history

    async def query(self, query: InstanceQuery) -> list[InstanceRecord]:
        stored = {r.instance_id: r for r in await self.engine.store.list_records(query.statuses)}
        for instance_id, live in self.engine.live.items():
            stored[instance_id] = live.record
        found = [r for r in stored.values() if query.matches(r)]
        return sorted(found, key=lambda r: r.created)

    async def raise_event(self, instance_id: str, name: str, input_text: str | None) -> None:
        check_instance_id(instance_id)
        live = self.engine.live.get(instance_id)
        if live is None:
            await self._refuse_not_live(instance_id)
        event = new_event(EventType.EVENT_RAISED, self.engine.clock.now(), Name=name, Input=input_text)
        key = await self.engine.store.put_inbox(instance_id, event)
        if self.engine.live.get(instance_id) is not live:  # it finished while the row was written
            await self._refuse_not_live(instance_id)
        self.engine.deliver(instance_id, Inbound(event, None, key))

    async def control(self, instance_id: str, kind: ControlKind, reason: str) -> None:
        check_instance_id(instance_id)
        live = self.engine.live.get(instance_id)
        if live is None:
            await self._refuse_not_live(instance_id)
            return
        await self.engine.control(live, kind, reason)

    async def _refuse_not_live(self, instance_id: str) -> None:
        if await self.engine.store.get(instance_id) is None:
            raise ManagementError(404, f"No instance with ID '{instance_id}' was found.")
        raise ManagementError(410, f"The instance '{instance_id}' has already finished.")

    async def restart(self, instance_id: str, new_id: bool) -> InstanceRecord:
        record, _ = await self.get(instance_id)
        new = new_instance_id() if new_id else instance_id
        return await self.start(record.name, new, record.input, record.version)

    async def purge(self, instance_id: str) -> int:
        """Delete a finished instance; 0 when it does not exist."""
        check_instance_id(instance_id)
        live = self.engine.live.get(instance_id)
        if live is not None:
            raise ManagementError(
                412,
                "Only orchestrations in a terminal state can be purged, but the orchestration with "
                f"instance ID {instance_id} has status {live.record.status.value}",
                kind=None,
            )
        if await self.engine.store.get(instance_id) is None:
            return 0
        await self.engine.store.purge(instance_id)
        return 1

    async def purge_by(self, query: InstanceQuery) -> int:
        records = await self.query(query)
        deleted = 0
        for record in records:
            if not record.status.live:
                await self.engine.store.purge(record.instance_id)
                deleted += 1
        return deleted
