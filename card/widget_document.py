"""The widget's light document (``/api/widget.json``): what ``<strava-stats>`` shows, nothing more.

Same shape as the snapshot where it overlaps (``athlete``, ``stats.totals``, ``recent_activities``), so
the widget reads either; ``recent_activities`` keeps the newest activity of each sport type (newest
first), enough for the latest of any ``sports=`` filter; ``history_totals`` gives every sport type's
``recent``/``ytd``/``all`` from the history, for families Strava's totals lack. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from card.fields import mapping, sequence
from card.periods import history_totals

ATHLETE_FIELDS = ("id", "username", "firstname", "lastname", "city", "country", "measurement_preference")
ACTIVITY_FIELDS = (
    "id", "name", "sport_type", "start_date", "start_date_local", "distance_m", "moving_time_s",
)  # fmt: skip


def widget_document(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    athlete = mapping(snapshot.get("athlete"))
    latest: dict[str, dict[str, Any]] = {}
    for item in sequence(snapshot.get("recent_activities")):
        activity = mapping(item)
        sport = str(activity.get("sport_type"))
        if activity and sport not in latest:
            latest[sport] = {field: activity.get(field) for field in ACTIVITY_FIELDS}
    return {
        "schema_version": snapshot.get("schema_version"),
        "generated_at": snapshot.get("generated_at"),
        "athlete": {field: athlete.get(field) for field in ATHLETE_FIELDS},
        "stats": {"totals": mapping(mapping(snapshot.get("stats")).get("totals"))},
        "history_totals": history_totals(snapshot),
        "recent_activities": list(latest.values()),
        "attribution": snapshot.get("attribution"),
    }
