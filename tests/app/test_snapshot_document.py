"""The public snapshot: privacy filter and assembly (pure)."""

from datetime import datetime, timezone

from maps import MapPolicy, map_key
from snapshot import PrivacyPolicy, assemble_snapshot, public_activity, public_athlete
from strava.models import Athlete, SummaryActivity

KEY = map_key("test-secret")


def activity(visibility="everyone", private=False, **changes):
    fields = {
        "id": 16181809559,
        "name": "Morning run",
        "sport_type": "Run",
        "start_date": datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc),
        "start_date_local": datetime(2026, 11, 20, 8, 0),
        "distance": 10012.5,
        "moving_time": 3000,
        "elapsed_time": 3100,
        "visibility": visibility,
        "private": private,
        "start_latlng": (47.37, 8.54),
        "end_latlng": (47.38, 8.55),
        "summary_polyline": "a~l~Fjk~uOwHJy@P",
    }
    return SummaryActivity(**{**fields, **changes})


def test_default_policy_publishes_only_everyone_visibility():
    policy = PrivacyPolicy()
    assert public_activity(activity("everyone"), policy) is not None
    assert public_activity(activity("followers_only"), policy) is None
    assert public_activity(activity("only_me", private=True), policy) is None


def test_an_activity_of_unknown_visibility_is_never_published():
    every = frozenset({"everyone", "followers_only", "only_me"})
    for policy in (PrivacyPolicy(), PrivacyPolicy(every)):
        assert public_activity(activity(None), policy) is None


def test_a_payload_without_visibility_is_not_published():
    """Old and partial payloads (Strava's swagger examples) carry no ``visibility``: fail closed."""
    from tests.strava_client.samples import activity_json

    unstated = activity_json()
    del unstated["visibility"], unstated["private"]
    assert public_activity(SummaryActivity.from_json(unstated), PrivacyPolicy()) is None


def test_private_flag_wins_over_a_published_visibility_unless_only_me_is_published():
    odd = activity("everyone", private=True)
    assert public_activity(odd, PrivacyPolicy(frozenset({"everyone"}))) is None
    assert public_activity(odd, PrivacyPolicy(frozenset({"everyone", "only_me"}))) is not None


def test_strava_locations_and_polylines_are_never_published():
    for policy in (PrivacyPolicy(), PrivacyPolicy(maps=MapPolicy(key=KEY))):
        item = public_activity(activity(), policy)
        assert item is not None
        assert {"start_latlng", "end_latlng", "summary_polyline", "map"}.isdisjoint(item)
        assert "47.37" not in str(item) and "a~l~F" not in str(item)
        assert "route" not in item  # three points, all within 500 m of the start: nothing left to publish


def test_activity_fields_carry_units_and_utc_times():
    item = public_activity(activity(), PrivacyPolicy())
    assert item is not None
    assert item["start_date"] == "2026-11-20T07:00:00Z"
    assert item["start_date_local"] == "2026-11-20T08:00:00"
    assert item["distance_m"] == 10012.5
    assert item["moving_time_s"] == 3000
    assert item["url"] == "https://www.strava.com/activities/16181809559"


def test_athlete_profile_has_no_private_fields():
    athlete = Athlete(id=1, firstname="Ada", sex="F", follower_count=3)
    profile = public_athlete(athlete)
    assert profile["firstname"] == "Ada"
    assert "sex" not in profile
    assert "follower_count" not in profile


def test_assembly_orders_newest_first_and_carries_schema_and_attribution():
    older = {"id": 1, "start_date": "2026-01-01T00:00:00Z"}
    newer = {"id": 2, "start_date": "2026-02-01T00:00:00Z"}
    document = assemble_snapshot(
        {"id": 9}, {"totals": {}}, [older, newer], datetime(2026, 3, 1, tzinfo=timezone.utc)
    )
    assert document["schema_version"] == 1
    assert document["generated_at"] == "2026-03-01T00:00:00Z"
    assert [a["id"] for a in document["recent_activities"]] == [2, 1]
    assert document["attribution"]["text"] == "Powered by Strava"
