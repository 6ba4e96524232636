"""Once the tokens are stored the athlete is connected: a failing task hub or table after that step
answers a page that says so (the watchdog starts what did not start), never a bare 500."""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest

from api.oauth import start_work
from services import Services

ATHLETE = 4242


class Diagnostics:
    def __init__(self, failure: Exception | None = None) -> None:
        self.failure = failure
        self.recorded: list[tuple[int, dict[str, Any]]] = []

    async def record(self, athlete_id: int, facts: dict[str, Any]) -> None:
        if self.failure is not None:
            raise self.failure
        self.recorded.append((athlete_id, facts))


class Svc:
    def __init__(self, diagnostics: Diagnostics) -> None:
        self.diagnostics = diagnostics


class TaskHub:
    """A durable client whose task hub is down, or one that runs nothing yet."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.failure = failure
        self.started: list[str] = []

    async def get_status(self, instance_id: str) -> None:
        if self.failure is not None:
            raise self.failure

    async def start_new(self, name: str, instance_id: str, payload: Any) -> str:
        self.started.append(instance_id)
        return instance_id


class TaskHubDown(Exception):
    pass


@pytest.mark.parametrize(
    ("diagnostics", "hub"),
    [(Diagnostics(), TaskHub(TaskHubDown("connection refused"))), (Diagnostics(OSError("table")), TaskHub())],
)
async def test_a_failure_after_the_tokens_are_stored_says_connected(
    diagnostics: Diagnostics, hub: TaskHub, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="api.oauth"):
        page = await start_work(cast(Services, Svc(diagnostics)), cast(Any, hub), ATHLETE)
    assert page is not None and page.status_code == 200
    body = page.get_body().decode()
    assert "is connected" in body and "next scheduled run" in body
    failure = diagnostics.failure or hub.failure
    assert type(failure).__name__ not in body and "Traceback" not in body
    assert [r.getMessage() for r in caplog.records] == [
        f"athlete {ATHLETE} connected, but its work did not start: {type(failure).__name__}"
    ]


async def test_when_all_starts_the_caller_shows_its_own_page() -> None:
    diagnostics, hub = Diagnostics(), TaskHub()
    assert await start_work(cast(Services, Svc(diagnostics)), cast(Any, hub), ATHLETE) is None
    assert [athlete for athlete, _ in diagnostics.recorded] == [ATHLETE]
    assert hub.started == [f"token-lifecycle-{ATHLETE}", f"stats-snapshot-{ATHLETE}"]
