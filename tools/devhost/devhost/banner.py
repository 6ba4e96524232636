"""The start-up banner: every function with how to reach it (pure text building)."""

from __future__ import annotations

from devhost.functions import FunctionIndex, TimerFunction
from devhost.keys import HostKeys
from devhost.timers import TimerSchedule


def function_lines(
    index: FunctionIndex,
    schedules: list[tuple[TimerFunction, TimerSchedule]],
    base_url: str,
    prefix: str,
) -> list[str]:
    """One line per function: HTTP with methods and URL, timers with schedule, durable ones by kind."""
    root = f"{base_url}/{prefix}" if prefix else base_url
    lines = []
    for http in sorted(index.http, key=lambda f: f.name.lower()):
        methods = ",".join(http.methods) or "ANY"
        url = f"{root}/{http.route.strip('/')}"
        lines.append(f"  {http.name}: [{methods}] {url}  ({http.auth_level.lower()})")
    for timer, schedule in sorted(schedules, key=lambda pair: pair[0].name.lower()):
        startup = ", runOnStartup" if timer.run_on_startup else ""
        lines.append(f"  {timer.name}: timerTrigger '{schedule.expression}' (UTC{startup})")
    for durable in sorted(index.durable.values(), key=lambda f: f.name.lower()):
        lines.append(f"  {durable.name}: {durable.kind}Trigger")
    return lines


def key_lines(keys: HostKeys | None) -> list[str]:
    """Keys mode; generated keys are shown once here so the developer can use them."""
    if keys is None:
        return ["Keys: not enforced (start with --require-keys to enforce them)"]
    lines = ["Keys: enforced"]
    if "master" in keys.generated:
        lines.append(f"  master key (generated): {keys.master}")
    if "function" in keys.generated:
        lines.append(f"  function key (generated): {keys.function}")
    if "durable" in keys.generated:
        lines.append(
            f"  durable system key (generated; opens only /runtime/webhooks/durabletask): {keys.durable}"
        )
    return lines


def banner(
    index: FunctionIndex,
    schedules: list[tuple[TimerFunction, TimerSchedule]],
    base_url: str,
    prefix: str,
    keys: HostKeys | None,
    task_hub: str,
) -> str:
    """The whole banner, without the final ready line."""
    count = len(index.http) + len(schedules) + len(index.durable)
    lines = [f"Functions ({count}):", *function_lines(index, schedules, base_url, prefix)]
    lines += key_lines(keys)
    lines.append(f"Durable task hub: {task_hub}")
    return "\n".join(lines)
