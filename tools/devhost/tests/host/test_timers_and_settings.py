"""Timer triggers: schedules run on devhost's clock (a ManualClock here: never early, runs do not
overlap, a missed occurrence is past due), and in a real devhost they fire on a %SETTING% schedule;
local.settings.json fills in, never overrides, the environment."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

from azure.functions.timer import TimerRequest
from devhost.clock import ManualClock
from devhost.functions import TimerFunction
from devhost.timers import TimerRunner, parse_schedule

from tests.host.calls import call
from tests.polling import eventually, wait_until

START = datetime(2030, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def _timer(schedule: str, run_on_startup: bool = False) -> TimerFunction:
    return TimerFunction("tick", schedule, run_on_startup, "timer", None, lambda timer: None)


async def _runner(schedule: str, clock: ManualClock, run_on_startup: bool = False):
    fired: list[tuple[datetime, TimerRequest]] = []

    async def fire(timer: TimerFunction, request: TimerRequest) -> None:
        fired.append((clock.now(), request))

    runner = TimerRunner([(_timer(schedule, run_on_startup), parse_schedule(schedule, {}))], fire, clock)
    runner.start()
    await eventually(lambda: clock.waiting, 5, "the timer to wait for its first occurrence")
    return runner, fired


async def test_timer_fires_each_occurrence_on_the_clock_and_never_early() -> None:
    clock = ManualClock(START)
    runner, fired = await _runner("*/5 * * * * *", clock)
    try:
        assert clock.waiting == [START.replace(second=5)]
        clock.advance(4.999)
        assert fired == []
        for runs, occurrence in enumerate((5, 10, 15), start=1):
            clock.advance(START.replace(second=occurrence).timestamp() - clock.now().timestamp())
            await eventually(partial(_has_length, fired, runs), 5, f"the run at :{occurrence:02d}")
        assert [moment.second for moment, _ in fired] == [5, 10, 15]
        assert not any(request.past_due for _, request in fired)
    finally:
        await runner.stop()


async def test_a_missed_occurrence_runs_once_and_is_past_due() -> None:
    clock = ManualClock(START)
    runner, fired = await _runner("*/5 * * * * *", clock, run_on_startup=True)
    try:
        await eventually(lambda: clock.waiting == [START.replace(second=5)], 5, "the startup run")
        assert len(fired) == 1 and not fired[0][1].past_due
        clock.advance(17)  # :05, :10 and :15 all fell due while the host was busy elsewhere
        await eventually(lambda: len(fired) == 2, 5, "the overdue run")
        await eventually(lambda: clock.waiting, 5, "the next occurrence")
        assert fired[1][1].past_due
        assert clock.waiting == [START.replace(second=20)]
        assert len(fired) == 2  # one run for the three missed occurrences
    finally:
        await runner.stop()


def test_timer_fires_on_a_setting_schedule_and_settings_apply(
    basic_app: Path, start_devhost, tmp_path: Path
) -> None:
    ticks = tmp_path / "ticks.jsonl"
    running = start_devhost(
        basic_app,
        env={"TICK_SCHEDULE": "* * * * * *", "TICK_FILE": str(ticks), "OVERRIDDEN": "from-env"},
    )
    runs = wait_until(lambda: _lines(ticks), 10, "a timer run")
    assert json.loads(runs[0])["past_due"] is False
    assert "timerTrigger '* * * * * *'" in running.log_text()
    wait_until(lambda: "timer tick " in running.log_text(), 10, "the run's log line")
    assert "Succeeded" in running.log_text()

    assert _setting(running.url, "GREETING") == "from-local-settings"
    assert _setting(running.url, "OVERRIDDEN") == "from-env"
    assert _setting(running.url, "NOT_SET_ANYWHERE") is None


def test_schedule_from_local_settings_is_used(basic_app: Path, start_devhost) -> None:
    running = start_devhost(basic_app)
    assert "timerTrigger '0 0 0 1 1 *'" in running.log_text()


def _has_length(items: list[object], length: int) -> bool:
    return len(items) == length


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _setting(url: str, name: str) -> str | None:
    value: str | None = call("GET", f"{url}/api/settings/{name}").json()["value"]
    return value
