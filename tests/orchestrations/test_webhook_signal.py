"""How the receiver tells the debouncer: every event naming an activity is delivered, unless the burst
already ends in a re-scan; a create is covered by a refresh already ahead."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import azure.durable_functions as df

from starters import forget_scheduled_refresh, signal_debouncer


@dataclass
class Status:
    custom_status: Any
    runtime_status: Any = df.OrchestrationRuntimeStatus.Running


@dataclass
class Client:
    custom_status: dict[str, Any]
    events: list[Any] = field(default_factory=list)

    async def get_status(self, instance_id: str) -> Status:
        return Status(self.custom_status)

    async def raise_event(self, instance_id: str, name: str, data: Any) -> None:
        self.events.append(data)


def debouncing(**extra: Any) -> dict[str, Any]:
    due = datetime.now(timezone.utc) + timedelta(seconds=30)
    return {"phase": "debouncing", "refresh_at": due.strftime("%Y-%m-%dT%H:%M:%SZ"), **extra}


UPDATE = {"object_type": "activity", "aspect_type": "update", "object_id": 5}
CREATE = {**UPDATE, "aspect_type": "create"}


async def test_an_update_is_delivered_while_a_create_is_covered() -> None:
    forget_scheduled_refresh(1)
    fake: Any = Client(debouncing(overflow=False))
    assert await signal_debouncer(fake, 1, {}, UPDATE) == "signalled"
    assert await signal_debouncer(fake, 1, {}, CREATE) == "covered"
    assert fake.events == [UPDATE]


async def test_past_the_cap_the_rescan_covers_every_later_activity_event() -> None:
    forget_scheduled_refresh(2)
    fake: Any = Client(debouncing(overflow=True))
    assert await signal_debouncer(fake, 2, {}, UPDATE) == "covered"
    fake.custom_status = {"phase": "refreshing", "overflow": True}  # no refresh ahead: delivered
    assert await signal_debouncer(fake, 2, {}, UPDATE) == "signalled"
