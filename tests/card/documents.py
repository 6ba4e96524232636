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
    daily = [
        {
            "date": (last - timedelta(days=back)).isoformat(),
            "count": 1 if back % 3 == 0 else 0,
            "distance_m": 5000.0 if back % 3 == 0 else 0.0,
            "moving_time_s": (back % 7 + 1) * 600 if back % 3 == 0 else 0,
        }
        for back in range(365)
    ]
    goals = [
        {"sport_type": "Run", "period": "2026", "target_m": 1_000_000, "done_m": 812_000, "fraction": 0.812},
        {"sport_type": SCRIPT, "period": IMG, "target_m": 0, "done_m": 5, "fraction": None},
    ]
    return snapshot(history={"daily": daily}, goals=goals)
