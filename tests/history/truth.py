"""Aggregates computed independently of ``history/``: plain loops over Strava-shaped activities.

Written from the issue's definitions, not from the app's code, so a test comparing the two can fail.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any


def local_day(activity: dict[str, Any]) -> date:
    return date.fromisoformat(activity["start_date_local"][:10])


def totals(activities: list[dict[str, Any]], key) -> dict[Any, dict[str, dict[str, float]]]:
    """{key: {sport_type: {count, distance_m, moving_time_s, elevation_gain_m}}} from Strava fields."""
    out: dict[Any, dict[str, dict[str, float]]] = defaultdict(dict)
    for a in activities:
        sport = out[key(a)].setdefault(
            a["sport_type"], {"count": 0, "distance_m": 0.0, "moving_time_s": 0, "elevation_gain_m": 0.0}
        )
        sport["count"] += 1
        sport["distance_m"] += a["distance"]
        sport["moving_time_s"] += a["moving_time"]
        sport["elevation_gain_m"] += a["total_elevation_gain"]
    return dict(out)


def today_of(activities: list[dict[str, Any]], now: datetime) -> date:
    """The athlete's local date: now shifted by the newest activity's offset."""
    newest = max(activities, key=lambda a: a["start_date"])
    local = datetime.fromisoformat(newest["start_date_local"].rstrip("Z"))
    utc = datetime.fromisoformat(newest["start_date"].rstrip("Z"))
    return (now.replace(tzinfo=None) + (local - utc)).date()


def streak_lengths(days: set[date], step: timedelta) -> list[tuple[date, int]]:
    runs: list[tuple[date, int]] = []
    for day in sorted(days):
        if runs and runs[-1][0] + step == day:
            runs[-1] = (day, runs[-1][1] + 1)
        else:
            runs.append((day, 1))
    return runs


def streaks(activities: list[dict[str, Any]], today: date) -> dict[str, int]:
    days = {local_day(a) for a in activities if local_day(a) <= today}
    mondays = {d - timedelta(days=d.weekday()) for d in days}
    this_monday = today - timedelta(days=today.weekday())
    day_runs = streak_lengths(days, timedelta(days=1))
    week_runs = streak_lengths(mondays, timedelta(weeks=1))

    def current(runs: list[tuple[date, int]], now: date, step: timedelta) -> int:
        return runs[-1][1] if runs and runs[-1][0] >= now - step else 0

    return {
        "current_days": current(day_runs, today, timedelta(days=1)),
        "longest_days": max((n for _, n in day_runs), default=0),
        "current_weeks": current(week_runs, this_monday, timedelta(weeks=1)),
        "longest_weeks": max((n for _, n in week_runs), default=0),
    }


def assert_totals_equal(got: dict[str, dict[str, Any]], want: dict[str, dict[str, float]]) -> None:
    assert set(got) == set(want), (sorted(got), sorted(want))
    for sport, expected in want.items():
        actual = got[sport]
        assert actual["count"] == expected["count"], sport
        assert actual["moving_time_s"] == expected["moving_time_s"], sport
        assert abs(actual["distance_m"] - expected["distance_m"]) <= 0.06, sport
        assert abs(actual["elevation_gain_m"] - expected["elevation_gain_m"]) <= 0.06, sport


def assert_history_matches(document: dict[str, Any], published: list[dict[str, Any]], now: datetime) -> None:
    """Every aggregate of ``document`` against sums over ``published`` (Strava-shaped activities)."""
    history = document["history"]
    assert history["activity_count"] == len(published)
    today = today_of(published, now)

    assert history["today"] == today.isoformat()
    years = totals(published, lambda a: local_day(a).year)
    span = range(min(years), today.year + 1) if years else range(0)
    assert [row["year"] for row in history["by_year"]] == list(span)  # oldest first, no gaps
    for row in history["by_year"]:
        assert_totals_equal(row["sports"], years.get(row["year"], {}))

    months = totals(published, lambda a: a["start_date_local"][:7])
    labels = [row["month"] for row in history["by_month"]]
    assert labels == sorted(labels) and len(set(labels)) == len(labels)
    if months:
        assert labels[0] == min(months) and labels[-1] == f"{today.year:04d}-{today.month:02d}"
        first = int(labels[0][:4]) * 12 + int(labels[0][5:]) - 1
        assert len(labels) == today.year * 12 + today.month - first  # every month of the span
    for row in history["by_month"]:
        assert_totals_equal(row["sports"], months.get(row["month"], {}))

    def week_label(day: date) -> str:
        iso = day.isocalendar()
        return f"{iso[0]}-W{iso[1]:02d}"

    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=51)
    in_range = [a for a in published if first_monday <= local_day(a) <= today]
    weeks = totals(in_range, lambda a: week_label(local_day(a)))
    expected_weeks = [week_label(today - timedelta(weeks=n)) for n in reversed(range(52))]
    assert [row["week"] for row in history["by_week"]] == expected_weeks
    for row in history["by_week"]:
        assert_totals_equal(row["sports"], weeks.get(row["week"], {}))

    assert len(history["daily"]) == 365
    assert history["daily"][-1]["date"] == today.isoformat()
    assert history["daily"][0]["date"] == (today - timedelta(days=364)).isoformat()
    for cell in history["daily"]:
        day = date.fromisoformat(cell["date"])
        same = [a for a in published if local_day(a) == day]
        assert cell["count"] == len(same), cell
        assert cell["moving_time_s"] == sum(a["moving_time"] for a in same), cell
        assert abs(cell["distance_m"] - sum(a["distance"] for a in same)) <= 0.06, cell
        assert sorted(cell["sports"]) == sorted({a["sport_type"] for a in same}), cell
        for sport, part in cell["sports"].items():
            mine = [a for a in same if a["sport_type"] == sport]
            assert (part["count"], part["moving_time_s"]) == (len(mine), sum(a["moving_time"] for a in mine))

    active = {local_day(a) for a in published}
    assert [row["date"] for row in history["days"]] == [day.isoformat() for day in sorted(active)]
    for row in history["days"]:
        same = [a for a in published if local_day(a).isoformat() == row["date"]]
        assert sum(row["moving_time_s"].values()) == sum(a["moving_time"] for a in same), row
        assert sorted(row["moving_time_s"]) == sorted({a["sport_type"] for a in same}), row

    assert history["streaks"] == streaks(published, today)
