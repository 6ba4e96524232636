"""What a ``sports=`` item shows for a period (``recent``, ``ytd``, ``all``), and the heatmap's days.

``run``, ``ride`` and ``swim`` show Strava's own totals (``stats.totals``; complete before the history
is synced); every other family or sport type sums the history (``history.by_year`` and ``daily``),
by the athlete's local dates. Pure; a missing field reads as no activity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, TypedDict

from card.fields import mapping, number, sequence
from history.sports import STRAVA_TOTALS, matches, members

RECENT_DAYS = 28  # Strava's "recent": the last four weeks
Document = Mapping[str, Any]


class PeriodTotals(TypedDict):
    count: int
    distance_m: float
    moving_time_s: int


def history_totals(snapshot: Document) -> dict[str, dict[str, PeriodTotals]]:
    """``{period: {sport_type: totals}}`` from the history; ``{}`` without one."""
    history = mapping(snapshot.get("history"))
    daily = [mapping(cell) for cell in sequence(history.get("daily"))]
    today = _date(history.get("today")) or (_date(daily[-1].get("date")) if daily else None)
    if today is None:
        return {}
    years = [mapping(row) for row in sequence(history.get("by_year"))]
    since = today - timedelta(days=RECENT_DAYS - 1)
    recent = [cell for cell in daily if (day := _date(cell.get("date"))) and since <= day <= today]
    return {
        "recent": _summed(mapping(cell.get("sports")) for cell in recent),
        "ytd": _summed(mapping(row.get("sports")) for row in years if row.get("year") == today.year),
        "all": _summed(mapping(row.get("sports")) for row in years),
    }


def item_totals(
    snapshot: Document, period: str, item: str, history: Mapping[str, Mapping[str, Any]]
) -> PeriodTotals:
    """The totals of one filter item: Strava's for ``run``/``ride``/``swim``, else the history's
    (``history``: :func:`history_totals` of the snapshot)."""
    if item in STRAVA_TOTALS:
        strava = mapping(mapping(mapping(mapping(snapshot.get("stats")).get("totals")).get(period)).get(item))
        return _totals(strava)
    by_sport = mapping(history.get(period))
    parts = [_totals(mapping(by_sport.get(sport))) for sport in members(item)]
    return {
        "count": sum(part["count"] for part in parts),
        "distance_m": round(sum(part["distance_m"] for part in parts), 1),
        "moving_time_s": sum(part["moving_time_s"] for part in parts),
    }


def heatmap_days(
    history: Mapping[str, Any], sports: Sequence[str] | None, year: int | None
) -> dict[date, float]:
    """Moving seconds per local day: the last 365 days (``daily``) or one calendar year (``days``),
    of the filter's sports (all sports when ``None``)."""
    if year is None:
        cells = [mapping(cell) for cell in sequence(history.get("daily"))]
        seconds = {
            day: _seconds(cell, sports) for cell in cells if (day := _date(cell.get("date"))) is not None
        }
        return seconds
    if not isinstance(history.get("days"), list):
        return {}  # a snapshot from before the history kept every day
    found: dict[date, float] = {}
    for row in sequence(history.get("days")):
        cell = mapping(row)
        day = _date(cell.get("date"))
        if day is not None and day.year == year:
            by_sport = mapping(cell.get("moving_time_s"))
            found[day] = sum(
                number(v) for sport, v in by_sport.items() if sports is None or matches(sport, sports)
            )
    start = date(year, 1, 1)
    every = (start + timedelta(days=n) for n in range((date(year + 1, 1, 1) - start).days))
    return {day: found.get(day, 0.0) for day in every}


def _seconds(cell: Mapping[str, Any], sports: Sequence[str] | None) -> float:
    if sports is None:
        return number(cell.get("moving_time_s"))
    by_sport = mapping(cell.get("sports"))
    return sum(
        number(mapping(v).get("moving_time_s")) for sport, v in by_sport.items() if matches(sport, sports)
    )


def _summed(groups: Iterable[Mapping[str, Any]]) -> dict[str, PeriodTotals]:
    sums: dict[str, PeriodTotals] = {}
    for group in groups:
        for sport, value in group.items():
            part = _totals(mapping(value))
            total = sums.setdefault(str(sport), {"count": 0, "distance_m": 0.0, "moving_time_s": 0})
            total["count"] += part["count"]
            total["distance_m"] += part["distance_m"]
            total["moving_time_s"] += part["moving_time_s"]
    return {
        sport: {**total, "distance_m": round(total["distance_m"], 1)} for sport, total in sorted(sums.items())
    }


def _totals(value: Mapping[str, Any]) -> PeriodTotals:
    return {
        "count": int(number(value.get("count"))),
        "distance_m": number(value.get("distance_m")),
        "moving_time_s": int(number(value.get("moving_time_s"))),
    }


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if isinstance(value, str) else None
    except ValueError:
        return None
