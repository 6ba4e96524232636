"""The pure history chain (Strava JSON -> privacy filter -> aggregates) against independent sums."""

from __future__ import annotations

import gzip
import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from history.goals import Goal, parse_goals
from history.section import history_fields, recent_activities
from snapshot import PrivacyPolicy, public_activity
from strava.models import SummaryActivity
from tests.history.truth import assert_history_matches, local_day, streaks

NOW = datetime(2026, 11, 30, 22, 30, tzinfo=timezone.utc)
SPORTS = (
    "Run",
    "Ride",
    "Swim",
    "Hike",
    "Walk",
    "VirtualRide",
    "WeightTraining",
    "Kitesurf",
    "Rowing",
    "Yoga",
)


def strava_activity(rng: random.Random, activity_id: int, start: datetime, offset_h: int) -> dict[str, Any]:
    local = start + timedelta(hours=offset_h)
    return {
        "id": activity_id,
        "name": f"Activity {activity_id}",
        "sport_type": rng.choice(SPORTS),
        "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_date_local": local.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": "(GMT+09:00) Asia/Tokyo",
        "utc_offset": offset_h * 3600.0,
        "distance": round(rng.uniform(0, 90_000), 1),
        "moving_time": rng.randint(600, 20_000),
        "elapsed_time": 20_001,
        "total_elevation_gain": round(rng.uniform(0, 1500), 1),
        "visibility": rng.choices(("everyone", "followers_only", "only_me"), (85, 10, 5))[0],
        "private": False,
        "start_latlng": [35.0, 135.7],
        "map": {"summary_polyline": "abc"},
    }


def history(count: int, days: int, seed: int, offset_h: int = 9) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    starts = sorted(NOW - timedelta(seconds=rng.randint(60, days * 86400)) for _ in range(count))
    return [strava_activity(rng, 10**10 + n, start, offset_h) for n, start in enumerate(starts)]


def published_of(raw: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(Strava-shaped published activities, their public form)."""
    policy = PrivacyPolicy()
    pairs = [(item, public_activity(SummaryActivity.from_json(item), policy)) for item in raw]
    return [item for item, public in pairs if public], [public for _, public in pairs if public]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_aggregate_equals_independent_sums(seed):
    raw = history(1500, 3 * 365, seed)
    truth, public = published_of(raw)
    assert len(truth) < len(raw)
    document = history_fields(public, complete=True, synced_at="2026-11-30T22:00:00Z", goals=(), now=NOW)
    assert_history_matches(document, truth, NOW)
    assert document["history"]["complete"] is True
    assert document["history"]["synced_at"] == "2026-11-30T22:00:00Z"
    assert not any("latlng" in item or "summary_polyline" in item for item in public)


def test_local_dates_decide_the_day_and_the_athletes_today():
    # 23:30 UTC on Nov 30 is 08:30 on Dec 1 in Tokyo: today is Dec 1 there
    rng = random.Random(5)
    start = datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc)
    raw = [{**strava_activity(rng, 1, start, 9), "visibility": "everyone"}]
    _, public = published_of(raw)
    later = datetime(2026, 11, 30, 23, 45, tzinfo=timezone.utc)
    document = history_fields(public, complete=False, synced_at=None, goals=(), now=later)
    assert document["history"]["daily"][-1] == {
        "date": "2026-12-01",
        "count": 1,
        "distance_m": raw[0]["distance"],
        "moving_time_s": raw[0]["moving_time"],
        "sports": {
            raw[0]["sport_type"]: {
                "count": 1,
                "distance_m": raw[0]["distance"],
                "moving_time_s": raw[0]["moving_time"],
            }
        },
    }
    assert document["history"]["by_month"][-1]["month"] == "2026-12"
    assert document["history"]["by_week"][-1]["week"] == "2026-W49"
    assert document["history"]["streaks"]["current_days"] == 1


def test_streaks_hold_until_a_whole_day_or_week_is_missed():
    def at(*days: int) -> list[dict[str, Any]]:
        rng = random.Random(0)
        items = [
            {**strava_activity(rng, n + 1, NOW - timedelta(days=d), 0), "visibility": "everyone"}
            for n, d in enumerate(days)
        ]
        return published_of(items)[1]

    today = history_fields(at(0, 1, 2, 5, 6, 7, 8), complete=True, synced_at=None, goals=(), now=NOW)
    assert today["history"]["streaks"]["current_days"] == 3
    assert today["history"]["streaks"]["longest_days"] == 4
    yesterday = history_fields(at(1, 2), complete=True, synced_at=None, goals=(), now=NOW)
    assert yesterday["history"]["streaks"]["current_days"] == 2
    broken = history_fields(at(2, 3), complete=True, synced_at=None, goals=(), now=NOW)
    assert broken["history"]["streaks"]["current_days"] == 0
    assert broken["history"]["streaks"]["longest_days"] == 2
    weeks = history_fields(at(0, 7, 14, 35), complete=True, synced_at=None, goals=(), now=NOW)
    assert weeks["history"]["streaks"]["current_weeks"] == 3
    assert history_fields([], complete=False, synced_at=None, goals=(), now=NOW)["history"][
        "streaks"
    ] == streaks([], NOW.date())


def test_goals_sum_the_current_period_of_their_sport():
    raw = history(800, 2 * 365, 7, offset_h=0)
    truth, public = published_of(raw)
    goals = parse_goals("Run:1000km,Ride:5000km/year,Swim:20mi/month,Hike:5000m/week")
    assert goals == (
        Goal("Run", 1_000_000.0, "year"),
        Goal("Ride", 5_000_000.0, "year"),
        Goal("Swim", 32_186.9, "month"),
        Goal("Hike", 5000.0, "week"),
    )
    document = history_fields(public, complete=True, synced_at=None, goals=goals, now=NOW)
    today = NOW.date()
    monday = today - timedelta(days=today.weekday())
    windows = {
        "Run": lambda d: d.year == today.year,
        "Ride": lambda d: d.year == today.year,
        "Swim": lambda d: (d.year, d.month) == (today.year, today.month),
        "Hike": lambda d: monday <= d <= today,
    }
    for goal in document["goals"]:
        done = sum(
            a["distance"]
            for a in truth
            if a["sport_type"] == goal["sport_type"] and windows[goal["sport_type"]](local_day(a))
        )
        assert abs(goal["done_m"] - done) <= 0.06
        assert goal["fraction"] == round(goal["done_m"] / goal["target_m"], 4)


@pytest.mark.parametrize(
    "bad", ["Run", "Run:", "Run:-5km", "Run:10furlongs", "Run:10km/decade", ":10km", "Run:0km"]
)
def test_bad_goals_are_refused_with_the_item(bad):
    with pytest.raises(ValueError, match="goal"):
        parse_goals(bad)


def test_recent_activities_are_the_newest_published():
    raw = history(300, 365, 11)
    truth, public = published_of(raw)
    newest = sorted(truth, key=lambda a: a["start_date"], reverse=True)[:30]
    assert [a["id"] for a in recent_activities(public, 30)] == [a["id"] for a in newest]


def test_a_ten_year_5000_activity_history_stays_well_inside_one_entity():
    """The measured size docs/api.md states: JSON and gzip (the snapshot store keeps it gzipped)."""
    raw = history(5000, 10 * 365, 13)
    _, public = published_of(raw)
    fields = history_fields(
        public, complete=True, synced_at=None, goals=parse_goals("Run:1000km,Ride:5000km"), now=NOW
    )
    body = json.dumps(
        {**fields, "recent_activities": recent_activities(public, 30)}, separators=(",", ":")
    ).encode()
    packed = gzip.compress(body)
    print(f"history of 5,000 activities over 10 years: {len(body)} bytes JSON, {len(packed)} bytes gzipped")
    assert len(fields["history"]["by_month"]) >= 115 and len(fields["history"]["by_year"]) >= 10
    assert len(body) < 400 * 1024  # well inside the 1 MiB entity even uncompressed
    assert len(packed) < 128 * 1024  # two of the store's 64 KiB chunks at most
