"""The widget's light document: the snapshot's shape where they overlap, the newest activity of each
sport type, and the history's totals per sport type."""

from __future__ import annotations

import gzip
import json

from card.periods import history_totals
from card.route import latest_with_route
from card.widget_document import widget_document
from tests.card.documents import snapshot, with_history
from tests.card.test_route import loop


def test_newest_of_each_sport_type_and_the_history_totals():
    document = with_history()
    light = widget_document(document)
    assert [item["name"] for item in light["recent_activities"]] == [
        "Evening Ride",
        "Evening Walk",
        "Morning Run",
    ]
    assert set(light["recent_activities"][0]) == {
        "id", "name", "sport_type", "start_date", "start_date_local", "distance_m", "moving_time_s",
    }  # fmt: skip
    assert light["stats"]["totals"] == document["stats"]["totals"]
    assert "history" not in light and "goals" not in light
    totals = light["history_totals"]
    daily = document["history"]["daily"]
    walks_28 = [c for c in daily[-28:] if "Walk" in c["sports"]]
    assert totals["recent"]["Walk"]["count"] == len(walks_28) == 5
    walks_2026 = document["history"]["by_year"][1]["sports"]["Walk"]
    assert totals["ytd"] == {"Walk": {k: v for k, v in walks_2026.items() if k != "elevation_gain_m"}}
    assert totals["all"]["Hike"] == {"count": 52, "distance_m": 520_000.0, "moving_time_s": 374_400}
    assert len(gzip.compress(json.dumps(light).encode())) < 3 * 1024


def test_without_history_or_with_nulls():
    assert history_totals(snapshot()) == {}
    light = widget_document({"athlete": None, "recent_activities": [None, 5]})
    assert light["history_totals"] == {} and light["recent_activities"] == []
    assert light["athlete"] == dict.fromkeys(light["athlete"])


def test_with_maps_the_newest_route_of_each_sport_type_and_what_the_card_draws():
    document = snapshot()
    ride, run = document["recent_activities"]
    older_ride = {**ride, "id": 3, "name": "Older Ride", "route": loop(47.0, 8.0)}
    older_run = {**run, "id": 4, "name": "Older Run", "route": loop(47.1, 8.1)}
    oldest_run = {**run, "id": 5, "name": "Oldest Run", "route": loop(47.2, 8.2)}
    document["recent_activities"] = [ride, run, older_ride, older_run, oldest_run]
    light = widget_document(document)
    assert [item["name"] for item in light["recent_activities"]] == [
        "Evening Ride",
        "Morning Run",
        "Older Ride",
        "Older Run",
    ]  # the newest of each sport type, then the newest of each with a route; no other
    assert "route" not in light["recent_activities"][0] and light["recent_activities"][2]["route"]
    for sports in (None, ("ride",), ("run",), ("Run", "walk"), ("swim",)):
        card = latest_with_route(document["recent_activities"], sports)
        widget = latest_with_route(light["recent_activities"], sports)
        assert (card and card["id"]) == (widget and widget["id"]), sports
    assert all("route" not in item for item in widget_document(with_history())["recent_activities"])
