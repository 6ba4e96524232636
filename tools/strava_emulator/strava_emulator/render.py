"""JSON shapes of athletes and activities, copied from real Strava responses."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from strava_emulator.model import Activity, Athlete, Gear

NO_PHOTO = {"profile": "avatar/athlete/large.png", "profile_medium": "avatar/athlete/medium.png"}


def iso(epoch: float) -> str:
    """``2025-10-18T12:49:52Z``."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def photo_urls(athlete: Athlete, origin: str) -> dict[str, str]:
    """Photo URLs served by the emulator itself, or Strava's relative placeholders."""
    if not athlete.has_photo:
        return dict(NO_PHOTO)
    base = f"{origin}/pictures/athletes/{athlete.id}"
    return {"profile": f"{base}/large.png", "profile_medium": f"{base}/medium.png"}


def summary_athlete(athlete: Athlete, origin: str) -> dict[str, Any]:
    """SummaryAthlete (``resource_state`` 2), as in the token exchange."""
    place = athlete.place
    return {
        "id": athlete.id,
        "username": athlete.username or None,
        "resource_state": 2,
        "firstname": athlete.firstname,
        "lastname": athlete.lastname,
        "bio": None,
        "city": place.city,
        "state": place.state,
        "country": place.country,
        "sex": athlete.sex,
        "premium": athlete.premium,
        "summit": athlete.premium,
        "created_at": iso(athlete.created_at),
        "updated_at": iso(athlete.created_at + 86400 * 30),
        "badge_type_id": 1 if athlete.premium else 0,
        "weight": athlete.weight,
        **photo_urls(athlete, origin),
        "friend": None,
        "follower": None,
    }


def detailed_athlete(athlete: Athlete, origin: str) -> dict[str, Any]:
    """DetailedAthlete (``resource_state`` 3), as ``GET /athlete`` with ``profile:read_all``."""
    return {
        **summary_athlete(athlete, origin),
        "resource_state": 3,
        "follower_count": athlete.follower_count,
        "friend_count": athlete.friend_count,
        "measurement_preference": athlete.measurement_preference,
        "date_preference": "%m/%d/%Y",
        "athlete_type": athlete.athlete_type,
        "ftp": athlete.ftp,
        "clubs": [],
        "bikes": [_gear(athlete, item) for item in athlete.bikes],
        "shoes": [_gear(athlete, item) for item in athlete.shoes],
    }


def _gear(athlete: Athlete, gear: Gear) -> dict[str, Any]:
    distance = round(sum(item.distance for item in athlete.activities if item.gear_id == gear.id), 1)
    return {
        "id": gear.id,
        "primary": gear.primary,
        "name": gear.name,
        "nickname": None,
        "resource_state": 2,
        "retired": False,
        "distance": distance,
        "converted_distance": round(distance / 1000, 1),
    }


def summary_activity(activity: Activity) -> dict[str, Any]:
    """SummaryActivity (``resource_state`` 2) in its real 2025 shape."""
    speed = activity.distance / activity.moving_time if activity.moving_time else 0.0
    heart = activity.heart_rate
    body: dict[str, Any] = {
        "resource_state": 2,
        "athlete": {"id": activity.athlete_id, "resource_state": 1},
        "name": activity.name,
        "distance": activity.distance,
        "moving_time": activity.moving_time,
        "elapsed_time": activity.elapsed_time,
        "total_elevation_gain": activity.elevation_gain,
        "type": activity.sport_type,
        "sport_type": activity.sport_type,
        "workout_type": None,
        "device_name": "Zwift" if activity.trainer else "Garmin Forerunner 265",
        "id": activity.id,
        "start_date": iso(activity.start),
        "start_date_local": iso(activity.start + activity.utc_offset),
        "timezone": activity.timezone,
        "utc_offset": float(activity.utc_offset),
        "location_city": None,
        "location_state": None,
        "location_country": None,
        "achievement_count": activity.achievement_count,
        "kudos_count": activity.kudos_count,
        "comment_count": 0,
        "athlete_count": 1,
        "photo_count": 0,
        "map": {"id": f"a{activity.id}", "summary_polyline": activity.summary_polyline, "resource_state": 2},
        "trainer": activity.trainer,
        "commute": activity.commute,
        "manual": False,
        "private": activity.visibility == "only_me",
        "visibility": activity.visibility,
        "flagged": False,
        "gear_id": activity.gear_id,
        "start_latlng": list(activity.start_latlng) if activity.start_latlng else [],
        "end_latlng": list(activity.end_latlng) if activity.end_latlng else [],
        "average_speed": round(speed, 3),
        "max_speed": round(speed * 1.6, 3),
        "has_heartrate": heart is not None,
        "heartrate_opt_out": False,
        "display_hide_heartrate_option": heart is not None,
        "upload_id": activity.id + 1_000_000_000,
        "upload_id_str": str(activity.id + 1_000_000_000),
        "external_id": f"garmin_ping_{activity.id}",
        "from_accepted_tag": False,
        "pr_count": activity.pr_count,
        "total_photo_count": 0,
        "has_kudoed": False,
    }
    if heart is not None:
        body.update(
            average_heartrate=heart[0], max_heartrate=float(heart[1]), suffer_score=float(heart[1] // 4)
        )
    if activity.watts is not None:
        average, peak, weighted = activity.watts
        body.update(
            average_watts=float(average),
            max_watts=peak,
            weighted_average_watts=weighted,
            kilojoules=round(average * activity.moving_time / 1000, 1),
            device_watts=True,
        )
    return body


def detailed_activity(activity: Activity) -> dict[str, Any]:
    """DetailedActivity (``resource_state`` 3): the summary plus a few detail-only fields."""
    body = summary_activity(activity)
    body["resource_state"] = 3
    body["map"] = {**body["map"], "polyline": activity.summary_polyline, "resource_state": 3}
    body.update(
        description=None,
        calories=round(activity.moving_time / 60 * 9.5, 1),
        embed_token=f"{activity.id:x}",
        gear=None,
        photos={"primary": None, "count": 0},
        laps=[],
        splits_metric=[],
        splits_standard=[],
        segment_efforts=[],
        best_efforts=[],
    )
    return body
