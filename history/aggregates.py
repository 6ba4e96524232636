"""The snapshot's ``history`` section from the stored (already published) activities. Pure and typed.

Every figure is grouped by the activity's LOCAL start date (``start_date_local``, Strava's wall-clock
time), per ``sport_type``. "Today" is the athlete's local date: ``now`` shifted by the UTC offset of
their newest activity, so an athlete in Tokyo sees today's morning run in today's cell.

One rule for every series (``by_year``, ``by_month``, ``by_week``, ``daily``): oldest first, every
period of its span present, a period without activities as zeros (``"sports": {}``). ``days`` is the
exception by design: every day with an activity, ever (oldest first), for a calendar-year heatmap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypedDict

from timestamps import parse_utc, parse_wall_time

WEEKS_SHOWN = 52
DAYS_SHOWN = 365


class Totals(TypedDict):
    count: int
    distance_m: float
    moving_time_s: int
    elevation_gain_m: float


class DayTotals(TypedDict):
    count: int
    distance_m: float
    moving_time_s: int


class DailyTotals(TypedDict):
    date: str
    count: int
    distance_m: float
    moving_time_s: int
    sports: dict[str, DayTotals]  # per sport_type, for a heatmap of some sports; {} on a rest day


class ActiveDay(TypedDict):
    date: str
    moving_time_s: dict[str, int]  # per sport_type: all a heatmap shades by, kept small for ten years


class Streaks(TypedDict):
    current_days: int
    longest_days: int
    current_weeks: int
    longest_weeks: int


@dataclass(frozen=True)
class HistoryActivity:
    """What the aggregation needs of one published activity."""

    sport_type: str
    local_date: date
    distance_m: float
    moving_time_s: int
    elevation_gain_m: float
    utc_offset: timedelta  # start_date_local - start_date

    @classmethod
    def from_public(cls, item: Mapping[str, Any]) -> HistoryActivity:
        """From the public activity dict (``snapshot.public_activity``) the store keeps."""
        local = parse_wall_time(str(item["start_date_local"]))
        utc = parse_utc(str(item["start_date"])).replace(tzinfo=None)
        return cls(
            sport_type=str(item["sport_type"] or "Workout"),
            local_date=local.date(),
            distance_m=float(item["distance_m"] or 0.0),
            moving_time_s=int(item["moving_time_s"] or 0),
            elevation_gain_m=float(item["elevation_gain_m"] or 0.0),
            utc_offset=local - utc,
        )


def local_today(newest_offset: timedelta | None, now: datetime) -> date:
    """The athlete's current local date (UTC when no activity tells their offset)."""
    return (now.replace(tzinfo=None) + (newest_offset or timedelta(0))).date()


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _empty() -> Totals:
    return {"count": 0, "distance_m": 0.0, "moving_time_s": 0, "elevation_gain_m": 0.0}


def _add(totals: Totals, item: HistoryActivity) -> None:
    totals["count"] += 1
    totals["distance_m"] += item.distance_m
    totals["moving_time_s"] += item.moving_time_s
    totals["elevation_gain_m"] += item.elevation_gain_m


def _rounded(totals: Totals) -> Totals:
    return {
        "count": totals["count"],
        "distance_m": round(totals["distance_m"], 1),
        "moving_time_s": totals["moving_time_s"],
        "elevation_gain_m": round(totals["elevation_gain_m"], 1),
    }


def sports_by(items: Iterable[HistoryActivity], key: Any) -> dict[Any, dict[str, Totals]]:
    """``{key(item): {sport_type: totals}}``, rounded to 0.1 m."""
    groups: dict[Any, dict[str, Totals]] = {}
    for item in items:
        _add(groups.setdefault(key(item), {}).setdefault(item.sport_type, _empty()), item)
    return {
        group: {sport: _rounded(totals) for sport, totals in sorted(sports.items())}
        for group, sports in groups.items()
    }


def by_year(items: Sequence[HistoryActivity], today: date | None = None) -> list[dict[str, Any]]:
    """Every year from the first activity's to today's (the newest activity's without ``today``),
    oldest first; a year without activities has ``{}``."""
    groups = sports_by(items, lambda item: item.local_date.year)
    if not groups:
        return []
    last = max(groups) if today is None else max(today.year, max(groups))
    return [{"year": year, "sports": groups.get(year, {})} for year in range(min(groups), last + 1)]


def by_month(items: Sequence[HistoryActivity], today: date | None = None) -> list[dict[str, Any]]:
    """Every month (``2026-11``) from the first activity's to today's, oldest first; ``{}`` when empty."""
    groups = sports_by(items, lambda item: _month(item.local_date))
    if not groups:
        return []
    first, newest = min(groups), max(groups)
    last = newest if today is None else max(_month(today), newest)
    months: list[str] = []
    year, month = int(first[:4]), int(first[5:])
    while (label := f"{year:04d}-{month:02d}") <= last:
        months.append(label)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return [{"month": month, "sports": groups.get(month, {})} for month in months]


def by_week(items: Sequence[HistoryActivity], today: date) -> list[dict[str, Any]]:
    """The 52 ISO weeks up to today's, oldest first; a week without activities has ``{}``."""
    monday = today - timedelta(days=today.weekday())
    weeks = [iso_week(monday - timedelta(weeks=back)) for back in reversed(range(WEEKS_SHOWN))]
    first = monday - timedelta(weeks=WEEKS_SHOWN - 1)
    recent = [item for item in items if first <= item.local_date <= today]
    groups = sports_by(recent, lambda item: iso_week(item.local_date))
    return [{"week": week, "sports": groups.get(week, {})} for week in weeks]


def daily(items: Sequence[HistoryActivity], today: date) -> list[DailyTotals]:
    """The 365 days ending today, oldest first, every day (zeros included), each with its sports."""
    first = today - timedelta(days=DAYS_SHOWN - 1)
    recent = [item for item in items if first <= item.local_date <= today]
    groups = _day_sports(recent)
    cells: list[DailyTotals] = []
    for offset in range(DAYS_SHOWN):
        day = first + timedelta(days=offset)
        sports = groups.get(day, {})
        cells.append(
            {
                "date": day.isoformat(),
                "count": sum(cell["count"] for cell in sports.values()),
                "distance_m": round(sum(cell["distance_m"] for cell in sports.values()), 1),
                "moving_time_s": sum(cell["moving_time_s"] for cell in sports.values()),
                "sports": sports,
            }
        )
    return cells


def days(items: Sequence[HistoryActivity]) -> list[ActiveDay]:
    """Every day with an activity, oldest first, with its moving time per sport: any calendar year's
    heatmap."""
    groups: dict[date, dict[str, int]] = {}
    for item in items:
        sports = groups.setdefault(item.local_date, {})
        sports[item.sport_type] = sports.get(item.sport_type, 0) + item.moving_time_s
    return [
        {"date": day.isoformat(), "moving_time_s": dict(sorted(groups[day].items()))}
        for day in sorted(groups)
    ]


def _day_sports(items: Iterable[HistoryActivity]) -> dict[date, dict[str, DayTotals]]:
    groups: dict[date, dict[str, DayTotals]] = {}
    for item in items:
        sports = groups.setdefault(item.local_date, {})
        cell = sports.setdefault(item.sport_type, {"count": 0, "distance_m": 0.0, "moving_time_s": 0})
        cell["count"] += 1
        cell["distance_m"] += item.distance_m
        cell["moving_time_s"] += item.moving_time_s
    return {
        day: {
            sport: {**cell, "distance_m": round(cell["distance_m"], 1)}
            for sport, cell in sorted(sports.items())
        }
        for day, sports in groups.items()
    }


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _runs(ordinals: Sequence[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive integers in sorted distinct ``ordinals``: (last, length)."""
    runs: list[tuple[int, int]] = []
    for value in ordinals:
        if runs and runs[-1][0] == value - 1:
            runs[-1] = (value, runs[-1][1] + 1)
        else:
            runs.append((value, 1))
    return runs


def _current(runs: Sequence[tuple[int, int]], now_ordinal: int) -> int:
    """A streak is current if it reaches today (this week) or yesterday (last week): it is not broken
    until a whole day (week) went by without an activity."""
    if runs and runs[-1][0] >= now_ordinal - 1:
        return runs[-1][1]
    return 0


def streaks(items: Sequence[HistoryActivity], today: date) -> Streaks:
    """Consecutive days and ISO weeks with at least one activity (any sport)."""
    days = sorted({item.local_date.toordinal() for item in items if item.local_date <= today})
    weeks = sorted({_week_ordinal(item.local_date) for item in items if item.local_date <= today})
    day_runs, week_runs = _runs(days), _runs(weeks)
    return {
        "current_days": _current(day_runs, today.toordinal()),
        "longest_days": max((length for _, length in day_runs), default=0),
        "current_weeks": _current(week_runs, _week_ordinal(today)),
        "longest_weeks": max((length for _, length in week_runs), default=0),
    }


def _week_ordinal(day: date) -> int:
    """Consecutive ISO weeks have consecutive numbers (Mondays' ordinals / 7)."""
    return (day.toordinal() - day.weekday()) // 7
