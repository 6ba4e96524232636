"""Response bodies shaped like recorded Strava responses (synthetic values)."""

from __future__ import annotations

from typing import Any


def activity_json(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resource_state": 2,
        "athlete": {"id": 134815, "resource_state": 1},
        "name": "Morning Ride",
        "distance": 24931.4,
        "moving_time": 4500,
        "elapsed_time": 4710.0,
        "total_elevation_gain": 305.0,
        "type": "Ride",
        "sport_type": "MountainBikeRide",
        "workout_type": None,
        "id": 16181809559,
        "start_date": "2025-10-18T12:49:52Z",
        "start_date_local": "2025-10-18T08:49:52Z",
        "timezone": "(GMT-05:00) America/New_York",
        "utc_offset": -14400.0,
        "location_city": None,
        "achievement_count": 3,
        "kudos_count": 7,
        "comment_count": 0,
        "map": {
            "id": "a16181809559",
            "summary_polyline": "ki{eFvqfiVqAWQIGEEKAYJgBVqDJ{BHa@",
            "resource_state": 2,
        },
        "trainer": False,
        "commute": False,
        "manual": False,
        "private": False,
        "visibility": "everyone",
        "flagged": False,
        "gear_id": "b12345678",
        "start_latlng": [40.71, -74.0],
        "end_latlng": [40.72, -74.01],
        "average_speed": 5.54,
        "max_speed": 13.2,
        "has_heartrate": True,
        "average_heartrate": 141.3,
        "max_heartrate": 178.0,
        "pr_count": 1,
        "suffer_score": 54.0,
        "average_watts": 180.5,
        "kilojoules": 812.3,
        "device_name": "Garmin Edge 540",
        "some_future_field": {"anything": [1, 2]},
    }
    data.update(changes)
    return data


def athlete_json(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": 134815,
        "username": "marianne_t",
        "resource_state": 3,
        "firstname": "Marianne",
        "lastname": "T.",
        "bio": "",
        "city": "San Francisco",
        "state": "California",
        "country": "United States",
        "sex": "F",
        "premium": True,
        "summit": True,
        "created_at": "2017-11-14T02:30:05Z",
        "updated_at": "2025-10-18T12:49:52Z",
        "badge_type_id": 1,
        "profile_medium": "https://dgalywyr863hv.cloudfront.net/pictures/athletes/134815/medium.jpg",
        "profile": "https://dgalywyr863hv.cloudfront.net/pictures/athletes/134815/large.jpg",
        "follower_count": 5,
        "friend_count": 5.0,
        "measurement_preference": "meters",
        "athlete_type": 1,
        "clubs": [],
        "bikes": [{"id": "b12345678", "primary": True, "name": "EMC", "distance": 0}],
        "shoes": [],
    }
    data.update(changes)
    return data


def totals_json(count: float = 3, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "count": count,
        "distance": 72113.2,
        "moving_time": 474287.0,
        "elapsed_time": 480001,
        "elevation_gain": 1200.5,
    }
    data.update(changes)
    return data


def stats_json(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"biggest_ride_distance": 175454.0, "biggest_climb_elevation_gain": 1882.6}
    for period in ("recent", "ytd", "all"):
        for sport in ("ride", "run", "swim"):
            extra = {"achievement_count": 2} if period == "recent" else {}
            data[f"{period}_{sport}_totals"] = totals_json(**extra)
    data.update(changes)
    return data


def token_json(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "token_type": "Bearer",
        "expires_at": 1542940199,
        "expires_in": 21600,
        "refresh_token": "refresh-SAMPLE-abc",
        "access_token": "access-SAMPLE-xyz",
    }
    data.update(changes)
    return data
