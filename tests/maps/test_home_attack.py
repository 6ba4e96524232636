"""The door is not where the drawn ends point: many loops from one home, trimmed, then attacked.

The guarantee (maps.trim): no served point lies within ``radius_m`` of a start or an end, nor within
1.5 ``radius_m`` of the hidden centre, and the hidden centre lies 0.3 to 0.5 ``radius_m`` from the start,
at a secret offset that varies smoothly with the start. So the attacks that found home within 20 m when
the hidden circle was centred on it find the hidden centre instead (a least-squares circle through the
drawn ends: at least 0.3 ``radius_m`` away), or a point halfway to it (their mean: 0.15 ``radius_m``).

Known limit, documented in docs/privacy.md: for loops in evenly spread directions the mean lies halfway
between home and the hidden centre, so ``2 * mean - circle centre`` lands near home again; any trimming
that cuts routes where they leave a fixed region leaks the start through where the many ends cluster.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maps import MapPolicy, encode_polyline, map_key, public_route, route_points
from maps.geo import METRES_PER_DEGREE, distance_m
from maps.polyline import Point
from maps.veil import LATTICE, MAX_OFFSET, MIN_OFFSET, hidden_centre

LOOPS = 120


def moved(point: Point, north_m: float, east_m: float) -> Point:
    lat, lng = point
    return (
        lat + north_m / METRES_PER_DEGREE,
        lng + east_m / (METRES_PER_DEGREE * math.cos(math.radians(lat))),
    )


def loop_from(door: Point, radius_m: float, bearing: float, count: int = 240) -> list[Point]:
    """A round loop that leaves ``door`` towards ``bearing`` (radians from north) and comes back."""
    centre_n, centre_e = radius_m * math.cos(bearing), radius_m * math.sin(bearing)
    return [
        moved(door, centre_n - radius_m * math.cos(bearing + a), centre_e - radius_m * math.sin(bearing + a))
        for a in (2 * math.pi * i / count for i in range(count + 1))
    ]


def mean(points: list[Point]) -> Point:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def circle_fit(points: list[Point], origin: Point) -> Point:
    """The centre of the least-squares (Kåsa) circle through ``points``, in metres round ``origin``."""
    scale = math.cos(math.radians(origin[0])) * METRES_PER_DEGREE
    xy = [((p[1] - origin[1]) * scale, (p[0] - origin[0]) * METRES_PER_DEGREE) for p in points]
    # x² + y² = 2ax + 2by + c: the normal equations of the 3 x 3 linear least squares
    rows = [(2 * x, 2 * y, 1.0, x * x + y * y) for x, y in xy]
    m = [
        [sum(r[i] * r[j] for r in rows) for j in range(3)] + [sum(r[i] * r[3] for r in rows)]
        for i in range(3)
    ]
    for col in range(3):  # Gauss-Jordan
        pivot = max(range(col, 3), key=lambda row: abs(m[row][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for row in range(3):
            if row != col:
                factor = m[row][col] / m[col][col]
                m[row] = [a - factor * b for a, b in zip(m[row], m[col], strict=True)]
    a, b = m[0][3] / m[0][0], m[1][3] / m[1][1]
    return (origin[0] + b / METRES_PER_DEGREE, origin[1] + a / scale)


def served_ends(door: Point, policy: MapPolicy, seed: int) -> tuple[list[Point], list[list[Point]]]:
    """The drawn ends of :data:`LOOPS` loops from ``door`` (random bearings and sizes, GPS noise at the
    door), and every served point with the loop's true start."""
    rng = random.Random(seed)
    ends: list[Point] = []
    served: list[list[Point]] = []
    for _ in range(LOOPS):
        start = moved(door, rng.gauss(0, 8), rng.gauss(0, 8))
        loop = loop_from(start, rng.uniform(3, 10) * policy.radius_m / 2, rng.uniform(0, 2 * math.pi))
        route = public_route(encode_polyline(loop), policy, start, start)  # as Strava's start_latlng
        assert route is not None
        parts = route_points(route)
        ends += [parts[0][0], parts[-1][-1]]
        served.append([start, *(point for part in parts for point in part)])
    return ends, served


@pytest.mark.slow(18)
@settings(max_examples=25, deadline=None)
@given(
    lat=st.floats(-65, 65),
    lng=st.floats(-179, 179),
    radius=st.integers(100, 2000),
    secret=st.text(min_size=1, max_size=40),
    seed=st.integers(0, 2**32),
)
def test_the_drawn_ends_of_loops_from_home_do_not_point_at_home(lat, lng, radius, secret, seed):
    door = (lat, lng)
    policy = MapPolicy(key=map_key(secret), radius_m=radius)
    ends, served = served_ends(door, policy, seed)
    centre = hidden_centre(door, policy.key, radius)
    assert MIN_OFFSET * radius * 0.999 <= distance_m(door, centre) <= MAX_OFFSET * radius * 1.001
    for start, *points in served:
        assert all(distance_m(point, start) > radius for point in points)  # the published promise
        own = hidden_centre(start, policy.key, radius)
        assert all(distance_m(point, own) > (1 + MAX_OFFSET) * radius for point in points)
    assert distance_m(circle_fit(ends, door), door) >= radius / 4  # it finds the hidden centre
    assert distance_m(mean(ends), door) >= radius / 16  # ~halfway to it: p + (c - p) / 2, for even bearings


def test_offsets_vary_smoothly_and_stay_in_range_and_secret():
    key, radius = map_key("client-secret"), 500
    rng = random.Random(7)
    for _ in range(2000):
        point = (rng.uniform(-70, 70), rng.uniform(-179, 179))
        centre = hidden_centre(point, key, radius)
        assert MIN_OFFSET * radius * 0.999 <= distance_m(point, centre) <= MAX_OFFSET * radius * 1.001
        # 10 m away (across a lattice line or not) the circle moves by little more: no two circles to
        # intersect; the bound is the field's steepest slope, 1.5 sqrt(3) (2 pi x 0.5 + 0.2) / LATTICE
        step = moved(point, rng.uniform(-10, 10), rng.uniform(-10, 10))
        slope = 1 + 1.5 * math.sqrt(3) * (2 * math.pi * MAX_OFFSET + MAX_OFFSET - MIN_OFFSET) / LATTICE
        assert distance_m(centre, hidden_centre(step, key, radius)) <= slope * distance_m(point, step) + 0.01
    door = (47.3769, 8.5417)
    assert distance_m(hidden_centre(door, key, radius), hidden_centre(door, map_key("other"), radius)) > 1


def test_without_a_key_no_route_is_published():
    loop = loop_from((47.3769, 8.5417), 2000, 1.0)
    assert map_key("") == b""
    assert public_route(encode_polyline(loop), MapPolicy(key=b"", radius_m=500)) is None
    assert public_route(encode_polyline(loop), MapPolicy(key=map_key("s"), radius_m=500)) is not None
    assert "key" not in repr(MapPolicy(key=map_key("s")))
