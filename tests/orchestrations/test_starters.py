"""The singleton starters against a durable client that behaves as Azure's can (plain fakes of the
client's documented behaviours; the e2e suite runs the real thing under devhost).

- ``refusing``: NonRunningStates — ``start_new`` refuses an id that has not finished, while a status
  read may still show the previous, Completed run (the start message is sent before the row is
  written);
- ``replacing``: AnyState — ``start_new`` never refuses (the SDK docstring's "silently replaced");
  once it has returned, the new row is written and a status read shows it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import azure.durable_functions as df
import pytest
from azure.functions.timer import TimerRequest

from orchestrations.contract import REFRESH_NOW_EVENT, STATS_SNAPSHOT, TOKEN_LIFECYCLE
from scheduled import watchdog
from scheduled.watchdog import watch
from starters import ensure_lifecycle, start_snapshot
from storage import StorageUnavailableError, TokenRecord, TokenStatus

Status = df.OrchestrationRuntimeStatus


@dataclass
class FakeStatus:
    runtime_status: Any


@dataclass
class FakeClient:
    refuses: bool  # NonRunningStates
    stale_reads: bool = True  # a read right after a start still shows the previous run
    statuses: dict[str, Any] = field(default_factory=dict)
    started: list[tuple[str, str]] = field(default_factory=list)
    events: list[tuple[str, str]] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    unreachable: bool = False

    async def get_status(self, instance_id: str) -> FakeStatus | None:
        await asyncio.sleep(0)  # a round trip: other starters run meanwhile
        status = self.statuses.get(instance_id)
        return FakeStatus(status) if status is not None else None

    async def start_new(self, name: str, instance_id: str, payload: Any) -> str:
        await asyncio.sleep(0)
        if self.unreachable:
            raise Exception("Cannot connect to host 127.0.0.1:17071")
        live = [i for n, i in self.started if i == instance_id]
        if self.refuses and live:
            raise Exception(
                f"An Orchestration instance with the status Pending already exists: {instance_id}"
            )
        self.started.append((name, instance_id))
        if not self.stale_reads:
            self.statuses[instance_id] = Status.Pending
        return instance_id

    async def raise_event(self, instance_id: str, name: str, data: Any) -> None:
        self.events.append((instance_id, name))

    async def resume(self, instance_id: str, reason: str) -> None:
        self.resumed.append(instance_id)
        self.statuses[instance_id] = Status.Running


def client(**kwargs: Any) -> Any:
    fake = FakeClient(**kwargs)
    fake.statuses["stats-snapshot-7"] = Status.Completed  # a previous run
    fake.statuses["token-lifecycle-7"] = Status.Completed
    return fake


@pytest.mark.parametrize("refuses", [True, False], ids=["refusing", "replacing"])
async def test_twenty_concurrent_snapshot_starts_settle_on_one_instance(refuses: bool) -> None:
    fake = client(refuses=refuses, stale_reads=refuses)
    results = await asyncio.gather(*(start_snapshot(fake, 7) for _ in range(20)))
    assert {instance for instance, _ in results} == {"stats-snapshot-7"}
    assert sum(started for _, started in results) == 1
    assert fake.started == [(STATS_SNAPSHOT, "stats-snapshot-7")]


@pytest.mark.parametrize("refuses", [True, False], ids=["refusing", "replacing"])
async def test_twenty_concurrent_lifecycle_starts_settle_on_one_instance(refuses: bool) -> None:
    fake = client(refuses=refuses, stale_reads=refuses)
    outcomes = await asyncio.gather(*(ensure_lifecycle(fake, 7) for _ in range(20)))
    assert sorted(set(outcomes)) == ["running", "started"] and outcomes.count("started") == 1
    assert fake.started == [(TOKEN_LIFECYCLE, "token-lifecycle-7")]


async def test_a_refusal_from_another_process_is_answered_with_that_instance() -> None:
    fake = client(refuses=True)
    fake.started.append(
        (STATS_SNAPSHOT, "stats-snapshot-7")
    )  # another worker won; its row is not written yet
    instance_id, started = await start_snapshot(fake, 7)
    assert (instance_id, started) == ("stats-snapshot-7", False)
    assert await ensure_lifecycle(fake, 8) == "started"


async def test_a_start_that_did_not_reach_the_host_is_not_mistaken_for_a_refusal() -> None:
    fake = client(refuses=True, unreachable=True)
    with pytest.raises(Exception, match="Cannot connect"):
        await start_snapshot(fake, 7)


async def test_a_suspended_lifecycle_is_resumed_and_then_woken() -> None:
    fake = client(refuses=True)
    fake.statuses["token-lifecycle-7"] = Status.Suspended
    assert await ensure_lifecycle(fake, 7, wake="unauthorized") == "resumed"
    assert fake.resumed == ["token-lifecycle-7"]
    assert fake.events == [("token-lifecycle-7", REFRESH_NOW_EVENT)]
    assert fake.started == []


async def test_the_watchdog_resumes_a_suspended_lifecycle_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = client(refuses=True)
    fake.statuses["token-lifecycle-7"] = Status.Suspended
    with caplog.at_level("WARNING"):
        await watch(fake, 7)
    assert fake.resumed == ["token-lifecycle-7"]
    assert "was suspended; resumed" in caplog.text
    assert (STATS_SNAPSHOT, "stats-snapshot-7") in fake.started


async def test_a_failed_purge_of_oauth_states_does_not_stop_the_watchdog(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def purge_expired(now: datetime) -> int:
        raise StorageUnavailableError("the table service did not answer")

    async def list_athletes() -> list[TokenRecord]:
        now = datetime.now(timezone.utc)
        return [TokenRecord(7, "a", "r", 0, frozenset(), TokenStatus.ACTIVE, True, now)]

    svc = SimpleNamespace(
        states=SimpleNamespace(purge_expired=purge_expired),
        tokens=SimpleNamespace(list_athletes=list_athletes),
    )
    monkeypatch.setattr(watchdog, "services", lambda: svc)
    fake = client(refuses=True)
    with caplog.at_level("ERROR"):
        await watchdog.scheduled_snapshots(TimerRequest(), fake)  # the job itself, given the client as is
    assert (STATS_SNAPSHOT, "stats-snapshot-7") in fake.started
    assert "purging expired OAuth states failed: StorageUnavailableError" in caplog.text
    assert "did not answer" not in caplog.text  # the error type, not its text
