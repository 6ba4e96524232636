"""What of an athlete's Strava data may appear in the public snapshot.

With ``activity:read_all`` Strava hands the owner private activities, exact start points and map
polylines. The public snapshot keeps only activities whose visibility is known and published
(``everyone`` by default); privacy fails closed: an activity whose visibility Strava did not state is
never published. It never carries Strava's coordinates or polylines: with maps on
(``SNAPSHOT_MAPS=outline``) an activity gets a ``route`` trimmed around its start, its end and the
privacy zones (``maps.public_route``), and nothing else of where it was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from maps import MapPolicy, RouteRejectedError, public_route
from strava.models import ActivityTotals, Athlete, AthleteStats, SummaryActivity
from timestamps import format_utc

SPORT_GROUPS = ("ride", "run", "swim")
PERIODS = ("recent", "ytd", "all")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrivacyPolicy:
    """Which visibilities are published, and how routes are (``None``: no map data at all)."""

    published_visibilities: frozenset[str] = frozenset({"everyone"})
    maps: MapPolicy | None = None

    def publishes(self, activity: SummaryActivity) -> bool:
        if activity.visibility is None:  # unknown: fail closed
            return False
        return activity.visibility in self.published_visibilities and not (
            activity.private and "only_me" not in self.published_visibilities
        )


def public_athlete(athlete: Athlete) -> dict[str, Any]:
    """The athlete's public profile: names, place, avatar; nothing else."""
    return {
        "id": athlete.id,
        "username": athlete.username,
        "firstname": athlete.firstname,
        "lastname": athlete.lastname,
        "city": athlete.city,
        "state": athlete.state,
        "country": athlete.country,
        "profile_url": athlete.profile_url,
        "profile_medium_url": athlete.profile_medium_url,
        "measurement_preference": athlete.measurement_preference,
    }


def public_activity(activity: SummaryActivity, policy: PrivacyPolicy) -> dict[str, Any] | None:
    """The published form of one activity, or ``None`` if the policy keeps it private."""
    if not policy.publishes(activity):
        return None
    item: dict[str, Any] = {
        "id": activity.id,
        "name": activity.name,
        "sport_type": activity.sport_type,
        "start_date": format_utc(activity.start_date),
        "start_date_local": activity.start_date_local.replace(microsecond=0).isoformat(),
        "timezone": activity.timezone,
        "distance_m": activity.distance,
        "moving_time_s": activity.moving_time,
        "elapsed_time_s": activity.elapsed_time,
        "elevation_gain_m": activity.total_elevation_gain,
        "average_speed_mps": activity.average_speed,
        "max_speed_mps": activity.max_speed,
        "average_heartrate_bpm": activity.average_heartrate,
        "average_watts": activity.average_watts,
        "kudos_count": activity.kudos_count,
        "achievement_count": activity.achievement_count,
        "trainer": activity.trainer,
        "commute": activity.commute,
        "visibility": activity.visibility,
        "url": f"https://www.strava.com/activities/{activity.id}",
    }
    if policy.maps is not None:
        route = _route(activity, policy.maps)
        if route:
            item["route"] = route
    return item


def _route(activity: SummaryActivity, maps: MapPolicy) -> list[str] | None:
    """The activity's trimmed route; a hostile polyline is skipped and logged by id, never content."""
    try:
        return public_route(activity.summary_polyline, maps, activity.start_latlng, activity.end_latlng)
    except RouteRejectedError as error:
        log.warning("activity %s: route not published (%s)", activity.id, error)
        return None


def public_totals(totals: ActivityTotals) -> dict[str, Any]:
    return {
        "count": totals.count,
        "distance_m": totals.distance,
        "moving_time_s": totals.moving_time,
        "elapsed_time_s": totals.elapsed_time,
        "elevation_gain_m": totals.elevation_gain,
    }


def public_stats(stats: AthleteStats) -> dict[str, Any]:
    """Totals by period and sport, as Strava computes them (only Everyone-visible activities count)."""
    totals = {
        period: {sport: public_totals(getattr(stats, f"{period}_{sport}_totals")) for sport in SPORT_GROUPS}
        for period in PERIODS
    }
    return {
        "totals": totals,
        "biggest_ride_distance_m": stats.biggest_ride_distance,
        "biggest_climb_elevation_gain_m": stats.biggest_climb_elevation_gain,
    }
