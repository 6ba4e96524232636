"""The widget's light document: the snapshot's shape where they overlap, the newest activity of each
sport type, and the history's totals per sport type."""

from __future__ import annotations

import gzip
import json

from card.periods import history_totals
from card.widget_document import widget_document
from tests.card.documents import snapshot, with_history


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
