"""One rate budget for the whole app (pure; time is always an argument).

Strava limits the *application*: two buckets (overall and read), each with a 15-minute window
(:00/:15/:30/:45 UTC) and a UTC day. The budget knows the latest usage Strava reported (the response
seen last wins: its headers include every call counted before it) plus the calls reserved but not yet
answered ("in flight"). Work reserves its calls before spending them and is granted only if, in every
window of both buckets, ``reported + in flight + calls`` stays within its share of the limit:

- ``high`` (webhook-driven updates) and ``normal`` (snapshot refreshes) up to ``cap_percent`` (80 %);
- ``low`` (history backfills and re-scans) up to ``background_percent`` (50 %), so they always leave
  room for the others.

A refused reservation says until when to wait: the reset of the window that is full; the budget
remembers the latest ``MAX_WAITING`` refused pieces of work for the status endpoint (a bounded row,
whatever number of runs waits). Token refreshes
never wait: ``/oauth/token`` is not counted by these buckets (its answers carry no usage headers).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from strava.ratelimits import RateLimitUsage, next_daily_reset, next_window_reset
from timestamps import parse_utc

Priority = Literal["high", "normal", "low"]
DEFAULT_LIMITS = {"overall": (200, 2000), "read": (100, 1000)}  # Strava's defaults until a response says
WINDOW = timedelta(minutes=15)
MAX_WAITING = 16  # entries of ``waiting`` kept (the latest); the row stays far below 64 KiB
MAX_WORK_LENGTH = 120


@dataclass(frozen=True)
class BudgetPolicy:
    cap_percent: int = 80
    background_percent: int = 50

    def share(self, priority: Priority) -> int:
        return self.background_percent if priority == "low" else self.cap_percent


@dataclass(frozen=True)
class Waiting:
    """A piece of work that waits for the budget, for the status endpoint."""

    work: str  # e.g. "snapshot refresh of athlete 123"
    priority: Priority
    until: datetime
    reason: str


@dataclass(frozen=True)
class Decision:
    granted: bool
    until: datetime | None = None  # when refused: the reset of the full window
    reason: str = ""


@dataclass(frozen=True)
class BudgetState:
    reported: RateLimitUsage | None = None
    in_flight_window: datetime | None = None  # start of the 15-minute window the counts belong to
    in_flight_15min: int = 0
    in_flight_day: datetime | None = None
    in_flight_daily: int = 0
    waiting: Mapping[str, Waiting] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "reported": self.reported.to_dict() if self.reported else None,
            "in_flight_window": _iso(self.in_flight_window),
            "in_flight_15min": self.in_flight_15min,
            "in_flight_day": _iso(self.in_flight_day),
            "in_flight_daily": self.in_flight_daily,
            "waiting": {
                key: {"work": w.work, "priority": w.priority, "until": _iso(w.until), "reason": w.reason}
                for key, w in self.waiting.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BudgetState:
        """Inverse of :meth:`to_json`; ``ValueError`` on malformed data."""
        try:
            reported = data.get("reported")
            return cls(
                reported=RateLimitUsage.from_dict(reported) if reported else None,
                in_flight_window=_parse(data.get("in_flight_window")),
                in_flight_15min=int(data.get("in_flight_15min", 0)),
                in_flight_day=_parse(data.get("in_flight_day")),
                in_flight_daily=int(data.get("in_flight_daily", 0)),
                waiting=_bounded(
                    {
                        str(key): Waiting(
                            str(w["work"]), w["priority"], _required(w["until"]), str(w["reason"])
                        )
                        for key, w in dict(data.get("waiting") or {}).items()
                    }
                ),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"malformed rate budget: {error.__class__.__name__}") from None


def window_start(now: datetime) -> datetime:
    moment = now.astimezone(timezone.utc)
    return moment.replace(minute=moment.minute // 15 * 15, second=0, microsecond=0)


def day_start(now: datetime) -> datetime:
    return now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def _rolled(state: BudgetState, now: datetime) -> BudgetState:
    """In-flight counts of windows that have ended are dropped (their calls were answered or lost)."""
    window, day = window_start(now), day_start(now)
    if state.in_flight_window != window:
        state = replace(state, in_flight_window=window, in_flight_15min=0)
    if state.in_flight_day != day:
        state = replace(state, in_flight_day=day, in_flight_daily=0)
    waiting = {key: w for key, w in state.waiting.items() if w.until > now}
    return replace(state, waiting=waiting) if len(waiting) != len(state.waiting) else state


@dataclass(frozen=True)
class WindowUse:
    bucket: str  # "overall" or "read"
    window: str  # "15min" or "daily"
    used: int  # reported (if this window) + in flight
    limit: int

    def allowed(self, percent: int) -> int:
        return math.floor(self.limit * percent / 100)


def usage(state: BudgetState, now: datetime) -> list[WindowUse]:
    """Estimated use of the four windows at ``now``."""
    state = _rolled(state, now)
    reported = state.reported
    same_window = reported is not None and window_start(reported.observed_at) == window_start(now)
    same_day = reported is not None and day_start(reported.observed_at) == day_start(now)
    rows: list[WindowUse] = []
    for bucket in ("overall", "read"):
        limits, counts = _bucket(reported, bucket)
        rows.append(
            WindowUse(bucket, "15min", (counts[0] if same_window else 0) + state.in_flight_15min, limits[0])
        )
        rows.append(
            WindowUse(bucket, "daily", (counts[1] if same_day else 0) + state.in_flight_daily, limits[1])
        )
    return rows


def _bucket(reported: RateLimitUsage | None, bucket: str) -> tuple[tuple[int, int], tuple[int, int]]:
    if reported is None:
        return DEFAULT_LIMITS[bucket], (0, 0)
    if bucket == "overall":
        return (reported.limit_15min, reported.limit_daily), (reported.usage_15min, reported.usage_daily)
    if reported.read_limit_15min is None or reported.read_limit_daily is None:
        return DEFAULT_LIMITS["read"], (0, 0)
    return (reported.read_limit_15min, reported.read_limit_daily), (
        reported.read_usage_15min or 0,
        reported.read_usage_daily or 0,
    )


def reserve(
    state: BudgetState,
    calls: int,
    priority: Priority,
    work: str,
    now: datetime,
    policy: BudgetPolicy = BudgetPolicy(),
) -> tuple[BudgetState, Decision]:
    """Grant ``calls`` (counted in flight until settled) or say until when ``work`` must wait."""
    if calls < 1:
        raise ValueError("reserve at least one call")
    state = _rolled(state, now)
    percent = policy.share(priority)
    full = [row for row in usage(state, now) if row.used + calls > row.allowed(percent)]
    if not full:
        waiting = {key: w for key, w in state.waiting.items() if key != work[:MAX_WORK_LENGTH]}
        granted = replace(
            state,
            in_flight_15min=state.in_flight_15min + calls,
            in_flight_daily=state.in_flight_daily + calls,
            waiting=waiting,
        )
        return granted, Decision(True)
    until = max(next_daily_reset(now) if row.window == "daily" else next_window_reset(now) for row in full)
    row = max(full, key=lambda item: item.used / max(item.limit, 1))
    reason = (
        f"{row.bucket} {row.window} usage {row.used}/{row.limit}: {calls} more would pass the {percent} % "
        f"share of {priority}-priority work"
    )
    work = work[:MAX_WORK_LENGTH]
    others = {key: w for key, w in state.waiting.items() if key != work}
    waiting = _bounded({**others, work: Waiting(work, priority, until, reason)})
    return replace(state, waiting=waiting), Decision(False, until, reason)


def _bounded(waiting: Mapping[str, Waiting]) -> dict[str, Waiting]:
    """The latest ``MAX_WAITING`` entries (insertion order: the latest refusal last)."""
    kept = list(waiting.items())[-MAX_WAITING:]
    return dict(kept)


def settle(state: BudgetState, calls: int, reported: RateLimitUsage | None, now: datetime) -> BudgetState:
    """``calls`` reserved calls were answered; ``reported`` is the latest usage a response carried."""
    state = _rolled(state, now)
    state = replace(
        state,
        in_flight_15min=max(0, state.in_flight_15min - calls),
        in_flight_daily=max(0, state.in_flight_daily - calls),
    )
    if reported is not None and (
        state.reported is None or reported.observed_at >= state.reported.observed_at
    ):
        state = replace(state, reported=reported)
    return state


def status_view(state: BudgetState, now: datetime, policy: BudgetPolicy = BudgetPolicy()) -> dict[str, Any]:
    """The budget as the status endpoint shows it: each window's use and what waits until when."""
    state = _rolled(state, now)
    return {
        "cap_percent": policy.cap_percent,
        "background_percent": policy.background_percent,
        "windows": [
            {"bucket": row.bucket, "window": row.window, "used": row.used, "limit": row.limit}
            for row in usage(state, now)
        ],
        "reported_at": _iso(state.reported.observed_at) if state.reported else None,
        "waiting": [
            {"work": w.work, "priority": w.priority, "until": _iso(w.until), "reason": w.reason}
            for w in sorted(state.waiting.values(), key=lambda item: (item.until, item.work))
        ],
    }


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse(raw: object) -> datetime | None:
    if raw is None:
        return None
    return parse_utc(str(raw), require_zone=True)


def _required(raw: object) -> datetime:
    parsed = _parse(raw)
    if parsed is None:
        raise KeyError("until")
    return parsed
