"""Goals from ``SNAPSHOT_GOALS`` (``Run:1000km,Ride:5000km``) and their progress. Pure and typed.

A goal is ``SPORT_TYPE:AMOUNT[UNIT][/PERIOD]``: unit ``km`` (default), ``mi`` or ``m``; period ``year``
(default, the calendar year), ``month`` or ``week`` (ISO week), all in the athlete's local dates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, TypedDict

from history.aggregates import HistoryActivity

Period = Literal["year", "month", "week"]
UNITS = {"km": 1000.0, "mi": 1609.344, "m": 1.0}
_GOAL = re.compile(r"([A-Za-z][A-Za-z0-9]*):(\d+(?:\.\d+)?)(km|mi|m)?(?:/(year|month|week))?")


class GoalProgress(TypedDict):
    sport_type: str
    period: str
    target_m: float
    done_m: float
    fraction: float


@dataclass(frozen=True)
class Goal:
    sport_type: str
    target_m: float
    period: Period = "year"


def parse_goals(text: str) -> tuple[Goal, ...]:
    """Goals from the setting's text; ``ValueError`` names the bad item (an empty text: no goals)."""
    goals: list[Goal] = []
    for raw in (part.strip() for part in text.split(",")):
        if not raw:
            continue
        match = _GOAL.fullmatch(raw)
        if match is None:
            raise ValueError(
                f"a goal is SPORT:AMOUNT[km|mi|m][/year|/month|/week], e.g. Run:1000km (got {raw!r})"
            )
        sport, amount, unit, period = match.groups()
        target = float(amount) * UNITS[unit or "km"]
        if target <= 0:
            raise ValueError(f"a goal's amount must be positive (got {raw!r})")
        goals.append(Goal(sport, round(target, 1), period or "year"))  # type: ignore[arg-type]
    return tuple(goals)


def period_start(period: Period, today: date) -> date:
    if period == "year":
        return today.replace(month=1, day=1)
    if period == "month":
        return today.replace(day=1)
    return today - timedelta(days=today.weekday())


def goal_progress(goals: Sequence[Goal], items: Sequence[HistoryActivity], today: date) -> list[GoalProgress]:
    """Distance done towards each goal in its current period (``fraction`` may pass 1)."""
    progress: list[GoalProgress] = []
    for goal in goals:
        start = period_start(goal.period, today)
        done = sum(
            item.distance_m
            for item in items
            if item.sport_type == goal.sport_type and start <= item.local_date <= today
        )
        progress.append(
            {
                "sport_type": goal.sport_type,
                "period": goal.period,
                "target_m": goal.target_m,
                "done_m": round(done, 1),
                "fraction": round(done / goal.target_m, 4),
            }
        )
    return progress
