"""An instance held in memory while it can still run: history cache, book, inbound queue (pure)."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from devhost.durable.book import ExecutionBook
from devhost.durable.events import Event, EventType, completion_id
from devhost.durable.record import InstanceRecord

MAX_BATCH_EVENTS = 5000
MAX_BATCH_INBOX = 50

ControlKind = Literal["terminate", "suspend", "resume"]


@dataclass
class Inbound:
    """An event for an instance; ``execution_id`` None means any execution (external events)."""

    event: Event
    execution_id: str | None = None
    inbox_key: str | None = None  # its inbox row, deleted when the episode that delivers it commits


@dataclass
class Control:
    """Terminate / suspend / resume, applied between episodes; ``done`` resolves after commit."""

    kind: ControlKind
    reason: str
    done: asyncio.Future[None]


@dataclass
class LiveInstance:
    """A Pending, Running or Suspended instance and what is queued for it."""

    record: InstanceRecord
    history: list[Event]
    book: ExecutionBook
    pending: deque[Inbound] = field(default_factory=deque)
    controls: deque[Control] = field(default_factory=deque)
    runner: asyncio.Task[None] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # held by an episode, a control or a repair

    @classmethod
    def from_history(cls, record: InstanceRecord, history: list[Event]) -> LiveInstance:
        return cls(record, history, ExecutionBook.rebuild(record.execution_id, history))

    @property
    def needs_start(self) -> bool:
        return not self.history

    def take_batch(self) -> list[Inbound]:
        """Inbound events for the next episode, recorded in the book.

        Stale events (another execution, or a completion for nothing outstanding) are dropped.
        A retry-related event ends the batch, so the SDK allocates ids in an order the host can
        predict (doc 2.5, safe rule).
        """
        batch: list[Inbound] = []
        inbox = 0
        while self.pending and len(batch) < MAX_BATCH_EVENTS and inbox < MAX_BATCH_INBOX:
            item = self.pending.popleft()
            if item.execution_id is not None and item.execution_id != self.record.execution_id:
                continue
            done = completion_id(item.event)
            if done is not None and done not in self.book.tasks and done not in self.book.timers:
                continue
            retry = self.book.is_retry_event(item.event)
            self.book.record(item.event)
            batch.append(item)
            inbox += item.inbox_key is not None
            if retry:
                break
        return batch

    def put_back(self, batch: list[Inbound]) -> None:
        """Undo :meth:`take_batch` after a failed commit (the book is rebuilt from history)."""
        self.pending.extendleft(reversed(batch))
        self.book = ExecutionBook.rebuild(self.record.execution_id, self.history)

    def inbox_keys(self) -> list[str]:
        return [item.inbox_key for item in self.pending if item.inbox_key is not None]


def is_external(event: Event) -> bool:
    return bool(event["EventType"] == EventType.EVENT_RAISED)
