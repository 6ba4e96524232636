"""Timer triggers: NCRONTAB schedules (via croniter), ``%NAME%`` settings, runOnStartup, UTC."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from azure.functions.timer import TimerRequest
from croniter import croniter

from devhost.clock import Clock, SystemClock, sleep_until
from devhost.functions import TimerFunction

logger = logging.getLogger("devhost.timers")

_SETTING = re.compile(r"%([^%]+)%")
_INTERVAL = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})\Z")
PAST_DUE_AFTER = timedelta(seconds=1)


class ScheduleError(ValueError):
    """A timer schedule that cannot be used; the message names the function."""


@dataclass(frozen=True)
class TimerSchedule:
    """A resolved schedule: a 6-field (seconds first) or 5-field NCRONTAB, or an hh:mm:ss interval."""

    expression: str
    interval: timedelta | None = None

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after ``moment`` (an aware UTC datetime)."""
        if self.interval is not None:
            return moment + self.interval
        fields = self.expression.split()
        cron = croniter(
            self.expression, moment, day_or=False, second_at_beginning=len(fields) == 6, ret_type=datetime
        )
        found: datetime = cron.get_next(datetime)
        return found


def resolve_settings(raw: str, environ: Mapping[str, str]) -> str:
    """Replace every ``%NAME%`` with the environment value; a missing setting is an error."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise ScheduleError(f"schedule {raw!r} refers to setting {name!r}, which is not set")
        return environ[name]

    return _SETTING.sub(value, raw).strip()


def parse_schedule(raw: str, environ: Mapping[str, str]) -> TimerSchedule:
    """Resolve and validate ``raw``; raises ScheduleError with the reason."""
    expression = resolve_settings(raw, environ)
    interval = _INTERVAL.match(expression)
    if interval:
        hours, minutes, seconds = (int(g) for g in interval.groups())
        span = timedelta(hours=hours, minutes=minutes, seconds=seconds)
        if span <= timedelta(0) or minutes > 59 or seconds > 59:
            raise ScheduleError(f"interval schedule {expression!r} is not a positive hh:mm:ss")
        return TimerSchedule(expression, span)
    fields = expression.split()
    if len(fields) not in (5, 6):
        count = len(fields)
        raise ScheduleError(f"NCRONTAB {expression!r} needs 6 fields (or 5 without seconds), got {count}")
    schedule = TimerSchedule(expression)
    try:
        schedule.next_after(datetime(2024, 1, 1, tzinfo=timezone.utc))
    except (ValueError, KeyError, TypeError) as error:
        raise ScheduleError(f"invalid NCRONTAB {expression!r}: {error}") from None
    return schedule


def parse_timer_schedules(
    timers: list[TimerFunction], environ: Mapping[str, str]
) -> list[tuple[TimerFunction, TimerSchedule]]:
    """Every timer with its schedule; the first invalid one fails with the function's name."""
    parsed = []
    for timer in timers:
        try:
            parsed.append((timer, parse_schedule(timer.schedule, environ)))
        except ScheduleError as error:
            raise ScheduleError(f"timer function {timer.name!r}: {error}") from None
    return parsed


def timer_request(past_due: bool, last: datetime | None, next_due: datetime, now: datetime) -> TimerRequest:
    """The ``TimerRequest`` a timer function receives."""
    status = {
        "Last": (last or datetime.min.replace(tzinfo=timezone.utc)).isoformat(),
        "Next": next_due.isoformat(),
        "LastUpdated": now.isoformat(),
    }
    return TimerRequest(past_due=past_due, schedule_status=status, schedule={"AdjustForDST": True})


FireTimer = Callable[[TimerFunction, TimerRequest], Awaitable[None]]


class TimerRunner:
    """One task per timer; runs never overlap, and occurrences missed during a run are skipped."""

    def __init__(
        self,
        schedules: list[tuple[TimerFunction, TimerSchedule]],
        fire: FireTimer,
        clock: Clock | None = None,
    ) -> None:
        self.schedules = schedules
        self.fire = fire
        self.clock: Clock = clock or SystemClock()
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for timer, schedule in self.schedules:
            self.tasks.append(asyncio.create_task(self._run(timer, schedule), name=f"timer {timer.name}"))

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.tasks.clear()

    async def _run(self, timer: TimerFunction, schedule: TimerSchedule) -> None:
        last: datetime | None = None
        if timer.run_on_startup:
            now = self.clock.now()
            await self._fire_safely(timer, timer_request(False, None, schedule.next_after(now), now))
            last = now
        due = schedule.next_after(self.clock.now())
        while True:
            await sleep_until(self.clock, due)
            now = self.clock.now()
            next_due = schedule.next_after(max(now, due))
            await self._fire_safely(timer, timer_request(now - due > PAST_DUE_AFTER, last, next_due, now))
            last = due
            due = schedule.next_after(max(self.clock.now(), due))

    async def _fire_safely(self, timer: TimerFunction, request: TimerRequest) -> None:
        try:
            await self.fire(timer, request)
        except Exception as error:  # one failing run must not stop the schedule
            logger.error("timer %s: run failed with %s", timer.name, type(error).__name__)
