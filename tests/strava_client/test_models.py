"""Model parsing: lenient where Strava is loose, strict for ids, times and tokens."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from strava.errors import BadResponseError
from strava.models import ActivityTotals, Athlete, AthleteStats, SummaryActivity, TokenGrant, TokenSet
from tests.strava_client.samples import activity_json, athlete_json, stats_json, token_json, totals_json


class TestSummaryActivity:
    def test_parses_a_recorded_shape(self) -> None:
        activity = SummaryActivity.from_json(activity_json())
        assert activity.id == 16181809559
        assert activity.sport_type == "MountainBikeRide"
        assert activity.start_date == datetime(2025, 10, 18, 12, 49, 52, tzinfo=timezone.utc)
        assert activity.start_date_local == datetime(2025, 10, 18, 8, 49, 52)
        assert activity.start_date_local.tzinfo is None
        assert activity.elapsed_time == 4710
        assert isinstance(activity.elapsed_time, int)
        assert activity.utc_offset == -14400.0
        assert activity.max_heartrate == 178.0
        assert activity.start_latlng == (40.71, -74.0)
        assert activity.summary_polyline == "ki{eFvqfiVqAWQIGEEKAYJgBVqDJ{BHa@"

    def test_unknown_fields_are_ignored(self) -> None:
        known = activity_json()
        del known["some_future_field"]
        extended = activity_json(segment_efforts=[{"id": 1}], photos={"count": 2}, workout_type=10)
        assert SummaryActivity.from_json(extended) == SummaryActivity.from_json(known)

    def test_whole_seconds_sent_as_floats_become_ints(self) -> None:
        activity = SummaryActivity.from_json(activity_json(moving_time=474287.0, kudos_count=3.0))
        assert (activity.moving_time, activity.kudos_count) == (474287, 3)
        assert isinstance(activity.moving_time, int)
        assert isinstance(activity.kudos_count, int)

    def test_sport_type_falls_back_to_type(self) -> None:
        data = activity_json(type="Run")
        del data["sport_type"]
        assert SummaryActivity.from_json(data).sport_type == "Run"

    def test_absent_visibility_is_unknown_unless_the_private_flag_says_only_me(self) -> None:
        private = activity_json(private=True)
        del private["visibility"]
        unstated = activity_json()
        del unstated["visibility"], unstated["private"]
        assert SummaryActivity.from_json(private).visibility == "only_me"
        assert SummaryActivity.from_json(unstated).visibility is None
        assert SummaryActivity.from_json(activity_json(visibility=None)).visibility is None

    def test_max_heartrate_is_a_float_as_strava_types_it(self) -> None:
        assert SummaryActivity.from_json(activity_json(max_heartrate=171.5)).max_heartrate == 171.5
        assert SummaryActivity.from_json(activity_json(max_heartrate=171)).max_heartrate == 171.0

    def test_empty_latlng_and_missing_optionals(self) -> None:
        data = activity_json(start_latlng=[], end_latlng=None, map={"id": "a1", "summary_polyline": None})
        for key in (
            "average_heartrate",
            "max_heartrate",
            "pr_count",
            "gear_id",
            "device_name",
            "kudos_count",
        ):
            del data[key]
        activity = SummaryActivity.from_json(data)
        assert activity.start_latlng is None
        assert activity.end_latlng is None
        assert activity.summary_polyline is None
        assert activity.max_heartrate is None
        assert activity.pr_count is None
        assert activity.kudos_count == 0

    @pytest.mark.parametrize(
        ("field", "value", "expected"),
        [
            (
                "moving_time",
                12.5,
                "SummaryActivity.moving_time: expected a whole number, got fractional number",
            ),
            ("id", 16181809559.0, "SummaryActivity.id: expected an integer"),
            ("id", "16181809559", "SummaryActivity.id: expected an integer, got string"),
            ("start_date", "2025-10-18T12:49:52", "SummaryActivity.start_date: expected an ISO-8601"),
            ("start_date", "last tuesday", "SummaryActivity.start_date"),
            ("start_date_local", None, "SummaryActivity.start_date_local"),
            ("max_heartrate", "high", "SummaryActivity.max_heartrate: expected a number"),
            ("kudos_count", True, "SummaryActivity.kudos_count"),
            ("start_latlng", [1.0], "SummaryActivity.start_latlng"),
            ("start_latlng", ["a", 2.0], "SummaryActivity.start_latlng.lat"),
            ("distance", "far", "SummaryActivity.distance: expected a number, got string"),
        ],
    )
    def test_rejects_malformed_fields_naming_them(self, field: str, value: object, expected: str) -> None:
        with pytest.raises(BadResponseError, match=expected.replace(".", r"\.")):
            SummaryActivity.from_json(activity_json(**{field: value}))

    def test_missing_required_field(self) -> None:
        data = activity_json()
        del data["moving_time"]
        with pytest.raises(BadResponseError, match="moving_time: expected a whole number, got nothing"):
            SummaryActivity.from_json(data)

    def test_not_an_object(self) -> None:
        with pytest.raises(BadResponseError, match="SummaryActivity: expected an object, got array"):
            SummaryActivity.from_json([1, 2])


class TestAthlete:
    def test_parses_and_ignores_unknown_fields(self) -> None:
        athlete = Athlete.from_json(athlete_json())
        assert athlete.id == 134815
        assert athlete.friend_count == 5
        assert athlete.profile_url is not None
        assert athlete.profile_url.endswith("large.jpg")
        assert athlete.created_at == datetime(2017, 11, 14, 2, 30, 5, tzinfo=timezone.utc)

    def test_relative_avatar_paths_become_none(self) -> None:
        athlete = Athlete.from_json(
            athlete_json(profile="avatar/athlete/large.png", profile_medium="avatar/athlete/medium.png")
        )
        assert athlete.profile_url is None
        assert athlete.profile_medium_url is None

    def test_summary_athlete_with_few_fields(self) -> None:
        athlete = Athlete.from_json({"id": 7, "resource_state": 2, "sex": None})
        assert athlete == Athlete(id=7)

    def test_created_at_without_offset_is_refused(self) -> None:
        with pytest.raises(BadResponseError, match=r"Athlete\.created_at: expected an ISO-8601 UTC"):
            Athlete.from_json(athlete_json(created_at="2017-11-14T02:30:05"))

    def test_timestamp_with_offset_is_normalised_to_utc(self) -> None:
        athlete = Athlete.from_json(athlete_json(created_at="2017-11-14T04:30:05+02:00"))
        assert athlete.created_at == datetime(2017, 11, 14, 2, 30, 5, tzinfo=timezone.utc)
        assert athlete.created_at is not None
        assert athlete.created_at.tzinfo is timezone.utc

    def test_rejects_fractional_counts(self) -> None:
        with pytest.raises(BadResponseError, match=r"Athlete\.follower_count"):
            Athlete.from_json(athlete_json(follower_count=2.5))


class TestStats:
    def test_parses_float_seconds_and_optional_achievements(self) -> None:
        stats = AthleteStats.from_json(stats_json())
        assert stats.all_run_totals.moving_time == 474287
        assert stats.recent_ride_totals.achievement_count == 2
        assert stats.ytd_swim_totals.achievement_count is None

    def test_biggest_fields_may_be_null_or_absent(self) -> None:
        data = stats_json(biggest_ride_distance=None)
        del data["biggest_climb_elevation_gain"]
        stats = AthleteStats.from_json(data)
        assert stats.biggest_ride_distance is None
        assert stats.biggest_climb_elevation_gain is None

    def test_non_finite_distance_is_refused(self) -> None:
        with pytest.raises(BadResponseError, match=r"AthleteStats\.biggest_ride_distance: expected a number"):
            AthleteStats.from_json(stats_json(biggest_ride_distance=float("nan")))

    def test_fractional_count_names_the_nested_field(self) -> None:
        with pytest.raises(BadResponseError, match=r"AthleteStats\.ytd_run_totals\.count"):
            AthleteStats.from_json(stats_json(ytd_run_totals=totals_json(count=2.5)))

    def test_absent_or_null_totals_are_zero(self) -> None:
        data = stats_json(ytd_swim_totals=None)
        del data["all_swim_totals"], data["recent_swim_totals"]
        stats = AthleteStats.from_json(data)
        zero = ActivityTotals(0, 0.0, 0, 0, 0.0)
        assert stats.all_swim_totals == stats.ytd_swim_totals == stats.recent_swim_totals == zero
        assert stats.all_run_totals.count == 3

    def test_totals_without_some_fields_count_them_as_zero(self) -> None:
        totals = ActivityTotals.from_json({"count": 2, "distance": 1200.0})
        assert (totals.moving_time, totals.elapsed_time, totals.elevation_gain) == (0, 0, 0.0)

    def test_totals_that_are_not_an_object_are_refused(self) -> None:
        with pytest.raises(BadResponseError, match=r"AthleteStats\.all_swim_totals: expected an object"):
            AthleteStats.from_json(stats_json(all_swim_totals=[1]))

    def test_totals_default_achievements(self) -> None:
        assert ActivityTotals.from_json(totals_json()).achievement_count is None


class TestTokens:
    def test_token_set_keeps_tokens_out_of_repr(self) -> None:
        tokens = TokenSet.from_json(token_json())
        assert tokens.access_token == "access-SAMPLE-xyz"
        assert tokens.refresh_token == "refresh-SAMPLE-abc"
        assert "SAMPLE" not in repr(tokens)
        assert "SAMPLE" not in str(tokens)

    def test_token_type_defaults_to_bearer(self) -> None:
        data = token_json()
        del data["token_type"]
        assert TokenSet.from_json(data).token_type == "Bearer"

    @pytest.mark.parametrize(
        ("field", "value"),
        [("access_token", ""), ("refresh_token", None), ("expires_at", "soon"), ("expires_at", 1.5)],
    )
    def test_token_set_is_strict(self, field: str, value: object) -> None:
        with pytest.raises(BadResponseError, match=f"TokenSet.{field}") as caught:
            TokenSet.from_json(token_json(**{field: value}))
        assert "SAMPLE" not in str(caught.value)

    def test_wrong_type_token_is_not_echoed(self) -> None:
        with pytest.raises(BadResponseError) as caught:
            TokenSet.from_json(token_json(access_token=["access-SAMPLE-xyz"]))
        assert "SAMPLE" not in str(caught.value)

    def test_exchange_response_becomes_a_grant(self) -> None:
        grant = TokenGrant.from_json(token_json(athlete=athlete_json(), expires_in=14282))
        assert grant.athlete is not None
        assert grant.athlete.id == 134815
        assert grant.tokens.expires_in == 14282
        assert grant.scopes == frozenset()
        assert "SAMPLE" not in repr(grant)

    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            ({"athlete": {"id": "134815"}}, r"Athlete\.id: expected an integer, got string"),
            ({"athlete": ["not", "an", "object"]}, r"Athlete: expected an object, got array"),
            ({"refresh_token": ""}, r"TokenSet\.refresh_token: expected a non-empty string"),
        ],
    )
    def test_malformed_grant_names_the_field(self, changes: dict[str, object], expected: str) -> None:
        with pytest.raises(BadResponseError, match=expected) as caught:
            TokenGrant.from_json(token_json(**changes))
        assert "SAMPLE" not in str(caught.value)

    def test_grant_without_athlete(self) -> None:
        assert TokenGrant.from_json(token_json()).athlete is None


class TestActivityPage:
    def test_one_unreadable_activity_keeps_the_others_and_is_logged_by_id_only(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        from strava.client import ActivityPage

        bad = activity_json(id=777, moving_time="SECRET-ISH CONTENT", name="Private name")
        page = ActivityPage.from_json([activity_json(id=1), bad, activity_json(id=3)])
        assert [a.id for a in page.activities] == [1, 3]
        assert page.size == 3
        logged = caplog.text
        assert "777" in logged and "moving_time" in logged
        assert "SECRET-ISH" not in logged and "Private name" not in logged

    def test_oldest_start_includes_unreadable_items(self) -> None:
        from strava.client import ActivityPage

        older = activity_json(id=2, start_date="2025-01-01T00:00:00Z", distance="far")
        page = ActivityPage.from_json([activity_json(id=1), older])
        assert page.oldest_start == int(datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp())
        assert ActivityPage.from_json([]).oldest_start is None

    def test_a_page_of_items_without_any_start_is_refused(self) -> None:
        from strava.client import ActivityPage

        with pytest.raises(BadResponseError, match="start_date"):
            ActivityPage.from_json([{"id": 1}, "junk"])
