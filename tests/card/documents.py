"""Snapshot documents for the card's tests, shaped like the app's (docs/api.md: The snapshot)."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


def totals(count: int, distance_m: float, moving_time_s: int) -> dict[str, Any]:
    return {
        "count": count,
        "distance_m": distance_m,
        "moving_time_s": moving_time_s,
        "elapsed_time_s": moving_time_s + 60,
        "elevation_gain_m": 10.0,
    }


BASE: dict[str, Any] = {
    "schema_version": 1,
    "generated_at": "2026-11-24T21:38:05Z",
    "athlete": {
        "id": 78469571,
        "username": "chiarasilva98",
        "firstname": "Chiara",
        "lastname": "Silva",
        "city": "Nairobi",
        "state": "Nairobi County",
        "country": "Kenya",
        "profile_url": None,
        "profile_medium_url": None,
        "measurement_preference": None,
    },
    "stats": {
        "totals": {
            "recent": {
                "run": totals(4, 40_000.0, 12_000),
                "ride": totals(2, 88_145.2, 11_681),
                "swim": totals(0, 0.0, 0),
            },
            "ytd": {
                "run": totals(120, 1_234_567.8, 420_000),
                "ride": totals(40, 2_000_000.0, 260_000),
                "swim": totals(3, 4_500.0, 5_400),
            },
            "all": {
                "run": totals(400, 4_321_000.0, 1_500_000),
                "ride": totals(150, 7_000_000.0, 900_000),
                "swim": totals(0, 0.0, 0),
            },
        },
        "biggest_ride_distance_m": 135081.8,
        "biggest_climb_elevation_gain_m": 1363.7,
    },
    "recent_activities": [
        {
            "id": 12249465423,
            "name": "Evening Ride",
            "sport_type": "Ride",
            "start_date": "2026-11-16T15:21:09Z",
            "start_date_local": "2026-11-16T18:21:09",
            "distance_m": 30447.0,
            "moving_time_s": 3527,
        },
        {
            "id": 12249465000,
            "name": "Morning Run",
            "sport_type": "Run",
            "start_date": "2026-11-15T05:00:00Z",
            "start_date_local": "2026-11-15T08:00:00",
            "distance_m": 10000.0,
            "moving_time_s": 3000,
        },
    ],
    "attribution": {"text": "Powered by Strava", "url": "https://www.strava.com"},
}


def snapshot(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    document.update(changes)
    return document


def hostile() -> dict[str, Any]:
    document = snapshot()
    document["athlete"].update(firstname=SCRIPT, lastname=IMG, city=IMG, country="\x00\x1b[31m")
    document["recent_activities"][0]["name"] = IMG + SCRIPT
    return document


def with_history(last: date = date(2026, 11, 30)) -> dict[str, Any]:
    """A history as the app writes it: every third day a Run (a Walk every sixth), each 5 km; the
    calendar days of 2025 with a Hike on every Sunday."""
    daily: list[dict[str, Any]] = []
    for back in reversed(range(365)):
        day = last - timedelta(days=back)
        sport = ("Walk" if back % 6 == 0 else "Run") if back % 3 == 0 else None
        seconds = (back % 7 + 1) * 600
        sports = {sport: {"count": 1, "distance_m": 5000.0, "moving_time_s": seconds}} if sport else {}
        daily.append(
            {
                "date": day.isoformat(),
                "count": len(sports),
                "distance_m": 5000.0 if sport else 0.0,
                "moving_time_s": seconds if sport else 0,
                "sports": sports,
            }
        )
    hikes = [date(2025, 1, 5) + timedelta(weeks=n) for n in range(52)]
    days = [{"date": day.isoformat(), "moving_time_s": {"Hike": 7200}} for day in hikes] + [
        {"date": cell["date"], "moving_time_s": {s: v["moving_time_s"] for s, v in cell["sports"].items()}}
        for cell in daily
        if cell["sports"] and cell["date"] > "2025-12-31"
    ]
    walks = [cell for cell in daily if "Walk" in cell["sports"]]
    this_year = [cell for cell in walks if cell["date"].startswith(str(last.year))]
    by_year = [
        {"year": 2025, "sports": {"Hike": {"count": 52, "distance_m": 520_000.0, "moving_time_s": 374_400,
                                           "elevation_gain_m": 0.0}}},
        {"year": 2026, "sports": {"Walk": {"count": len(this_year), "distance_m": 5000.0 * len(this_year),
                                           "moving_time_s": sum(c["moving_time_s"] for c in this_year),
                                           "elevation_gain_m": 0.0}}},
    ]  # fmt: skip
    goals = [
        {"sport_type": "Run", "period": "2026", "target_m": 1_000_000, "done_m": 812_000, "fraction": 0.812},
        {"sport_type": SCRIPT, "period": IMG, "target_m": 0, "done_m": 5, "fraction": None},
    ]
    history = {"today": last.isoformat(), "by_year": by_year, "daily": daily, "days": days}
    document = snapshot(history=history, goals=goals)
    walk = {
        "id": 12249464000,
        "name": "Evening Walk",
        "sport_type": "Walk",
        "start_date": "2026-11-16T20:00:00Z",
        "start_date_local": "2026-11-16T23:00:00",
        "distance_m": 5000.0,
        "moving_time_s": 3600,
    }
    document["recent_activities"].insert(1, walk)  # between the ride and the run
    return document
