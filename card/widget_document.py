"""The widget's light document (``/api/widget.json``): what ``<strava-stats>`` shows, nothing more.

Same shape as the snapshot where it overlaps (``athlete``, ``stats.totals``, ``recent_activities``), so
the widget reads either; ``recent_activities`` keeps the newest activity of each sport type and, with
maps on, the newest of each with a ``route`` (newest first), enough for the latest and the map block
of any ``sports=`` filter; ``history_totals`` gives every sport type's ``recent``/``ytd``/``all`` from
the history, for families Strava's totals lack. Pure.
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
    kept: list[dict[str, Any]] = []
    newest: set[str] = set()
    routed: set[str] = set()  # sport types whose newest route is kept
    for item in sequence(snapshot.get("recent_activities")):
        activity = mapping(item)
        sport = str(activity.get("sport_type"))
        has_route = "route" in activity
        if not activity or (sport in newest and (not has_route or sport in routed)):
            continue
        entry = {field: activity.get(field) for field in ACTIVITY_FIELDS}
        if has_route:
            entry["route"] = activity["route"]
            routed.add(sport)
        newest.add(sport)
        kept.append(entry)
    return {
        "schema_version": snapshot.get("schema_version"),
        "generated_at": snapshot.get("generated_at"),
        "athlete": {field: athlete.get(field) for field in ATHLETE_FIELDS},
        "stats": {"totals": mapping(mapping(snapshot.get("stats")).get("totals"))},
        "history_totals": history_totals(snapshot),
        "recent_activities": kept,
        "attribution": snapshot.get("attribution"),
    }
