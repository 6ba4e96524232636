"""The /api/v3 routes over real loopback HTTP: shapes, pagination, scopes, inactive app, stats totals."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from tests.calls import all_activities, api_get, connect, refresh

RIDE = {"Ride", "VirtualRide", "EBikeRide", "MountainBikeRide", "GravelRide", "EMountainBikeRide"}
RUN = {"Run", "TrailRun", "VirtualRun"}
SWIM = {"Swim"}
INACTIVE = {
    "message": "Forbidden",
    "errors": [{"resource": "Application", "field": "Status", "code": "Inactive"}],
}


async def test_pages_are_full_newest_first_until_the_empty_page(session, start_strava_emulator):
    emu = start_strava_emulator("--athletes", "1", "--activities", "95")
    token = (await connect(session, emu))["access_token"]
    sizes: list[int] = []
    starts: list[str] = []
    for page in range(1, 6):
        status, body, _ = await api_get(session, emu, "/athlete/activities", token, page=page)
        assert status == 200
        sizes.append(len(body))
        starts.extend(item["start_date"] for item in body)
    assert sizes == [30, 30, 30, 5, 0]
    assert starts == sorted(starts, reverse=True)
    assert len({*starts}) == 95
    _, body, _ = await api_get(session, emu, "/athlete/activities", token, per_page=500)
    assert len(body) == 95  # per_page is capped at 200, all fit


async def test_before_after_filter_and_millisecond_values_fail(session, strava_emulator):
    token = (await connect(session, strava_emulator))["access_token"]
    everything = await all_activities(session, strava_emulator, token)
    middle = everything[len(everything) // 2]
    pivot = _epoch(middle["start_date"])
    _, newer, _ = await api_get(
        session, strava_emulator, "/athlete/activities", token, after=pivot, per_page=200
    )
    assert all(_epoch(item["start_date"]) > pivot for item in newer)
    _, older, _ = await api_get(
        session, strava_emulator, "/athlete/activities", token, before=pivot, per_page=200
    )
    assert all(_epoch(item["start_date"]) < pivot for item in older)
    status, body, _ = await api_get(
        session, strava_emulator, "/athlete/activities", token, after=pivot * 1000
    )
    assert (status, body) == (
        400,
        {
            "message": "Bad Request",
            "errors": [{"resource": "Application", "field": "after", "code": "future"}],
        },
    )


def _epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


async def test_activity_scope_rules(session, strava_emulator):
    read_only = (await connect(session, strava_emulator, scope="read"))["access_token"]
    status, body, _ = await api_get(session, strava_emulator, "/athlete/activities", read_only)
    assert (status, body) == (
        401,
        {
            "message": "Authorization Error",
            "errors": [{"resource": "AccessToken", "field": "activity:read_permission", "code": "missing"}],
        },
    )
    public = await all_activities(
        session, strava_emulator, (await connect(session, strava_emulator, "activity:read"))["access_token"]
    )
    everything = await all_activities(
        session, strava_emulator, (await connect(session, strava_emulator))["access_token"]
    )
    assert len(everything) == strava_emulator.athletes()[0]["activities"]
    assert {item["visibility"] for item in everything} == {"everyone", "followers_only", "only_me"}
    assert {item["visibility"] for item in public} == {"everyone", "followers_only"}
    assert len(public) == sum(1 for item in everything if item["visibility"] != "only_me")


async def test_summary_activity_has_the_real_shape(session, strava_emulator):
    token = (await connect(session, strava_emulator))["access_token"]
    activities = await all_activities(session, strava_emulator, token)
    first = activities[0]
    for field in ("id", "sport_type", "start_date_local", "timezone", "map", "visibility", "average_speed"):
        assert field in first
    assert first["resource_state"] == 2
    assert isinstance(first["utc_offset"], float)
    assert any(item["id"] > 2**32 for item in activities)
    assert {item["sport_type"] for item in activities} >= {
        "Run",
        "Ride",
        "Swim",
        "Walk",
        "Hike",
        "VirtualRide",
    }
    outdoor = [item for item in activities if item["start_latlng"]]
    assert outdoor and all(item["map"]["summary_polyline"] for item in outdoor)
    assert any(item["start_latlng"] == [] for item in activities)
    status, detail, _ = await api_get(session, strava_emulator, f"/activities/{first['id']}", token)
    assert status == 200 and detail["resource_state"] == 3 and detail["id"] == first["id"]
    status, body, _ = await api_get(session, strava_emulator, "/activities/1", token)
    assert status == 404 and body["message"] == "Record Not Found"


async def test_athlete_detail_needs_profile_read_all_and_some_avatars_are_relative(session, strava_emulator):
    first, second = strava_emulator.athletes()[:2]
    detailed = (await connect(session, strava_emulator, "profile:read_all"))["access_token"]
    _, athlete, _ = await api_get(session, strava_emulator, "/athlete", detailed)
    assert athlete["resource_state"] == 3 and athlete["id"] == first["id"]
    assert "shoes" in athlete and "bikes" in athlete
    assert athlete["profile"].startswith(strava_emulator.base_url)
    async with session.get(athlete["profile"]) as picture:
        assert picture.status == 200 and (await picture.read()).startswith(b"\x89PNG")
    summary = (await connect(session, strava_emulator, "read", athlete_id=str(second["id"])))["access_token"]
    _, athlete, _ = await api_get(session, strava_emulator, "/athlete", summary)
    assert athlete["resource_state"] == 2
    assert athlete["profile"] == "avatar/athlete/large.png"
    assert athlete["profile_medium"] == "avatar/athlete/medium.png"


async def test_stats_only_for_the_authenticated_athlete(session, strava_emulator):
    tokens = await connect(session, strava_emulator, "read")
    other = strava_emulator.athletes()[1]["id"]
    status, body, _ = await api_get(
        session, strava_emulator, f"/athletes/{other}/stats", tokens["access_token"]
    )
    assert status == 403 and body["message"] == "Forbidden"
    own = tokens["athlete"]["id"]
    status, body, _ = await api_get(
        session, strava_emulator, f"/athletes/{own}/stats", tokens["access_token"]
    )
    assert status == 200 and "all_run_totals" in body
    assert isinstance(body["all_run_totals"]["moving_time"], float)
    assert "achievement_count" in body["recent_run_totals"]
    assert "achievement_count" not in body["all_run_totals"]


async def test_app_inactive_forbids_data_but_refresh_works(session, strava_emulator):
    tokens = await connect(session, strava_emulator)
    strava_emulator.configure(app_inactive=True)
    own = tokens["athlete"]["id"]
    for path in ("/athlete", "/athlete/activities", f"/athletes/{own}/stats"):
        status, body, _ = await api_get(session, strava_emulator, path, tokens["access_token"])
        assert (status, body) == (403, INACTIVE), path
    assert (await refresh(session, strava_emulator, tokens["refresh_token"]))[0] == 200
    strava_emulator.configure(app_inactive=False)
    assert (await api_get(session, strava_emulator, "/athlete", tokens["access_token"]))[0] == 200


async def test_stats_totals_equal_sums_over_everyone_visible_activities(session, strava_emulator):
    for athlete in strava_emulator.athletes():
        tokens = await connect(session, strava_emulator, athlete_id=str(athlete["id"]))
        activities = await all_activities(session, strava_emulator, tokens["access_token"])
        assert len(activities) == athlete["activities"]
        public = [item for item in activities if item["visibility"] == "everyone"]
        path = f"/athletes/{athlete['id']}/stats"
        _, stats, _ = await api_get(session, strava_emulator, path, tokens["access_token"])
        for group, types in (("ride", RIDE), ("run", RUN), ("swim", SWIM)):
            chosen = [item for item in public if item["sport_type"] in types]
            totals = stats[f"all_{group}_totals"]
            assert totals["count"] == len(chosen)
            assert totals["distance"] == pytest.approx(sum(item["distance"] for item in chosen), abs=0.2)
            assert totals["moving_time"] == sum(item["moving_time"] for item in chosen)
            assert totals["elapsed_time"] == sum(item["elapsed_time"] for item in chosen)
            assert totals["elevation_gain"] == pytest.approx(
                sum(item["total_elevation_gain"] for item in chosen), abs=0.2
            )
            year = str(datetime.now(timezone.utc).year)
            assert stats[f"ytd_{group}_totals"]["count"] == sum(
                1 for item in chosen if item["start_date"][:4] == year
            )
            recent = [item for item in chosen if _epoch(item["start_date"]) >= time.time() - 28 * 86400]
            assert stats[f"recent_{group}_totals"]["count"] == len(recent)
            assert stats[f"recent_{group}_totals"]["moving_time"] == sum(
                item["moving_time"] for item in recent
            )
        assert stats["all_run_totals"]["count"] + stats["all_ride_totals"]["count"] > 0


async def test_ground_truth_lists_every_activity_including_hidden_ones(session, start_strava_emulator):
    emu = start_strava_emulator("--athletes", "2", "--activities", "250", "--history-days", "3650")
    token = (await connect(session, emu))["access_token"]
    athlete_id = emu.athletes()[0]["id"]
    truth = emu.ground_truth(athlete_id)
    assert len(truth) == 250
    assert [a["start_date"] for a in truth] == sorted((a["start_date"] for a in truth), reverse=True)
    assert {a["visibility"] for a in truth} == {"everyone", "followers_only", "only_me"}
    assert truth[-1]["start_date"] < "2019"  # spread over ten years
    listed = await all_activities(session, emu, token)
    assert [a["id"] for a in listed] == [a["id"] for a in truth]  # the same shape and order as the API
    assert listed[0] == truth[0]
    other = emu.athletes()[1]["id"]
    assert {a["id"] for a in emu.ground_truth(other)}.isdisjoint(a["id"] for a in truth)
    with pytest.raises(AssertionError, match="404"):
        emu.ground_truth(1)


async def test_after_pages_come_in_the_order_configured(session, start_strava_emulator):
    """Strava does not document the order of an ``after=`` page: the emulator can send either."""
    emu = start_strava_emulator("--athletes", "1", "--activities", "40", "--after-order", "oldest_first")
    token = (await connect(session, emu))["access_token"]
    _, body, _ = await api_get(session, emu, "/athlete/activities", token, after=0, per_page=10)
    starts = [item["start_date"] for item in body]
    assert starts == sorted(starts) and len(starts) == 10
    _, both, _ = await api_get(
        session, emu, "/athlete/activities", token, after=0, before=10**10, per_page=10
    )
    assert [item["start_date"] for item in both] == sorted(
        (item["start_date"] for item in both), reverse=True
    )
    emu.configure(after_order="newest_first")
    _, newest, _ = await api_get(session, emu, "/athlete/activities", token, after=0, per_page=10)
    assert [item["start_date"] for item in newest] == sorted((i["start_date"] for i in newest), reverse=True)
