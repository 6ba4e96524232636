"""Timers fire on a %SETTING% schedule; local.settings.json fills in, never overrides, the environment."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

from tests.host.calls import call


def test_timer_fires_every_second_and_settings_apply(basic_app: Path, start_devhost, tmp_path: Path) -> None:
    ticks = tmp_path / "ticks.jsonl"
    running = start_devhost(
        basic_app,
        env={"TICK_SCHEDULE": "* * * * * *", "TICK_FILE": str(ticks), "OVERRIDDEN": "from-env"},
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(_lines(ticks)) < 3:
        time.sleep(0.1)
    runs = [json.loads(line) for line in _lines(ticks)]
    assert len(runs) >= 3
    gaps = [later["at"] - earlier["at"] for earlier, later in itertools.pairwise(runs)]
    assert all(0.5 < gap < 1.5 for gap in gaps), gaps
    assert "timer tick " in running.log_text() and "Succeeded" in running.log_text()
    assert "timerTrigger '* * * * * *'" in running.log_text()

    assert _setting(running.url, "GREETING") == "from-local-settings"
    assert _setting(running.url, "OVERRIDDEN") == "from-env"
    assert _setting(running.url, "NOT_SET_ANYWHERE") is None


def test_timer_from_local_settings_does_not_fire_early(
    basic_app: Path, start_devhost, tmp_path: Path
) -> None:
    ticks = tmp_path / "ticks.jsonl"
    running = start_devhost(basic_app, env={"TICK_FILE": str(ticks)})
    time.sleep(1.5)
    assert _lines(ticks) == []
    assert "timerTrigger '0 0 0 1 1 *'" in running.log_text()


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _setting(url: str, name: str) -> str | None:
    value: str | None = call("GET", f"{url}/api/settings/{name}").json()["value"]
    return value
