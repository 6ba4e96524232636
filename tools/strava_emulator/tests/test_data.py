"""Synthetic data, stats and small pure pieces (unit tests)."""

from __future__ import annotations

import dataclasses
import itertools
import math
from datetime import datetime, timezone

import pytest
from strava_emulator.config import EmulatorConfig, apply_changes
from strava_emulator.data import generate_athletes, home
from strava_emulator.oauth import granted_scopes, redirect_allowed
from strava_emulator.polyline import decode_polyline, encode_polyline
from strava_emulator.stats import athlete_stats

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc).timestamp()


def test_same_seed_same_data_other_seed_other_data():
    first = generate_athletes(5, 2, 50, NOW)
    again = generate_athletes(5, 2, 50, NOW + 3600)  # same UTC day
    other = generate_athletes(6, 2, 50, NOW)
    assert [dataclasses.asdict(item) for item in first] == [dataclasses.asdict(item) for item in again]
    assert [item.id for item in first] != [item.id for item in other]


def test_history_spans_three_years_with_a_visibility_mix():
    (athlete,) = generate_athletes(1, 1, 400, NOW)
    starts = [item.start for item in athlete.activities]
    assert starts == sorted(starts)
    assert starts[0] >= NOW - 3 * 365 * 86400 - 86400
    assert starts[-1] < NOW
    assert (starts[-1] - starts[0]) > 2.5 * 365 * 86400
    visibilities = [item.visibility for item in athlete.activities]
    assert visibilities.count("everyone") > 0.7 * len(visibilities)
    assert {"followers_only", "only_me"} <= set(visibilities)
    assert len({item.id for item in athlete.activities}) == 400


def test_stats_count_only_everyone_and_split_periods():
    (athlete,) = generate_athletes(3, 1, 300, NOW)
    stats = athlete_stats(athlete.activities, NOW)
    public_runs = [
        a for a in athlete.activities if a.visibility == "everyone" and a.sport_type in ("Run", "TrailRun")
    ]
    assert stats["all_run_totals"]["count"] == len(public_runs)
    year_start = datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp()
    assert stats["ytd_run_totals"]["count"] == sum(1 for a in public_runs if a.start >= year_start)
    assert stats["recent_run_totals"]["count"] == sum(1 for a in public_runs if a.start >= NOW - 28 * 86400)
    assert stats["all_run_totals"]["moving_time"] == float(sum(a.moving_time for a in public_runs))
    hidden = [dataclasses.replace(a, visibility="only_me") for a in athlete.activities]
    assert athlete_stats(hidden, NOW)["all_run_totals"]["count"] == 0


def test_polyline_round_trip_and_known_value():
    points = [(38.5, -120.2), (40.7, -120.95), (43.252, -126.453)]
    assert encode_polyline(points) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"
    assert decode_polyline(encode_polyline(points)) == points


def test_redirect_and_scope_rules():
    domains = ("localhost", "127.0.0.1", "example.org")
    assert redirect_allowed("http://localhost:7071/api/cb", domains)
    assert redirect_allowed("https://www.example.org/cb", domains)
    assert not redirect_allowed("https://example.org.evil.com/cb", domains)
    assert not redirect_allowed("javascript:alert(1)", domains)
    assert granted_scopes(["activity:read_all"], None) == ["read", "activity:read_all"]
    assert granted_scopes(["activity:read_all", "profile:read_all"], frozenset({"profile:read_all"})) == [
        "read",
        "profile:read_all",
    ]


def test_config_changes_are_validated_all_or_nothing():
    config = EmulatorConfig()
    assert apply_changes(config, {"token_ttl": 60, "error_rates": ["*=503:0.5"]}) == [
        "error_rates",
        "token_ttl",
    ]
    assert config.refresh_margin() == 10
    with pytest.raises(ValueError, match="hang_rate"):
        apply_changes(config, {"deny": True, "hang_rate": 2})
    assert config.deny is False
    with pytest.raises(ValueError, match="client_secret"):
        apply_changes(config, {"client_secret": "x"})
    with pytest.raises(ValueError, match="error_rates"):
        apply_changes(config, {"error_rates": ["*=418:0.5"]})
    assert "client_secret" not in config.public_view()


def test_config_repr_hides_the_client_secret():
    assert "hush-hush" not in repr(EmulatorConfig(client_secret="hush-hush"))


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat = math.radians((a[0] + b[0]) / 2)
    return math.hypot(a[0] - b[0], (a[1] - b[1]) * math.cos(lat)) * 111_195


def test_outdoor_tracks_loop_from_home_or_go_point_to_point():
    (athlete,) = generate_athletes(3, 1, 200, NOW)
    tracks = [decode_polyline(item.summary_polyline) for item in athlete.activities if item.summary_polyline]
    loops = [track for track in tracks if _metres(track[0], track[-1]) < 5]
    lines = [track for track in tracks if _metres(track[0], track[-1]) > 1000]
    assert len(loops) > len(tracks) / 3 and len(lines) > len(tracks) / 5
    assert all(_metres(track[0], home(athlete)) < 2 for track in loops)  # the same door every time
    assert all(len(track) > 60 for track in tracks)
    for item in athlete.activities:  # the track is about as long as the activity
        if item.summary_polyline and item.distance > 2000:
            track = decode_polyline(item.summary_polyline)
            length = sum(_metres(a, b) for a, b in itertools.pairwise(track))
            assert 0.7 * item.distance < length < 1.6 * item.distance
