"""The maps module: the strict polyline codec, privacy trimming, simplification, projection (pure)."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strava_emulator.data import generate_athletes
from strava_emulator.polyline import encode_polyline as emulator_encode

from maps import (
    MapPolicy,
    PolylineError,
    RouteRejectedError,
    Zone,
    decode_polyline,
    encode_polyline,
    map_key,
    parse_zones,
    public_route,
    route_points,
)
from maps.geo import distance_m
from maps.projection import Box, fit, path_data
from maps.section import MAX_ROUTES, POSTER_POINTS, routes_section, without_routes
from maps.simplify import simplify
from maps.trim import MAX_POLYLINE_CHARS
from snapshot import PrivacyPolicy, public_activity
from strava.models import SummaryActivity

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc).timestamp()
KEY = map_key("test-secret")
GOOGLE = [(38.5, -120.2), (40.7, -120.95), (43.252, -126.453)]


def ring(center: tuple[float, float], radius_m: float, count: int = 200) -> list[tuple[float, float]]:
    """A closed loop through ``center``'s south point and back (a run from the door and home again)."""
    lat, lng = center
    r = radius_m / 111_195
    scale = math.cos(math.radians(lat))
    angles = [2 * math.pi * i / count for i in range(count + 1)]
    return [(lat - r * math.cos(a) + r, lng + r * math.sin(a) / scale) for a in angles]


def served_points(route: list[str] | None) -> list[tuple[float, float]]:
    return [point for part in route_points(route or []) for point in part]


def test_google_reference_polyline_round_trips():
    assert encode_polyline(GOOGLE) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"
    assert decode_polyline("_p~iF~ps|U_ulLnnqC_mqNvxq`@", 10) == GOOGLE
    assert decode_polyline("", 10) == []


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("_p~iF~ps|U_ulLnnqC_mqNvxq`", "truncated"),  # the last number is cut
        ("_p~iF~ps|U_ulLnnqC_mqN", "truncated"),  # a latitude without its longitude
        ("_p~iF ~ps|U", "alphabet"),
        ("_p~iF~ps|U<script>", "alphabet"),
        ("é_p~iF~ps|U", "alphabet"),
        ("~~~~~~~~~~~~~~~~~~~~?", "longer than any coordinate"),
        (encode_polyline([(89.9, 0.0)]) + encode_polyline([(1.0, 0.0)]), "outside the globe"),  # 90.9 N
        (encode_polyline([(0.0, 179.0)]) + encode_polyline([(0.0, 2.0)]), "outside the globe"),
    ],
)
def test_hostile_polylines_are_refused_without_quoting_them(text: str, why: str):
    with pytest.raises(PolylineError, match=why) as caught:
        decode_polyline(text, 1000)
    assert text not in str(caught.value)


def test_too_many_points_is_refused_before_all_are_decoded():
    with pytest.raises(PolylineError, match="more than 10 points"):
        decode_polyline("??" * 11, 10)


@pytest.mark.parametrize(
    "polyline",
    ["_p~iF~ps|U_ulLnnqC_mqNvxq`", "??" * (MAX_POLYLINE_CHARS // 2 + 1), "?" + "\x00" * 10, "??" * 30_000],
)
def test_public_route_rejects_undecodable_and_huge(polyline: str):
    with pytest.raises(RouteRejectedError) as caught:
        public_route(polyline, MapPolicy(key=KEY))
    assert polyline[:20] not in str(caught.value)


def test_no_polyline_or_one_spot_is_no_route():
    assert public_route(None, MapPolicy(key=KEY)) is None
    assert public_route("", MapPolicy(key=KEY)) is None
    assert public_route(encode_polyline([(47.0, 8.0)] * 50), MapPolicy(key=KEY)) is None


def test_a_loop_from_home_loses_its_start_and_end_and_keeps_the_rest():
    door = (47.3769, 8.5417)
    loop = ring(door, 2000)
    route = public_route(encode_polyline(loop), MapPolicy(key=KEY, radius_m=500))
    points = served_points(route)
    assert len(points) > 100
    assert min(distance_m(door, point) for point in points) > 500
    assert max(distance_m(door, point) for point in points) > 3500  # the far side of the loop is drawn


def test_a_route_passing_a_zone_midway_is_cut_there_so_no_line_crosses_it():
    door = (47.3769, 8.5417)
    passing = [*ring(door, 1500)[100:], *ring(door, 1500)[1:101]]  # from the far side, past the door, back
    route = public_route(
        encode_polyline(passing), MapPolicy(key=KEY, radius_m=300, zones=(Zone(*door, 300),))
    )
    assert route is not None and len(route) == 2  # cut where it passed the door
    assert min(distance_m(door, point) for point in served_points(route)) > 300


def test_privacy_zones_are_removed_too():
    door, office = (47.3769, 8.5417), (47.3950, 8.5417)
    loop = ring(door, 2000)
    route = public_route(encode_polyline(loop), MapPolicy(key=KEY, radius_m=200, zones=(Zone(*office, 400),)))
    points = served_points(route)
    assert points and min(distance_m(office, point) for point in points) > 400


def test_a_short_route_inside_the_radius_is_dropped():
    assert public_route(encode_polyline(ring((47.0, 8.0), 150)), MapPolicy(key=KEY, radius_m=500)) is None


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    radius=st.integers(100, 2000),
    zones=st.lists(
        st.tuples(st.floats(-0.05, 0.05), st.floats(-0.05, 0.05), st.integers(50, 3000)), max_size=3
    ),
)
def test_no_served_point_is_ever_inside_a_circle_on_the_emulators_routes(seed, radius, zones):
    (athlete,) = generate_athletes(seed, 1, 12, NOW)
    lat, lng = athlete.place.lat, athlete.place.lng
    policy = MapPolicy(key=KEY, radius_m=radius, zones=tuple(Zone(lat + a, lng + b, r) for a, b, r in zones))
    for activity in athlete.activities:
        start, end = activity.start_latlng, activity.end_latlng
        if not activity.summary_polyline or start is None or end is None:
            continue
        route = public_route(activity.summary_polyline, policy, start, end)
        points = served_points(route)
        assert sum(len(part) for part in route_points(route or [])) <= policy.max_points
        for point in points:
            assert distance_m(point, start) > radius and distance_m(point, end) > radius
            assert not any(zone.holds(point) for zone in policy.zones)


def test_simplify_keeps_a_budget_of_original_points_with_every_end():
    wiggle = [(47 + i * 1e-4, 8 + math.sin(i / 7) * 1e-3) for i in range(5000)]
    parts = simplify([wiggle, wiggle[:40]], 300)
    assert sum(len(part) for part in parts) <= 300
    assert parts[0][0] == wiggle[0] and parts[0][-1] == wiggle[-1] and parts[1][-1] == wiggle[39]
    assert set(parts[0]) <= set(wiggle)
    assert simplify([wiggle[:10]], 300) == [wiggle[:10]]


def test_projection_fits_the_box_and_writes_numbers_only():
    box = Box(10, 20, 200, 100)
    drawn = fit([ring((60.0, 10.0), 3000)], box)
    xs = [x for part in drawn for x, _ in part]
    ys = [y for part in drawn for _, y in part]
    assert min(xs) >= 10 and max(xs) <= 210.001 and min(ys) >= 20 and max(ys) <= 120.001
    assert set(path_data(drawn)) <= set("ML0123456789. ")
    assert fit([], box) == [] and path_data([]) == ""
    assert fit([[(1.0, 1.0), (1.0, 1.0)]], box)  # a single spot does not divide by zero


def test_zones_parse_or_fail():
    assert parse_zones("47.37,8.54,800; 40.0,-105.2,300\n") == (
        Zone(47.37, 8.54, 800),
        Zone(40.0, -105.2, 300),
    )
    assert parse_zones("") == ()
    for bad in ("47.37,8.54", "91,8,100", "47,8,0", "47,8,nan", "a,b,c", "47,8,100000", "1,1,100;" * 21):
        with pytest.raises(ValueError, match="zone"):
            parse_zones(bad)


@pytest.mark.parametrize(
    "typo",
    [
        "4_7.37,8.54,800",  # Python's float() reads 47.37
        "\u0664\u0667.37,8.54,800",  # Arabic-Indic digits: float() reads 47.37
        "47.37,8.54,8e2",
        "47.37,8.54,0.8",  # kilometres meant: a zone smaller than GPS noise hides nothing
        "47.37,8.54,1e-300",
        "47.37,8.54,99",
    ],
)
def test_a_zone_is_plain_decimal_degrees_and_metres_of_at_least_100(typo: str) -> None:
    with pytest.raises(ValueError, match="zone"):
        parse_zones(typo)
    assert parse_zones(" +47.37 , -8.54 , 100 ") == (Zone(47.37, -8.54, 100),)


def activity(polyline: str, **changes: object) -> SummaryActivity:
    fields: dict[str, object] = {
        "id": 16181809559,
        "name": "Morning run",
        "sport_type": "Run",
        "start_date": datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc),
        "start_date_local": datetime(2026, 11, 20, 8, 0),
        "distance": 12566.0,
        "moving_time": 3600,
        "elapsed_time": 3700,
        "start_latlng": (47.3769, 8.5417),
        "end_latlng": (47.3769, 8.5417),
        "summary_polyline": polyline,
        "visibility": "everyone",
    }
    return SummaryActivity(**{**fields, **changes})  # type: ignore[arg-type]


def test_public_activity_carries_only_the_trimmed_route(caplog: pytest.LogCaptureFixture):
    loop = encode_polyline(ring((47.3769, 8.5417), 2000))
    off = public_activity(activity(loop), PrivacyPolicy())
    assert off is not None and "route" not in off and "47.37" not in str(off)
    on = public_activity(activity(loop), PrivacyPolicy(maps=MapPolicy(key=KEY)))
    assert on is not None and on["route"] and loop not in str(on)
    assert {"start_latlng", "end_latlng", "summary_polyline", "map"}.isdisjoint(on)
    unstated = activity(loop, visibility=None)  # privacy fails closed: no activity, so no route either
    assert public_activity(unstated, PrivacyPolicy(maps=MapPolicy(key=KEY))) is None
    hostile = "_p~iF~ps|U<script>alert(1)</script>"
    with caplog.at_level(logging.WARNING):
        item = public_activity(activity(hostile), PrivacyPolicy(maps=MapPolicy(key=KEY)))
    assert item is not None and "route" not in item  # the activity is published, its route skipped
    assert "16181809559" in caplog.text and "alphabet" in caplog.text and "script" not in caplog.text


def test_the_poster_section_is_bounded_and_newest_first():
    route = [emulator_encode(ring((47.0, 8.0), 3000))]
    stored = [
        {
            "id": n + 1,
            "sport_type": "Run",
            "start_date": f"2026-01-01T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z",
            "start_date_local": "2026-01-01T08:00:00",
            "distance_m": 5000.0,
            "moving_time_s": 1800,
            "name": "secret name",
            "route": route,
        }
        for n in range(MAX_ROUTES + 5)
    ] + [{"id": 99999, "start_date": "2027-01-01T00:00:00Z", "route": []}]
    section = routes_section(stored)
    assert len(section) == MAX_ROUTES and section[0]["id"] == MAX_ROUTES + 5
    assert all(sum(len(p) for p in route_points(entry["route"])) <= POSTER_POINTS for entry in section)
    assert "name" not in section[0]
    assert all("route" not in item for item in without_routes(stored))
