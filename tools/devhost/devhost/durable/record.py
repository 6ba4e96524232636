"""The persisted state of one orchestration instance (pure data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class RuntimeStatus(str, Enum):
    """``runtimeStatus`` values of the status API (doc 4.3)."""

    PENDING = "Pending"
    RUNNING = "Running"
    COMPLETED = "Completed"
    CONTINUED_AS_NEW = "ContinuedAsNew"
    FAILED = "Failed"
    CANCELED = "Canceled"
    TERMINATED = "Terminated"
    SUSPENDED = "Suspended"

    @property
    def live(self) -> bool:
        """Still able to run episodes (or to be resumed)."""
        return self in _LIVE


_LIVE = {
    RuntimeStatus.PENDING,
    RuntimeStatus.RUNNING,
    RuntimeStatus.SUSPENDED,
    RuntimeStatus.CONTINUED_AS_NEW,
}


@dataclass
class ParentLink:
    """Where a sub-orchestration reports its outcome."""

    instance_id: str
    execution_id: str
    task_id: int


@dataclass
class InstanceRecord:
    """The instance row: identity, status, texts shown by the status API, execution cursor."""

    instance_id: str
    name: str
    execution_id: str
    created: datetime
    updated: datetime
    status: RuntimeStatus = RuntimeStatus.PENDING
    input: str | None = None  # JSON text, the current execution's input
    output: str | None = None  # JSON text (or a terminate reason)
    custom_status: str | None = None  # JSON text
    episodes: int = 0  # committed episode rows of the current execution
    parent: ParentLink | None = None
    version: str | None = None  # orchestration version, fixed at creation (durable/versioning.py)
